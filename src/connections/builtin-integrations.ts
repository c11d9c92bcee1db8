import type { IntegrationDefinition } from '../integrations/sdk/integration.ts';

/** The integrations shipped with Riposte. */
export const BUILTIN_INTEGRATIONS: readonly IntegrationDefinition[] = [];

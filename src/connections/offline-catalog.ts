import { ActionRegistry } from '../actions/action-registry.ts';
import { builtinActions } from '../actions/builtin-actions.ts';
import { BUILTIN_INTEGRATIONS } from './builtin-integrations.ts';
import { integrationActions, type IntegrationRuntime } from './integration-actions.ts';

const unavailable = (what: string) => (): never => {
  throw new Error(`${what} is not available here: this catalogue only validates and simulates`);
};

/**
 * Every built-in action (Riposte's own and the built-in integrations'), for validating and
 * simulating playbooks without a database: the schemas are real, running one fails.
 */
export function offlineCatalog(): ActionRegistry {
  const registry = new ActionRegistry(
    builtinActions({
      cases: unavailable('cases'),
      assets: unavailable('assets'),
      edl: unavailable('edl'),
      history: unavailable('the alert history'),
      locate: () => null,
      indicators: unavailable('the threat-intelligence store'),
      alerts: unavailable('the alert store'),
    }),
  );
  const runtime = new Proxy({} as IntegrationRuntime, {
    get: (_t, key) => unavailable(`the integration runtime (${String(key)})`)(),
  });
  for (const integration of BUILTIN_INTEGRATIONS)
    for (const action of integrationActions(integration, runtime)) registry.register(action);
  return registry;
}

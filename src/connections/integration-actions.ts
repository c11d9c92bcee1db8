import { Type, type TObject, type TSchema } from '@sinclair/typebox';
import { ActionError, type ActionDefinition } from '../core/action.ts';
import { RiposteError } from '../core/riposte-error.ts';
import type { RetryPolicy } from '../core/playbook.ts';
import type { OutboundHttp } from '../integrations/http/outbound-http.ts';
import type {
  IntegrationAction,
  IntegrationContext,
  IntegrationDefinition,
} from '../integrations/sdk/integration.ts';
import type { EnrichmentStore } from './enrichment-store.ts';
import type { InstanceStore, ResolvedInstance } from './instance-store.ts';

export interface IntegrationRuntime {
  instances: InstanceStore;
  http: OutboundHttp;
  enrichment: EnrichmentStore;
}

const DEFAULT_RETRY: RetryPolicy = {
  attempts: 3,
  backoffMs: 2_000,
  factor: 2,
  maxDelayMs: 60_000,
  jitter: true,
};
const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

/**
 * Every action's input also takes `instance` (which configured instance to use; the default one when
 * absent), and an action with an inverse takes `ttl`: undo it automatically after this long. An input
 * that is a union of objects (`anyOf` / `oneOf`: "a username or an e-mail") takes them in each member,
 * since a closed member would otherwise refuse them.
 */
export function withRuntimeInputs(input: TSchema, undoable: boolean): TSchema {
  for (const key of ['anyOf', 'oneOf'] as const) {
    const members = (input as Record<string, unknown>)[key];
    if (Array.isArray(members))
      return { ...input, [key]: members.map((m) => withRuntimeInputs(m as TSchema, undoable)) } as TSchema;
  }
  const object = input as TObject;
  if (object.type !== 'object' || !object.properties) return input;
  const ttl = Type.Optional(
    Type.Union([Type.String(), Type.Number()], {
      description: 'undo automatically after this long (30m, 24h, or ms)',
    }),
  );
  return {
    ...object,
    properties: {
      ...object.properties,
      instance: Type.Optional(
        Type.String({ description: 'the integration instance to use (default: the default instance)' }),
      ),
      ...(undoable ? { ttl } : {}),
    },
  } as TSchema;
}

/** The context an integration's action runs with, for an instance. */
export function integrationContext(
  integration: IntegrationDefinition,
  instance: ResolvedInstance,
  runtime: Pick<IntegrationRuntime, 'http'>,
  call: { idempotencyKey: string; attempt: number; signal: AbortSignal },
): IntegrationContext {
  const limit = rateLimitOf(integration, instance);
  // The limit is part of the key, so changing an instance's rate takes effect at once.
  const bucketKey = `${integration.id}/${instance.name}/${limit ? `${limit.requests}/${limit.perSeconds}` : 'none'}`;
  const http = runtime.http.client({
    baseUrl: instance.fields['base_url'] ?? integration.baseUrl,
    auth: integration.auth,
    fields: instance.fields,
    bucket: runtime.http.bucket(bucketKey, limit),
    secrets: integration.credentials.filter((f) => f.secret).flatMap((f) => instance.fields[f.name] ?? []),
    timeoutMs: integration.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    signal: call.signal,
  });
  return { http, fields: instance.fields, instance: instance.name, ...call };
}

/** The instance's `requests_per_minute` (a paid plan) wins over the integration's declared rate limit. */
export function rateLimitOf(
  integration: IntegrationDefinition,
  instance: ResolvedInstance,
): IntegrationDefinition['rateLimit'] {
  const perMinute = Number(instance.fields['requests_per_minute']);
  return Number.isInteger(perMinute) && perMinute >= 1
    ? { requests: perMinute, perSeconds: 60 }
    : integration.rateLimit;
}

/** The action's own input: without the runtime's `instance` and `ttl`. */
function withoutRuntime(input: Record<string, unknown>): Record<string, unknown> {
  const { instance: _instance, ttl: _ttl, ...rest } = input;
  return rest;
}

/**
 * The instance an action runs with. A missing one fails the step at once (`not_configured`, not
 * retried): no retry makes an instance appear, and retrying would hold the run for the whole backoff.
 */
async function instanceFor(
  runtime: IntegrationRuntime,
  integration: IntegrationDefinition,
  named: string | undefined,
): Promise<ResolvedInstance> {
  try {
    return await runtime.instances.resolve(integration, named);
  } catch (error) {
    if (error instanceof RiposteError && error.code === 'not_found')
      throw new ActionError('not_configured', error.message, { retryable: false, cause: error });
    throw error;
  }
}

function toActionDefinition(
  integration: IntegrationDefinition,
  action: IntegrationAction,
  runtime: IntegrationRuntime,
): ActionDefinition {
  const id = `${integration.id}.${action.name}`;
  return {
    id,
    title: action.title,
    description: action.description,
    effect: action.effect,
    input: withRuntimeInputs(action.input, action.inverse !== undefined),
    ...(action.react ? { react: action.react } : {}),
    ...(action.target ? { target: (input) => action.target!(withoutRuntime(input) as never) } : {}),
    ...(action.inverseInput
      ? {
          inverseInput: (input, output) =>
            action.inverseInput!(withoutRuntime(input) as never, output as never),
        }
      : {}),
    ...(action.alreadyApplied
      ? {
          alreadyApplied: async (input, context) => {
            const { instance: named } = input as { instance?: string };
            const instance = await instanceFor(runtime, integration, named);
            return action.alreadyApplied!(
              withoutRuntime(input) as never,
              integrationContext(integration, instance, runtime, context),
            );
          },
        }
      : {}),
    ...(action.output ? { output: action.output } : {}),
    ...(action.inverse ? { inverse: `${integration.id}.${action.inverse}` } : {}),
    timeoutMs: action.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    retry: action.retry === undefined ? DEFAULT_RETRY : action.retry,
    run: async (input, context) => {
      const { instance: named } = input as { instance?: string };
      const rest = withoutRuntime(input);
      const instance = await instanceFor(runtime, integration, named);
      const cacheKey =
        action.effect === 'read' && action.cacheTtlSeconds
          ? runtime.enrichment.cacheKey(`${integration.id}/${instance.name}`, id, rest)
          : null;
      if (cacheKey) {
        const hit = await runtime.enrichment.cached(cacheKey);
        if (hit !== undefined) return hit;
      }
      let output: unknown;
      try {
        output = await action.run(rest as never, integrationContext(integration, instance, runtime, context));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        await runtime.instances.recordAction(integration, instance, id, message);
        throw error;
      }
      await runtime.instances.recordAction(integration, instance, id, null);
      if (cacheKey) await runtime.enrichment.cache(cacheKey, id, output, action.cacheTtlSeconds!);
      if (action.enrichment) {
        const observable = action.enrichment.observable(rest as never);
        if (observable)
          await runtime.enrichment.record(
            observable,
            integration.id,
            id,
            action.enrichment.finding(output as never),
          );
      }
      return output;
    },
  };
}

/** An integration's actions as the engine sees them: instance resolution, shared cache, findings recorded. */
export function integrationActions(
  integration: IntegrationDefinition,
  runtime: IntegrationRuntime,
): ActionDefinition[] {
  return integration.actions.map((action) => toActionDefinition(integration, action, runtime));
}

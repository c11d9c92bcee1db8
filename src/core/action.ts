/**
 * What a playbook `uses:`: an action with a declared input schema and effect. The integration SDK
 * (later) builds these; the catalogue is what validation and the engine's action runner look them up in.
 */
import type { TSchema } from '@sinclair/typebox';
import type { ActionEffect, RetryPolicy } from './playbook.ts';

export interface ActionContext {
  /** Stable across attempts and restarts of the same step attempt: the integration passes it on to make effects idempotent. */
  idempotencyKey: string;
  attempt: number;
  runId: string;
  stepKey: string;
  /** Aborted when the step's timeout passes or the run is cancelled. */
  signal: AbortSignal;
}

export interface ActionDefinition {
  /** `vendor.action`, lowercase snake. */
  id: string;
  title: string;
  description: string;
  effect: ActionEffect;
  /** TypeBox (JSON Schema) of the `with:` inputs. */
  input: TSchema;
  output?: TSchema;
  /** The action that undoes this one, when there is one. */
  inverse?: string;
  timeoutMs: number;
  retry: RetryPolicy | null;
  /** RE&CT response action id. */
  react?: string;
  /** Write and destructive actions: the entity acted on (guardrails and the action ledger key on it). */
  target?: (input: Record<string, unknown>) => { type: string; value: string } | null;
  /** The inverse action's input that undoes this application. */
  inverseInput?: (input: Record<string, unknown>, output: unknown) => Record<string, unknown>;
  /** Check before act: true when the target is already in the state this action produces. */
  alreadyApplied?: (input: Record<string, unknown>, context: ActionContext) => Promise<boolean>;
  run(input: Record<string, unknown>, context: ActionContext): Promise<unknown>;
}

export interface ActionCatalog {
  get(id: string): ActionDefinition | undefined;
  list(): readonly ActionDefinition[];
}

/**
 * How an action tells the engine what its failure means. `retryable: false` fails the step now;
 * `retryAfterMs` overrides the policy's next delay (a 429 with Retry-After).
 */
export class ActionError extends Error {
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly code: string;

  constructor(
    code: string,
    message: string,
    options: { retryable?: boolean; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ActionError';
    this.code = code;
    this.retryable = options.retryable ?? true;
    this.retryAfterMs = options.retryAfterMs;
  }
}

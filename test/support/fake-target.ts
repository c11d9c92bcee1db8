import { Type } from '@sinclair/typebox';
import { ActionError, type ActionDefinition } from '../../src/core/action.ts';

/**
 * A fake integration for tests: `fake.lookup` (read) answers a score per IP, `fake.block` (destructive)
 * records each effect by idempotency key — applying the same key twice is counted as a duplicate, which
 * is what the crash test looks for. `fake.flaky` fails a given number of times before it succeeds.
 */
export class FakeTarget {
  readonly effects = new Map<string, { ip: string; count: number }>();
  readonly calls: { action: string; input: Record<string, unknown>; key: string }[] = [];
  readonly scores = new Map<string, number>();
  flakyFailures = 0;
  #flakyLeft = new Map<string, number>();

  get duplicates(): number {
    return [...this.effects.values()].filter((e) => e.count > 1).length;
  }

  actions(): ActionDefinition[] {
    return [
      {
        id: 'fake.lookup',
        title: 'Look up an IP',
        description: 'Reputation score for an IP (fake).',
        effect: 'read',
        input: Type.Object(
          { ip: Type.String(), api_key: Type.Optional(Type.String()) },
          { additionalProperties: false },
        ),
        output: Type.Object({ ip: Type.String(), score: Type.Number() }),
        timeoutMs: 5_000,
        retry: { attempts: 3, backoffMs: 10, factor: 2, maxDelayMs: 100, jitter: false },
        run: async (input, context) => {
          this.calls.push({ action: 'fake.lookup', input, key: context.idempotencyKey });
          const ip = String(input['ip']);
          return { ip, score: this.scores.get(ip) ?? 0 };
        },
      },
      {
        id: 'fake.block',
        title: 'Block an IP',
        description: 'Blocks an IP on the fake firewall, once per idempotency key.',
        effect: 'destructive',
        inverse: 'fake.unblock',
        input: Type.Object({ ip: Type.String() }, { additionalProperties: false }),
        timeoutMs: 5_000,
        retry: null,
        run: async (input, context) => {
          this.calls.push({ action: 'fake.block', input, key: context.idempotencyKey });
          const seen = this.effects.get(context.idempotencyKey);
          if (seen) seen.count++;
          else this.effects.set(context.idempotencyKey, { ip: String(input['ip']), count: 1 });
          return { blocked: input['ip'] };
        },
      },
      {
        id: 'fake.flaky',
        title: 'Flaky call',
        description: 'Fails `flakyFailures` times per step attempt chain, then succeeds.',
        effect: 'read',
        input: Type.Object({ n: Type.Optional(Type.Number()) }),
        timeoutMs: 5_000,
        retry: null,
        run: async (input, context) => {
          this.calls.push({ action: 'fake.flaky', input, key: context.idempotencyKey });
          const chain = `${context.runId}:${context.stepKey}`;
          const left = this.#flakyLeft.get(chain) ?? this.flakyFailures;
          if (left > 0) {
            this.#flakyLeft.set(chain, left - 1);
            throw new ActionError('unavailable', 'the fake service is down', { retryable: true });
          }
          return { ok: true, attempt: context.attempt };
        },
      },
    ];
  }
}

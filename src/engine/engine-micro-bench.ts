/**
 * Engine cost per step: a 5-step action chain, each action completing at once (secrets set, so
 * redaction runs). Printed twice: the reducer alone, and with the JSON round trip of the state that
 * storing every transition adds (the runner's cost, shown for scale).
 * Run: `node src/engine/engine-micro-bench.ts`.
 */
import type { ExpressionScope } from '../core/playbook.ts';
import type { EngineContext, RunState } from './engine-types.ts';
import { advance, startRun } from './engine.ts';
import { action, plan } from './test-plans.ts';

const chain = plan(
  ['enrich', 'lookup', 'score', 'ticket', 'notify'].map((id, i, ids) =>
    action(id, {
      retry: { attempts: 3 },
      with: (s: ExpressionScope) => ({
        ip: (s.alert as { ip: string }).ip,
        prev: i > 0 ? s.steps[ids[i - 1]!]?.output : null,
      }),
    }),
  ),
  { outputs: { last: (s: ExpressionScope) => s.steps.notify?.output } },
);

const ctx: EngineContext = {
  now: '2025-01-01T00:00:00.000Z',
  alert: { ip: '203.0.113.7', rule: 'ssh brute force' },
  secrets: { vt_key: 'vt-secret-0123456789' },
  random: Math.random,
};

function oneRun(n: number, json: boolean): RunState {
  let { state, commands } = startRun(chain, { runId: `run_${n}`, playbookVersion: 1, inputs: {} }, ctx);
  while (state.status === 'running') {
    if (json) state = JSON.parse(JSON.stringify(state)) as RunState;
    const cmd = commands.find((c) => c.type === 'execute_action');
    if (!cmd || cmd.type !== 'execute_action') break;
    ({ state, commands } = advance(
      chain,
      state,
      {
        type: 'action_completed',
        stepKey: cmd.stepKey,
        attempt: cmd.attempt,
        output: { verdict: 'clean', score: 3 },
      },
      ctx,
    ));
  }
  return state;
}

const STEPS = 5;
const RUNS = 50_000;

function measure(json: boolean, label: string): void {
  for (let i = 0; i < 5000; i++) oneRun(i, json); // warm-up
  const t0 = process.hrtime.bigint();
  let ok = 0;
  for (let i = 0; i < RUNS; i++) if (oneRun(i, json).status === 'succeeded') ok++;
  const ns = Number(process.hrtime.bigint() - t0);
  if (ok !== RUNS) throw new Error(`${RUNS - ok} runs did not succeed`);
  console.log(
    `${label}: ${(ns / 1000 / (RUNS * STEPS)).toFixed(2)} µs per step, ` +
      `${(ns / 1000 / RUNS).toFixed(1)} µs per run (startRun + ${STEPS} advances)`,
  );
}

measure(false, 'engine only        ');
measure(true, 'engine + JSON state');

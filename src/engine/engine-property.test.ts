import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { EngineCommand } from './engine-types.ts';
import { RunStateJson } from './run-state-json.ts';
import { Driver, seeded } from './test-driver.ts';
import type { StepSpec } from './test-plans.ts';
import {
  action,
  approval,
  endStep,
  failStep,
  forEach,
  ifStep,
  onEvent,
  parallel,
  plan,
  setStep,
  subPlaybook,
  task,
  waitStep,
} from './test-plans.ts';

/** The shape of a random step; ids are given when the plan is built. */
type Shape =
  | { k: 'action'; retry: boolean; coe: boolean }
  | { k: 'set' | 'task' | 'approval' | 'sub' | 'wait' | 'event' | 'end' }
  | { k: 'if'; cond: boolean }
  | { k: 'fail'; coe: boolean }
  | { k: 'for_each'; n: number; concurrency: number; coe: boolean; body: Shape[] }
  | { k: 'parallel'; join: 'all' | 'any'; branches: Shape[][] };

const leaf: fc.Arbitrary<Shape> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ k: fc.constant('action' as const), retry: fc.boolean(), coe: fc.boolean() }),
  },
  {
    weight: 3,
    arbitrary: fc.constantFrom<Shape>(
      { k: 'set' },
      { k: 'task' },
      { k: 'approval' },
      { k: 'sub' },
      { k: 'wait' },
      { k: 'event' },
    ),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('if' as const), cond: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('fail' as const), coe: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant<Shape>({ k: 'end' }) },
);

const shapes = fc.letrec<{ step: Shape; block: Shape[] }>((tie) => ({
  step: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 5, arbitrary: leaf },
    fc.record({
      k: fc.constant('for_each' as const),
      n: fc.nat(4),
      concurrency: fc.integer({ min: 1, max: 3 }),
      coe: fc.boolean(),
      body: tie('block') as fc.Arbitrary<Shape[]>,
    }),
    fc.record({
      k: fc.constant('parallel' as const),
      join: fc.constantFrom('all' as const, 'any' as const),
      branches: fc.array(tie('block') as fc.Arbitrary<Shape[]>, { minLength: 1, maxLength: 3 }),
    }),
  ),
  block: fc.array(tie('step') as fc.Arbitrary<Shape>, { minLength: 0, maxLength: 4 }),
}));

function build(block: Shape[], ids: { n: number }): StepSpec[] {
  const named = block.map((s) => ({ s, id: `s${ids.n++}` }));
  return named.map(({ s, id }, i) => {
    const following = named[i + 1]?.id ?? null;
    switch (s.k) {
      case 'action':
        return action(id, {
          retry: s.retry ? { attempts: 2, backoffMs: 100, jitter: true } : undefined,
          continueOnError: s.coe,
        });
      case 'set':
        return setStep(id, { [id]: 1 });
      case 'task':
        return task(id);
      case 'approval':
        return approval(id);
      case 'sub':
        return subPlaybook(id, 'child');
      case 'wait':
        return waitStep(id, { mode: 'delay', delayMs: 50 });
      case 'event':
        return waitStep(id, onEvent('ping', null, 200));
      case 'end':
        return endStep(id);
      case 'if':
        return ifStep(id, () => s.cond, following, null);
      case 'fail':
        return failStep(id, 'boom', { continueOnError: s.coe });
      case 'for_each':
        return forEach(id, () => Array.from({ length: s.n }, (_, j) => j), build(s.body, ids), {
          concurrency: s.concurrency,
          continueOnError: s.coe,
        });
      case 'parallel':
        return parallel(
          id,
          s.branches.map((b) => build(b, ids)),
          s.join,
        );
    }
  });
}

/** Open work from the command log: keys of tasks and sub-runs not closed or cancelled. */
function openWork(log: EngineCommand[], type: 'open_task' | 'start_subrun', close: string): string[] {
  const open = new Set<string>();
  for (const c of log) {
    if (c.type === type) open.add(c.stepKey);
    if (c.type === close && 'stepKey' in c) open.delete(c.stepKey);
  }
  return [...open];
}

const TERMINAL_STEP = new Set(['succeeded', 'failed', 'skipped', 'cancelled']);

describe('property: random plans, random completion order', () => {
  it('every run terminates with every step finished or never started, and no timer left', () => {
    fc.assert(
      fc.property(fc.array(shapes.step, { minLength: 1, maxLength: 6 }), fc.integer(), (main, seed) => {
        const p = plan(build(main, { n: 0 }));
        const pick = seeded(seed);
        const choose = <T>(xs: T[]): T => xs[Math.floor(pick() * xs.length)]!;
        const d = new Driver(p, { random: seeded(seed + 1) });
        // States are stored through the run's encoder, which reuses the text of unchanged objects: it
        // is only right if no transition changes a step record or a variable in place.
        const json = new RunStateJson();
        let retries = 0;
        for (let i = 0; i < 2000; i++) {
          assert.equal(json.encode(d.state), JSON.stringify(d.state), 'the stored text is the state');
          const status = d.state.status;
          if (status === 'failed' && retries < 2 && pick() < 0.5) {
            retries++;
            d.send({ type: 'retry', by: 'prop' });
            continue;
          }
          if (status === 'succeeded' || status === 'failed' || status === 'cancelled') break;
          const actions = d.outstanding();
          const tasks = openWork(d.log, 'open_task', 'close_task').filter(
            (k) => d.state.steps[k]?.status === 'waiting',
          );
          const subs = openWork(d.log, 'start_subrun', 'cancel_subrun').filter(
            (k) => d.state.steps[k]?.status === 'waiting',
          );
          const options: (() => unknown)[] = [];
          for (const a of actions) {
            const complete = () => d.complete(a.stepKey, { v: a.stepKey }, a.attempt);
            options.push(complete, complete, complete);
            options.push(() => d.failAction(a.stepKey, { retryable: pick() < 0.7 }, a.attempt));
          }
          for (const k of tasks) {
            const kind = d.plan.steps[d.state.steps[k]!.stepId]!.kind;
            const outcome =
              kind === 'task'
                ? choose(['answered', 'expired'] as const)
                : choose(['approved', 'denied', 'expired'] as const);
            options.push(() => d.answer(k, outcome, { choice: 'yes' }));
          }
          for (const k of subs) {
            const ok = pick() < 0.7;
            options.push(() =>
              d.send({
                type: 'subrun_finished',
                stepKey: k,
                runId: 'child_1',
                status: ok ? 'succeeded' : 'failed',
                outputs: {},
                error: null,
              }),
            );
          }
          if (d.state.wakeAt !== null) options.push(() => d.wake());
          options.push(() => d.send({ type: 'external_event', name: 'ping', payload: {} }));
          const canProgress =
            actions.length + tasks.length + subs.length > 0 || d.state.wakeAt !== null || hasEventWait(d);
          assert.ok(canProgress, `run ${status} has nothing to wait for: ${JSON.stringify(d.state.steps)}`);
          if (pick() < 0.02) d.send({ type: 'cancel', by: 'prop', reason: 'random' });
          else if (pick() < 0.1 && d.log.length > 0) {
            const before = d.state;
            const t = d.send({ type: 'action_completed', stepKey: 's0', attempt: 0, output: null });
            assert.equal(t.state, before, 'a stale event changes nothing');
          } else choose(options)();
        }
        const s = d.state;
        assert.equal(json.encode(s), JSON.stringify(s));
        assert.ok(['succeeded', 'failed', 'cancelled'].includes(s.status), `not finished: ${s.status}`);
        assert.equal(s.wakeAt, null);
        for (const step of Object.values(s.steps))
          assert.ok(TERMINAL_STEP.has(step.status), `${step.key} is ${step.status}`);
        assert.equal(
          d.log.filter((c) => c.type === 'run_finished').length,
          1 + retries,
          'one run_finished per ending',
        );
      }),
      { numRuns: 400 },
    );
  });
});

function hasEventWait(d: Driver): boolean {
  return Object.values(d.state.steps).some(
    (s) => s.status === 'waiting' && d.plan.steps[s.stepId]?.kind === 'wait',
  );
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { RunState, StepState } from './engine-types.ts';
import { RunStateJson } from './run-state-json.ts';

const step = (key: string, extra: Partial<StepState> = {}): StepState => ({
  key,
  stepId: key,
  status: 'succeeded',
  attempt: 1,
  ...extra,
});

function state(steps: Record<string, StepState>, vars: Record<string, unknown> = {}, seq = 1): RunState {
  return {
    runId: 'run_1',
    playbookId: 'p',
    playbookVersion: 1,
    status: 'running',
    inputs: { ip: '203.0.113.7' },
    vars,
    outputs: {},
    error: null,
    steps,
    wakeAt: null,
    startedAt: '2026-12-02T00:00:00.000Z',
    finishedAt: null,
    seq,
    internal: { frames: { main: { at: 'b' } }, containers: {} },
  };
}

describe('RunStateJson', () => {
  it('encodes a state exactly as JSON.stringify does, through successive states', () => {
    const json = new RunStateJson();
    const a = step('a', { output: { verdict: 'malicious', score: 97 } });
    const s1 = state({ a });
    assert.equal(json.encode(s1), JSON.stringify(s1));
    // The next state shares `a` and replaces nothing else in it; adds `b` and a variable.
    const s2 = state({ a, b: step('b', { status: 'running', input: { q: 'x"y\n' } }) }, { n: 1 }, 2);
    assert.equal(json.encode(s2), JSON.stringify(s2));
    // `b` replaced (finished), `a` kept, a variable gone.
    const s3 = state({ a, b: step('b', { output: [1, null, 'ü'] }) }, {}, 3);
    assert.equal(json.encode(s3), JSON.stringify(s3));
  });

  it('leaves out undefined members and entries, like JSON.stringify', () => {
    const json = new RunStateJson();
    const s = {
      ...state({ a: step('a', { output: undefined }) }, { gone: undefined, kept: 0, f: () => 1 }),
      extra: undefined,
    } as unknown as RunState;
    assert.equal(json.encode(s), JSON.stringify(s));
    const empty = state({}, {});
    assert.equal(json.encode(empty), JSON.stringify(empty));
  });

  it('reuses the text of the objects it has seen: a step record is encoded once', () => {
    const json = new RunStateJson();
    let reads = 0;
    const output = {
      get expensive() {
        reads++;
        return 'value';
      },
    };
    const a = step('a', { output });
    json.encode(state({ a }));
    for (let seq = 2; seq < 10; seq++) json.encode(state({ a, [`s${seq}`]: step(`s${seq}`) }, {}, seq));
    assert.equal(reads, 1, 'the unchanged step was not encoded again');
  });

  it('lets go of the text of an entry the state no longer has', () => {
    const json = new RunStateJson();
    let reads = 0;
    const counted = () => ({
      get v() {
        reads++;
        return 1;
      },
    });
    const first = counted();
    json.encode(state({}, { a: first, b: 2 }));
    json.encode(state({}, { b: 2, c: 3 }));
    // `a` comes back as the same object: had its text been kept, it would not be read again.
    const back = state({}, { a: first });
    assert.equal(json.encode(back), JSON.stringify(back));
    assert.equal(reads, 3, 'encoded twice by the encoder (once after it was let go), once by JSON.stringify');
  });

  it('matches JSON.stringify for arbitrary steps and variables, kept or replaced between states', () => {
    const value = fc.jsonValue();
    const stepArb = fc.record({ status: fc.constantFrom('succeeded', 'failed', 'running'), output: value });
    fc.assert(
      fc.property(
        fc.array(fc.dictionary(fc.string({ maxLength: 6 }), stepArb, { maxKeys: 5 }), {
          minLength: 1,
          maxLength: 5,
        }),
        fc.array(fc.dictionary(fc.string({ maxLength: 6 }), value, { maxKeys: 4 }), {
          minLength: 1,
          maxLength: 5,
        }),
        fc.integer({ min: 0, max: 3 }),
        (stepSets, varSets, keep) => {
          const json = new RunStateJson();
          let steps: Record<string, StepState> = {};
          let vars: Record<string, unknown> = {};
          stepSets.forEach((set, i) => {
            // Carry some of the previous objects over, replace or add the rest (as transitions do).
            const next: Record<string, StepState> = {};
            for (const [k, v] of Object.entries(steps)) if (k.length % 4 <= keep) next[k] = v;
            for (const [k, v] of Object.entries(set)) next[k] = step(k, v as Partial<StepState>);
            steps = next;
            vars = { ...vars, ...(varSets[i % varSets.length] ?? {}) };
            const s = state(steps, vars, i + 1);
            assert.equal(json.encode(s), JSON.stringify(s));
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { RunWorker } from './run-worker.ts';

/**
 * A worker on a database that fails every statement with `error`: how often it asked, and what it
 * logged. Its clocks read the database first thing each round (due timers), so each round is one ask.
 */
function workerOnFailingDatabase(error: Error) {
  let asked = 0;
  const logged: string[] = [];
  const db = {
    selectFrom: () => {
      asked++;
      throw error;
    },
  };
  const worker = new RunWorker({
    db: db as never,
    engine: undefined as never,
    tasks: undefined as never,
    playbooks: undefined as never,
    links: undefined as never,
    linkTtlSeconds: 60,
    notify: async () => undefined,
    onError: (_error, message) => void logged.push(message),
    tickMs: 10,
  });
  return { worker, asked: () => asked, logged };
}

const coded = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('run worker when the database cannot take work', () => {
  it('waits as long as Retry-After says before its clocks ask again, and says so once', async (t) => {
    const { worker, asked, logged } = workerOnFailingDatabase(coded('SQLITE_BUSY', 'database is locked'));
    t.after(() => worker.stop());
    await worker.start(new Set(['run_1']));
    await delay(400);
    assert.equal(asked(), 1, 'one round met the busy database; the rounds in the next second rested');
    assert.deepEqual(logged, ["run timers failed; the worker's clocks wait 1 s"]);
    await delay(900);
    assert.equal(asked(), 2, 'a second later the clocks asked again');
  });

  it('rests five seconds for a database out of reach', async (t) => {
    const { worker, asked } = workerOnFailingDatabase(
      coded('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'),
    );
    t.after(() => worker.stop());
    await worker.start(new Set(['run_1']));
    await delay(1_500);
    assert.equal(asked(), 1);
  });

  it('keeps its pace for any other failure (a fault in the work, not the database)', async (t) => {
    const { worker, asked, logged } = workerOnFailingDatabase(new Error('no such column: wake_at'));
    t.after(() => worker.stop());
    await worker.start(new Set(['run_1']));
    await delay(400);
    assert.ok(asked() >= 10, `asked ${asked()} times in 400 ms at a 10 ms tick`);
    assert.ok(logged.every((m) => m === 'run timers failed'));
  });
});

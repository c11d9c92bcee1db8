import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GroupCommit } from './group-commit.ts';

describe('GroupCommit', () => {
  it('writes jobs submitted together in one flush and answers each with its own result', async () => {
    const flushes: number[][] = [];
    const commits = new GroupCommit<number, number>(async (jobs) => {
      flushes.push(jobs);
      return jobs.map((j) => j * 10);
    });
    const results = await Promise.all([1, 2, 3].map((n) => commits.submit(n)));
    assert.deepEqual(results, [10, 20, 30]);
    assert.deepEqual(flushes, [[1, 2, 3]]);
  });

  it('batches what arrives during a flush into the next one', async () => {
    const flushes: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const commits = new GroupCommit<number, number>(async (jobs) => {
      flushes.push(jobs);
      if (flushes.length === 1) await gate;
      return jobs;
    });
    const first = commits.submit(1);
    await new Promise((r) => setImmediate(r));
    const later = [commits.submit(2), commits.submit(3)];
    release();
    assert.deepEqual(await Promise.all([first, ...later]), [1, 2, 3]);
    assert.deepEqual(flushes, [[1], [2, 3]]);
  });

  it('when a batch fails, retries each job alone so only the bad one fails', async () => {
    const commits = new GroupCommit<number, number>(async (jobs) => {
      if (jobs.includes(13)) throw new Error('unlucky');
      return jobs;
    });
    const results = await Promise.allSettled([1, 13, 2].map((n) => commits.submit(n)));
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
  });

  it('drain waits for everything submitted', async () => {
    let done = 0;
    const commits = new GroupCommit<number, number>(async (jobs) => {
      await new Promise((r) => setTimeout(r, 5));
      done += jobs.length;
      return jobs;
    });
    void commits.submit(1);
    void commits.submit(2);
    await commits.drain();
    assert.equal(done, 2);
  });
});

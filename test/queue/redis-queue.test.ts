import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { RedisWorkQueue, type RedisWorkQueueOptions } from '../../src/queue/redis-queue.ts';
import type { ActionJob } from '../../src/queue/work-queue.ts';
import { SecretBox } from '../../src/security/secret-box.ts';
import { dropRedisPrefix, everythingUnder, testRedisPrefix, testRedisUrl } from '../support/test-redis.ts';

const url = testRedisUrl();

function attempt(runId: string, input: Record<string, unknown> = {}, attemptNo = 1): ActionJob {
  return {
    runId,
    stepKey: 'block',
    action: 'test.effect',
    effect: 'write',
    input,
    attempt: attemptNo,
    idempotencyKey: `${runId}:block:${attemptNo}`,
    timeoutMs: null,
    dryRun: false,
  };
}

const until = async (done: () => boolean, what: string, ms = 10_000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

if (url)
  describe('the Redis work queue', () => {
    const key = randomBytes(32);
    const box = new SecretBox({ id: 'test', key });
    const prefixes: string[] = [];
    const open: RedisWorkQueue[] = [];
    /** A queue as one process holds it; several on one prefix are several processes. */
    const queueOn = (prefix: string, options: Partial<RedisWorkQueueOptions> = {}) => {
      const queue = new RedisWorkQueue({
        url,
        prefix,
        seal: (p) => box.seal(p),
        open: (s) => box.open(s),
        onError: (error, message) => process.stderr.write(`${message}: ${String(error)}\n`),
        ...options,
      });
      open.push(queue);
      return queue;
    };
    const freshPrefix = () => {
      const prefix = testRedisPrefix();
      prefixes.push(prefix);
      return prefix;
    };
    after(async () => {
      await Promise.all(open.map((q) => q.close().catch(() => undefined)));
      for (const prefix of prefixes) await dropRedisPrefix(url, prefix);
    });

    it('carries out an attempt enqueued by two processes once, and keeps its inputs sealed', async () => {
      const prefix = freshPrefix();
      const [a, b] = [queueOn(prefix), queueOn(prefix)];
      const seen: string[] = [];
      for (const q of [a, b])
        q.process(async (job) => {
          seen.push(`${job.idempotencyKey} ${String(job.input['token'])}`);
          await new Promise((r) => setTimeout(r, 50));
        }, 4);
      const job = attempt('run_1', { token: 'hunter2-secret-value' });
      a.enqueue([job]);
      b.enqueue([job]);
      await until(() => seen.length >= 1, 'the attempt');
      // Enqueued again after it completed (a worker recovering the run): still once.
      await new Promise((r) => setTimeout(r, 300));
      a.enqueue([job]);
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(seen, ['run_1:block:1 hunter2-secret-value']);
      const stored = await everythingUnder(url, prefix);
      assert.ok(stored.includes('sealed'), 'the job is in Redis');
      assert.ok(!stored.includes('hunter2'), 'an input value is readable in Redis');
      // A new attempt of the same step is a new job.
      a.enqueue([attempt('run_1', {}, 2)]);
      await until(() => seen.length === 2, 'the second attempt');
    });

    it('spreads attempts over the processes that take them', async () => {
      const prefix = freshPrefix();
      const [a, b] = [queueOn(prefix), queueOn(prefix)];
      const by = { a: 0, b: 0 };
      a.process(async () => void (by.a++, await new Promise((r) => setTimeout(r, 20))), 2);
      b.process(async () => void (by.b++, await new Promise((r) => setTimeout(r, 20))), 2);
      a.enqueue(Array.from({ length: 40 }, (_, i) => attempt(`run_s${i}`)));
      await until(() => by.a + by.b === 40, 'forty attempts');
      assert.ok(by.a > 0 && by.b > 0, `one process took them all: ${JSON.stringify(by)}`);
    });

    it('offers an attempt its handler put off again later, to any process', async () => {
      const prefix = freshPrefix();
      const queue = queueOn(prefix, { parkedRetryMs: 100 });
      let tries = 0;
      queue.process(async () => (++tries < 3 ? 'later' : undefined), 1);
      queue.enqueue([attempt('run_p')]);
      await until(() => tries === 3, 'the third offer');
      let completed = 0;
      for (let i = 0; i < 100 && completed !== 1; i++) {
        completed = (await queue.counts())['completed'] ?? 0;
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(completed, 1);
      assert.equal(tries, 3);
    });

    it('gives a dead process’s attempt to another once its lease lapses, and not before', async (t) => {
      const prefix = freshPrefix();
      const child = spawn(
        process.execPath,
        ['test/support/redis-lease-child.ts', url, prefix, '1500', key.toString('hex')],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      t.after(() => void child.kill('SIGKILL'));
      let out = '';
      child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
      const producer = queueOn(prefix);
      producer.enqueue([attempt('run_lease')]);
      await until(() => out.includes('took run_lease:block:1'), 'the child to take the attempt', 20_000);
      // While the child lives (and renews its lease), another process does not take the attempt.
      const taken: string[] = [];
      const survivor = queueOn(prefix, { leaseMs: 1500 });
      survivor.process(async (job) => void taken.push(job.idempotencyKey), 4);
      await new Promise((r) => setTimeout(r, 3000));
      assert.deepEqual(taken, [], 'the attempt was taken while its process lived');
      child.kill('SIGKILL');
      await until(() => taken.length === 1, 'the survivor to take the attempt up', 15_000);
      assert.deepEqual(taken, ['run_lease:block:1']);
    });

    it('finishes the attempts in progress on close and writes what they enqueue', async () => {
      const prefix = freshPrefix();
      const queue = queueOn(prefix);
      let finished = false;
      queue.process(async (job) => {
        await new Promise((r) => setTimeout(r, 200));
        // The outcome commits and leads to the next attempt, enqueued while the queue closes.
        queue.enqueue([attempt(job.runId, {}, 2)]);
        finished = true;
      }, 1);
      queue.enqueue([attempt('run_c')]);
      await until(() => queue.size() === 1 && !finished, 'the attempt to start');
      await queue.close();
      assert.ok(finished, 'close() returned before the attempt in progress finished');
      const other = queueOn(prefix);
      const taken: string[] = [];
      other.process(async (job) => void taken.push(job.idempotencyKey), 1);
      await until(() => taken.length === 1, 'the follow-up attempt');
      assert.deepEqual(taken, ['run_c:block:2']);
    });

    it('tells every process to abort an attempt', async () => {
      const prefix = freshPrefix();
      const [a, b] = [queueOn(prefix), queueOn(prefix)];
      const aborted: string[] = [];
      await b.onAbort((runId, stepKey) => aborted.push(`${runId}/${stepKey}`));
      a.abortEverywhere('run_x', 'block');
      await until(() => aborted.length === 1, 'the abort');
      assert.deepEqual(aborted, ['run_x/block']);
    });
  });

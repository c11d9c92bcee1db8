import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import { loadConfig } from '../../src/config.ts';
import type { ActionDefinition } from '../../src/core/action.ts';
import { openRiposte, type Riposte } from '../../src/riposte.ts';
import { runCli } from '../support/cli-io.ts';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/test-databases.ts';
import { dropRedisPrefix, testRedisPrefix, testRedisUrl } from '../support/test-redis.ts';

const url = testRedisUrl();
const ACTOR = { id: 'test', type: 'system' as const };

const PLAYBOOK = `
id: scale_chain
name: Scale chain
triggers: { manual: true }
inputs:
  hold: { type: boolean, default: false }
steps:
  - id: first
    uses: scale.effect
    with:
      label: a
      hold: \${{ inputs.hold }}
  - id: each
    for_each: \${{ [1, 2] }}
    do:
      - id: per_item
        uses: scale.effect
        with: { label: item }
  - id: last
    uses: scale.effect
    with: { label: z }
`;
const EFFECTS_PER_RUN = 4;

/** What the processes did, seen from the target of their one action. */
class Target {
  /** Calls per idempotency key, and which process made each. */
  readonly calls = new Map<string, string[]>();
  readonly #held = new Set<() => void>();

  action(process: string): ActionDefinition {
    return {
      id: 'scale.effect',
      title: 'Apply an effect',
      description: 'Records the call; a held one waits until released or aborted.',
      effect: 'write',
      input: Type.Object({ label: Type.String(), hold: Type.Optional(Type.Boolean()) }),
      timeoutMs: 60_000,
      retry: null,
      run: async (input, context) => {
        const calls = this.calls.get(context.idempotencyKey) ?? [];
        calls.push(process);
        this.calls.set(context.idempotencyKey, calls);
        if (input['hold'] === true)
          await new Promise<void>((resolve, reject) => {
            const release = () => resolve();
            this.#held.add(release);
            context.signal.addEventListener('abort', () => {
              this.#held.delete(release);
              reject(new Error(`aborted in ${process}`));
            });
          });
        return { by: process };
      },
    };
  }

  get holding(): number {
    return this.#held.size;
  }

  release(): void {
    for (const release of this.#held) release();
    this.#held.clear();
  }
}

const until = async (done: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

/**
 * Scale-out: several worker processes on one database share the actions through Redis (BullMQ).
 * Each "process" here is its own Riposte — own connections, engine and queue — as `riposte worker`
 * processes are.
 */
if (url)
  for (const kind of databaseKinds()) {
    describe(`worker processes sharing Redis on ${kind}`, () => {
      let db: TestDatabase;
      const prefix = testRedisPrefix();
      const processes: Riposte[] = [];
      const target = new Target();
      const openProcess = async (name: string): Promise<Riposte> => {
        const riposte = await openRiposte(
          loadConfig(
            {},
            {
              dataDir: db.dataDir,
              databaseUrl: db.url,
              logLevel: 'silent',
              builtinPlaybooks: false,
              redisUrl: url,
              redisPrefix: prefix,
            },
          ),
        );
        riposte.actions.register(target.action(name));
        processes.push(riposte);
        return riposte;
      };
      const start = (riposte: Riposte, hold = false) =>
        riposte.runs.start({ playbookId: 'scale_chain', inputs: { hold }, startedBy: 'test', actor: ACTOR });

      before(async () => {
        db = await createTestDatabase(kind);
        const first = await openProcess('a');
        await first.playbooks.save(PLAYBOOK, ACTOR);
      });
      after(async () => {
        target.release();
        for (const riposte of processes) await riposte.close().catch(() => undefined);
        await db.drop();
        await dropRedisPrefix(url, prefix);
      });

      it('a worker that starts beside another does not repeat the attempts the other is carrying out', async () => {
        const a = processes[0]!;
        await a.startWorker();
        const run = await start(a, true);
        await until(() => target.holding === 1, 'the held attempt');
        // A second worker starts and recovers unfinished runs, this one among them.
        const b = await openProcess('b');
        await b.startWorker();
        await b.worker.tick(true);
        await new Promise((r) => setTimeout(r, 500));
        const calls = [...target.calls].filter(([key]) => key.startsWith(`${run.id}:`));
        assert.deepEqual(
          calls.map(([, by]) => by),
          [['a']],
          'the attempt in flight was carried out again',
        );
        target.release();
        const done = await a.runs.settle(run.id, 15_000, { untilTerminal: true });
        assert.equal(done.status, 'succeeded');
      });

      it('runs started in one process move on in both, each attempt carried out once', async () => {
        const a = processes[0]!;
        const runs = await Promise.all(Array.from({ length: 40 }, () => start(a)));
        for (const run of runs) {
          const done = await a.runs.settle(run.id, 20_000, { untilTerminal: true });
          assert.equal(done.status, 'succeeded', JSON.stringify(done.steps.map((s) => [s.key, s.status])));
        }
        const ours = [...target.calls].filter(([key]) => runs.some((r) => key.startsWith(`${r.id}:`)));
        assert.equal(ours.length, runs.length * EFFECTS_PER_RUN);
        assert.deepEqual(
          ours.filter(([, by]) => by.length !== 1),
          [],
          'an attempt was carried out twice',
        );
        const by = new Set(ours.map(([, who]) => who[0]));
        assert.deepEqual([...by].sort(), ['a', 'b'], 'the attempts were not shared between the processes');
      });

      it('cancelling a run in one process aborts its action where another is carrying it out', async () => {
        const a = processes[0]!;
        // The API process (no worker) starts the run; a worker takes the held attempt.
        const api = await openProcess('api');
        const run = await start(api, true);
        await until(() => target.holding === 1, 'the held attempt');
        await api.runs.cancel(run.id, 'enough', ACTOR, 'test');
        await until(() => target.holding === 0, 'the abort to reach the worker');
        const done = await a.runs.settle(run.id, 10_000, { untilTerminal: true });
        assert.equal(done.status, 'cancelled');
        const [, by] = [...target.calls].find(([key]) => key.startsWith(`${run.id}:`))!;
        assert.notEqual(by[0], 'api', 'the API process carried out an action');
      });
    });

    describe(`the CLI running one playbook beside Redis on ${kind}`, () => {
      let db: TestDatabase;
      const prefix = testRedisPrefix();
      const processes: Riposte[] = [];
      const target = new Target();
      const settings = () => ({
        dataDir: db.dataDir,
        databaseUrl: db.url,
        redisUrl: url,
        redisPrefix: prefix,
      });
      const openProcess = async (name: string): Promise<Riposte> => {
        const riposte = await openRiposte(
          loadConfig({}, { ...settings(), logLevel: 'silent', builtinPlaybooks: false }),
        );
        riposte.actions.register(target.action(name));
        processes.push(riposte);
        return riposte;
      };
      before(async () => {
        db = await createTestDatabase(kind);
      });
      after(async () => {
        for (const riposte of processes) await riposte.close().catch(() => undefined);
        await db.drop();
        await dropRedisPrefix(url, prefix);
      });

      it('`playbook run` carries out its own run and takes none of the attempts waiting for the workers', async () => {
        const api = await openProcess('api');
        await api.playbooks.save(PLAYBOOK, ACTOR);
        await api.playbooks.save(
          `
id: cli_echo
name: CLI echo
triggers: { manual: true }
steps:
  - id: one
    uses: core.echo
    with: { n: 1 }
  - id: two
    uses: core.echo
    with:
      n: \${{ steps.one.output.n + 1 }}
`,
          ACTOR,
        );
        // Runs an API process started: their first attempts wait in Redis, as no worker runs yet.
        const shared = await Promise.all(
          [1, 2, 3].map(() => api.runs.start({ playbookId: 'scale_chain', startedBy: 'test', actor: ACTOR })),
        );
        // The CLI, configured as the servers are (environment), runs a playbook of its own.
        const env = {
          RIPOSTE_DATA_DIR: db.dataDir,
          RIPOSTE_DATABASE_URL: db.url,
          RIPOSTE_REDIS_URL: url,
          RIPOSTE_REDIS_PREFIX: prefix,
          RIPOSTE_LOG_LEVEL: 'silent',
          RIPOSTE_BUILTIN_PLAYBOOKS: 'false',
        };
        const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
        Object.assign(process.env, env);
        let cli: Awaited<ReturnType<typeof runCli>>;
        try {
          cli = await runCli(['playbook', 'run', 'cli_echo', '--wait', '20']);
        } finally {
          for (const [k, v] of Object.entries(saved)) {
            if (v === undefined) delete process.env[k];
            else process.env[k] = v;
          }
        }
        assert.equal(cli.code, 0, cli.stderr);
        const detail = JSON.parse(cli.stdout);
        assert.equal(detail.status, 'succeeded', cli.stdout);
        // The CLI took none of the shared attempts (it has not even the action they need).
        assert.equal(target.calls.size, 0);
        for (const run of shared) {
          const now = await api.runs.get(run.id);
          assert.equal(now.status, 'running', JSON.stringify(now.steps));
          assert.ok(
            now.steps.every((step) => step.status !== 'failed'),
            JSON.stringify(now.steps),
          );
        }
        // A worker process starts and carries them out.
        const worker = await openProcess('worker');
        await worker.startWorker();
        for (const run of shared) {
          const done = await worker.runs.settle(run.id, 20_000, { untilTerminal: true });
          assert.equal(done.status, 'succeeded');
        }
        assert.equal(target.calls.size, shared.length * EFFECTS_PER_RUN);
      });
    });
  }

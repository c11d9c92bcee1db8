import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { loadConfig, type Config } from '../../src/config.ts';
import type { Role } from '../../src/core/role.ts';
import { openRiposte, type Riposte } from '../../src/riposte.ts';
import type { NotificationHook } from '../../src/runs/task-notifier.ts';
import { buildServer, type RiposteServer } from '../../src/server/app.ts';
import { createTestDatabase, type TestDatabase } from './test-databases.ts';

export interface Harness {
  db: TestDatabase;
  riposte: Riposte;
  server: RiposteServer;
  app: FastifyInstance;
  /** An API token per role. */
  tokens: Record<Role, string>;
  /** inject with the token of a role. */
  as(role: Role, options: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

const ACTOR = { id: 'test-setup', type: 'system' as const };

/** A running Riposte on a fresh database, with one API token per role; requests go through inject(). */
export interface HarnessOptions {
  /** Run playbooks in this process (action execution, timers, recovery). */
  worker?: boolean;
  notify?: NotificationHook;
  /** Called before the worker starts (register test actions here). */
  setup?: (riposte: Riposte) => void | Promise<void>;
}

export async function startHarness(
  kind: 'sqlite' | 'postgres',
  overrides: Partial<Config> = {},
  options: HarnessOptions = {},
): Promise<Harness> {
  const db = await createTestDatabase(kind);
  const config = loadConfig(
    {},
    // Tests start from an empty playbook list unless they ask for the built-ins.
    { dataDir: db.dataDir, databaseUrl: db.url, logLevel: 'silent', builtinPlaybooks: false, ...overrides },
  );
  const riposte = await openRiposte(config, options.notify ? { notify: options.notify } : {});
  await options.setup?.(riposte);
  if (options.worker) await riposte.startWorker();
  const server = await buildServer(riposte, { logger: false });
  const tokens = {} as Record<Role, string>;
  for (const role of ['admin', 'manager', 'analyst', 'viewer'] as const) {
    tokens[role] = (await riposte.tokens.create({ name: `test-${role}`, role }, ACTOR)).token;
  }
  return {
    db,
    riposte,
    server,
    app: server.app,
    tokens,
    as: (role, options) =>
      server.app.inject({
        ...options,
        headers: { authorization: `Bearer ${tokens[role]}`, ...(options.headers ?? {}) },
      }),
    async close() {
      await server.shutdown();
      await deleteTenants(riposte);
      await riposte.close();
      await db.drop();
    },
  };
}

/**
 * Deletes every tenant `riposte` made, disabling it first: tenants have databases of their own (on
 * PostgreSQL beside the test's), which would outlive the test's.
 */
export async function deleteTenants(riposte: Riposte): Promise<void> {
  const tenants = riposte.tenants;
  if (!tenants) return;
  for (const tenant of await tenants.registry.list()) {
    if (tenant.status === 'active') await tenants.setDisabled(tenant.slug, true, ACTOR);
    await tenants.delete(tenant.slug, ACTOR);
  }
}

/**
 * Another process on the harness's database, as `riposte serve --role api` beside it: a second
 * Riposte with its own connections and engine, and no worker. The caller closes it.
 */
export function openAnotherProcess(h: Harness): Promise<Riposte> {
  return openRiposte(
    loadConfig(
      {},
      { dataDir: h.db.dataDir, databaseUrl: h.db.url, logLevel: 'silent', builtinPlaybooks: false },
    ),
  );
}

/** The id of a run's open task or approval, once the run has opened one (waits up to three seconds). */
export async function openTaskOf(riposte: Riposte, runId: string): Promise<string> {
  for (let i = 0; i < 150; i++) {
    const id = (await riposte.tasks.list({ runId, status: 'open' }))[0]?.id;
    if (id) return id;
    await new Promise((r) => setTimeout(r, 20));
  }
  const steps = (await riposte.runs.get(runId)).steps.map((s) => [s.key, s.status]);
  throw new Error(`run ${runId} opened no task: ${JSON.stringify(steps)}`);
}

import type { Kysely, SelectQueryBuilder } from 'kysely';
import { nowDate, nowIso, nowMs } from '../core/clock.ts';
import { newId } from '../core/ids.ts';
import { atLeast, isRole } from '../core/role.ts';
import { TERMINAL_RUN_STATUSES } from '../engine/engine-types.ts';
import { nextCronTime } from '../playbooks/cron.ts';
import type { DatabaseSchema } from '../store/schema.ts';
import { storageTrouble } from '../store/storage-errors.ts';
import type { ApprovalLinks } from './approval-links.ts';
import type { PlaybookService } from './playbook-service.ts';
import { queuedRunRow } from './run-commands.ts';
import type { RunEngine } from './run-engine.ts';
import type { NotificationHook, TaskNotificationKind } from './task-notifier.ts';
import { toTaskSummary, type TaskService } from './task-service.ts';

export interface RunWorkerOptions {
  db: Kysely<DatabaseSchema>;
  engine: RunEngine;
  tasks: TaskService;
  playbooks: PlaybookService;
  links: ApprovalLinks;
  linkTtlSeconds: number;
  notify: NotificationHook;
  onError: (error: unknown, message: string) => void;
  /** Timers (retry backoff, delays, polls) are checked this often. */
  tickMs?: number;
  /**
   * With a queue shared between processes: how often the attempts of runs that have not moved for
   * that long are offered to the queue again (it keeps each attempt once, so only lost ones are new).
   */
  lostAttemptsEveryMs?: number;
  /** How many more queued runs this process may start now (admission; src/riposte.ts). Unbounded if absent. */
  admits?: () => number;
  /** Other database-driven clocks run with the once-a-second ones (cache sweeps, feed refreshes). */
  clocks?: { name: string; everyMs: number; run: () => Promise<void> }[];
}

const BATCH = 500;
/** Queued runs started per second at most: room for a backlog of runs left queued to drain quickly. */
const QUEUED_BATCH = 2_000;
type RunPageQuery = SelectQueryBuilder<DatabaseSchema, 'runs', { id: string; status: string }>;
/** A due timer a worker claimed comes due again this much later if that worker dies before firing it. */
const TIMER_LEASE_MS = 30_000;
const ACTIVE = ['running', 'waiting'];

/**
 * The durable clocks around the engine, all driven by the database so they survive restarts: due
 * run timers, queued runs nobody started, task expiry, escalation and reminders, cron schedules; and
 * recovery of every unfinished run when the process starts.
 */
export class RunWorker {
  readonly #options: RunWorkerOptions;
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;
  #slowAt = 0;
  /** Rounds wait until then after the database said it cannot take work now (full, out of reach, busy). */
  #restUntil = 0;
  #stopped = false;
  #only: ReadonlySet<string> | undefined;
  readonly #clockAt = new Map<string, number>();
  readonly #clocks: NonNullable<RunWorkerOptions['clocks']>;

  constructor(options: RunWorkerOptions) {
    this.#options = options;
    const every = options.lostAttemptsEveryMs;
    const lost =
      every === undefined
        ? []
        : [
            {
              name: 'offering lost action attempts again',
              everyMs: every,
              run: () => this.#lostAttempts(every),
            },
          ];
    this.#clocks = [...lost, ...(options.clocks ?? [])];
    // Start-up recovery has just offered every in-flight attempt: the first sweep is a period away.
    for (const clock of lost) this.#clockAt.set(clock.name, Date.now());
  }

  /**
   * `only` scopes this worker to some runs (the CLI running one playbook beside a server): it then
   * fires their timers and nothing else — no recovery, no queued runs, tasks or schedules of others.
   */
  async start(only?: ReadonlySet<string>): Promise<void> {
    this.#only = only;
    if (!only) await this.recover();
    this.#timer = setInterval(() => {
      if (!this.#ticking) void this.tick();
    }, this.#options.tickMs ?? 200);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#ticking;
  }

  /** Resumes what a previous process left: queued runs start, running ones repeat their in-flight actions. */
  async recover(): Promise<void> {
    const { db, engine } = this.#options;
    await this.#eachPage(
      (q) => q.where('status', 'in', ['queued', ...ACTIVE]),
      (rows) =>
        Promise.all(rows.map((r) => (r.status === 'queued' ? engine.start([r.id]) : engine.resume(r.id)))),
    );
    // A child that finished while its parent's process was down: tell the parent again (it ignores repeats).
    const orphans = await db
      .selectFrom('runs as c')
      .innerJoin('runs as p', 'p.id', 'c.parent_run_id')
      .select([
        'c.id as id',
        'c.parent_run_id as parent',
        'c.parent_step_key as stepKey',
        'c.status as status',
        'c.state as state',
      ])
      .where('p.status', 'in', ACTIVE)
      .where('c.status', 'in', [...TERMINAL_RUN_STATUSES])
      .execute();
    for (const o of orphans) {
      const state = JSON.parse(o.state) as { outputs?: Record<string, unknown>; error?: unknown };
      await engine.deliver(o.parent!, {
        type: 'subrun_finished',
        stepKey: o.stepKey!,
        runId: o.id,
        status: o.status as 'succeeded' | 'failed' | 'cancelled',
        outputs: state.outputs ?? {},
        error: (state.error ?? null) as null,
      });
    }
  }

  /**
   * One round of the clocks; `everything` also runs the once-a-second ones now (tests, and `worker`
   * start-up). Rounds take turns: one asked for while another runs waits for it, so what it finds
   * claimed by that round is done when it returns.
   */
  async tick(everything = false): Promise<void> {
    while (this.#ticking) await this.#ticking;
    const round = this.#round(everything);
    const turn = round.finally(() => {
      if (this.#ticking === turn) this.#ticking = undefined;
    });
    this.#ticking = turn;
    await turn;
  }

  async #round(everything: boolean): Promise<void> {
    if (this.#stopped || (!everything && Date.now() < this.#restUntil)) return;
    // A database that cannot take work fails every clock alike, five times a second: the round stops
    // at the first such failure and the next waits as long as a client is told to (Retry-After).
    let resting = false;
    const guard = async (work: () => Promise<void>, what: string) => {
      if (resting) return;
      try {
        await work();
      } catch (error) {
        const trouble = storageTrouble(error);
        if (!trouble) return this.#options.onError(error, what);
        resting = true;
        this.#restUntil = Date.now() + trouble.retryAfterSeconds * 1000;
        this.#options.onError(error, `${what}; the worker's clocks wait ${trouble.retryAfterSeconds} s`);
      }
    };
    await guard(() => this.#dueTimers(), 'run timers failed');
    if (!this.#only) await guard(() => this.#handoffs(), 'actions handed over failed');
    if (this.#only || (!everything && Date.now() - this.#slowAt < 1000)) return;
    this.#slowAt = Date.now();
    await guard(() => this.#queuedRuns(), 'starting queued runs failed');
    await guard(() => this.#tasks(), 'task expiry and reminders failed');
    await guard(() => this.#schedules(), 'scheduled playbooks failed');
    for (const clock of this.#clocks) {
      const last = this.#clockAt.get(clock.name) ?? 0;
      if (!everything && Date.now() - last < clock.everyMs) continue;
      this.#clockAt.set(clock.name, Date.now());
      await guard(clock.run, `${clock.name} failed`);
    }
  }

  /**
   * Due timers fire in one worker: each is claimed by moving its `wake_at` a lease ahead (the
   * transition the timer leads to writes the run's next one), so of several workers one fires it,
   * and if that one dies the timer comes due again when the lease is over.
   */
  async #dueTimers(): Promise<void> {
    const { db, engine } = this.#options;
    const now = nowIso();
    const due = () => {
      const query = db
        .selectFrom('runs')
        .select('id')
        .where('wake_at', '<=', now)
        .where('status', 'in', ACTIVE);
      return this.#only ? query.where('id', 'in', [...this.#only, '']) : query;
    };
    // A read first: this runs every tick, and there is usually nothing due.
    if ((await due().limit(1).execute()).length === 0) return;
    const claimed = await db
      .updateTable('runs')
      .set({ wake_at: new Date(nowMs() + TIMER_LEASE_MS).toISOString() })
      .where('id', 'in', due().limit(BATCH))
      .where('wake_at', '<=', now)
      .returning('id')
      .execute();
    await Promise.all(claimed.map((r) => engine.deliver(r.id, { type: 'timer_fired' })));
  }

  /**
   * Actions an API process led runs to (`run_handoffs`): claimed by deleting their rows, so each is
   * carried out by one worker, then run from the run's state as it is now (the API process moved it
   * on, so this process's copy of the run is dropped first).
   */
  async #handoffs(): Promise<void> {
    const { db, engine } = this.#options;
    // A read first: this runs every tick, and the table is empty unless an API process runs beside.
    const waiting = await db
      .selectFrom('run_handoffs')
      .select('idempotency_key')
      .orderBy('created_at')
      .limit(BATCH)
      .execute();
    if (waiting.length === 0) return;
    const claimed = await db
      .deleteFrom('run_handoffs')
      .where(
        'idempotency_key',
        'in',
        waiting.map((w) => w.idempotency_key),
      )
      .returning(['run_id', 'idempotency_key'])
      .execute();
    const byRun = new Map<string, Set<string>>();
    for (const row of claimed) {
      const keys = byRun.get(row.run_id) ?? new Set<string>();
      keys.add(row.idempotency_key);
      byRun.set(row.run_id, keys);
    }
    await Promise.all(
      [...byRun].map(([runId, keys]) => {
        engine.forget(runId);
        return engine.resume(runId, keys);
      }),
    );
  }

  async #lostAttempts(quietMs: number): Promise<void> {
    const quiet = new Date(nowMs() - quietMs).toISOString();
    await this.#eachPage(
      (q) => q.where('status', '=', 'running').where('updated_at', '<', quiet),
      (rows) => this.#options.engine.reissue(rows.map((r) => r.id)),
    );
  }

  /** Visits the runs `filter` keeps, a page at a time in id order. */
  async #eachPage(
    filter: (query: RunPageQuery) => RunPageQuery,
    visit: (rows: { id: string; status: string }[]) => Promise<unknown>,
  ): Promise<void> {
    let after = '';
    for (;;) {
      const page = this.#options.db.selectFrom('runs').select(['id', 'status']).where('id', '>', after);
      const rows = await filter(page).orderBy('id').limit(BATCH).execute();
      if (rows.length === 0) return;
      after = rows.at(-1)!.id;
      await visit(rows);
    }
  }

  async #queuedRuns(): Promise<void> {
    const { db, engine } = this.#options;
    // Queued by another process (an ingest from the CLI), or whose start was lost with a crash.
    // Each is claimed by one worker (its `updated_at` moved to now); one whose claimer died comes
    // up again a second later.
    // Runs left queued while this process had a backlog start as room frees, oldest first.
    const room = Math.min(QUEUED_BATCH, this.#options.admits?.() ?? QUEUED_BATCH);
    if (room <= 0) return;
    const stale = new Date(nowMs() - 1000).toISOString();
    const waiting = db
      .selectFrom('runs')
      .select('id')
      .where('status', '=', 'queued')
      .where('updated_at', '<', stale);
    if ((await waiting.limit(1).execute()).length === 0) return;
    const rows = await db
      .updateTable('runs')
      .set({ updated_at: nowIso() })
      .where('id', 'in', waiting.orderBy('id').limit(room))
      .where('status', '=', 'queued')
      .where('updated_at', '<', stale)
      .returning('id')
      .execute();
    if (rows.length > 0) await engine.start(rows.map((r) => r.id));
  }

  async #tasks(): Promise<void> {
    const { db, tasks } = this.#options;
    const now = nowDate();
    const iso = now.toISOString();
    const expired = await db
      .selectFrom('tasks')
      .selectAll()
      .where('status', '=', 'open')
      .where('expires_at', '<=', iso)
      .limit(BATCH)
      .execute();
    for (const row of expired) {
      const spec = JSON.parse(row.spec) as {
        kind: string;
        onExpiry?: unknown;
        escalateTo?: { role?: string; user?: string } | null;
      };
      if (row.kind === 'approval' && spec.onExpiry === 'escalate' && row.escalated === 0 && spec.escalateTo) {
        const extension = Date.parse(row.expires_at!) - Date.parse(row.created_at);
        // Conditional: of several workers (or a decision meanwhile), one escalates, and only it tells.
        const escalated = await db
          .updateTable('tasks')
          .set({
            escalated: 1,
            assignee_role: spec.escalateTo.role ?? null,
            assignee_user: spec.escalateTo.user ?? null,
            expires_at: new Date(now.getTime() + Math.max(extension, 60_000)).toISOString(),
          })
          .where('id', '=', row.id)
          .where('status', '=', 'open')
          .where('escalated', '=', 0)
          .executeTakeFirst();
        if (Number(escalated.numUpdatedRows) === 1) await this.notify(row.id, 'escalated');
        continue;
      }
      // Told only when this worker expired it: not when another did, or a person decided it first.
      const expired = await tasks.expire(row).catch((error: unknown) => {
        this.#options.onError(error, `expiring ${row.id} failed`);
        return false;
      });
      if (expired) await this.notify(row.id, 'expired');
    }
    const reminders = await db
      .selectFrom('tasks')
      .selectAll()
      .where('status', '=', 'open')
      .where('remind_at', '<=', iso)
      .limit(BATCH)
      .execute();
    for (const row of reminders) {
      const spec = JSON.parse(row.spec) as { remindEveryMs: number | null };
      const next = spec.remindEveryMs ? new Date(now.getTime() + spec.remindEveryMs).toISOString() : null;
      const updated = await db
        .updateTable('tasks')
        .set({ remind_at: next })
        .where('id', '=', row.id)
        .where('remind_at', '=', row.remind_at)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 1) await this.notify(row.id, 'reminder');
    }
  }

  /** Each due schedule fires once: moving next_at and inserting the run commit together. */
  async #schedules(): Promise<void> {
    const { db, engine, playbooks } = this.#options;
    const now = nowDate();
    const due = await db
      .selectFrom('playbook_schedules')
      .selectAll()
      .where('next_at', '<=', now.toISOString())
      .execute();
    for (const schedule of due) {
      const { version } = await playbooks.current(schedule.playbook_id);
      const id = newId('run_');
      const fired = await db.transaction().execute(async (trx) => {
        const moved = await trx
          .updateTable('playbook_schedules')
          .set({ next_at: nextCronTime(schedule.expression, now).toISOString() })
          .where('playbook_id', '=', schedule.playbook_id)
          .where('expression', '=', schedule.expression)
          .where('next_at', '=', schedule.next_at)
          .executeTakeFirst();
        if (Number(moved.numUpdatedRows) !== 1) return false;
        const identity = {
          id,
          playbook_id: schedule.playbook_id,
          alert_id: null,
          case_id: null,
          parent_run_id: null,
          parent_step_key: null,
          started_by: 'schedule',
          dry_run: 0,
        };
        const trigger = { kind: 'schedule' as const, expression: schedule.expression, at: schedule.next_at };
        await trx
          .insertInto('runs')
          .values(
            queuedRunRow(
              identity,
              schedule.playbook_id,
              trigger,
              { queued: true, inputs: {} },
              now.toISOString(),
              version,
            ),
          )
          .execute();
        return true;
      });
      if (fired) await engine.start([id]);
    }
  }

  async #usersWithRole(role: string | null): Promise<string[]> {
    if (role === null || !isRole(role)) return [];
    const rows = await this.#options.db
      .selectFrom('users')
      .select('username')
      .where('role', 'in', atLeast(role))
      .where('disabled', '=', 0)
      .orderBy('username')
      .limit(50)
      .execute();
    return rows.map((r) => r.username);
  }

  /** Sends a task notification, with a signed link per named approver. */
  async notify(taskId: string, kind: TaskNotificationKind): Promise<void> {
    const { db, links, linkTtlSeconds, notify } = this.#options;
    const row = await db.selectFrom('tasks').selectAll().where('id', '=', taskId).executeTakeFirst();
    if (!row) return;
    const task = toTaskSummary(row);
    const approvers =
      row.kind !== 'approval'
        ? []
        : row.assignee_user
          ? [row.assignee_user]
          : await this.#usersWithRole(row.assignee_role);
    const linked = approvers.map((username) => ({
      username,
      ...links.create(row.id, username, linkTtlSeconds),
    }));
    await notify({ kind, task, links: linked, at: nowIso() });
  }
}

import type { Kysely } from 'kysely';
import { nowMs } from '../core/clock.ts';
import { idFloor } from '../core/ids.ts';
import type { DatabaseSchema } from '../store/schema.ts';
import type { LiveEvent } from './live-event.ts';
import type { LiveFeed } from './live-feed.ts';

export interface ChangePollerOptions {
  db: Kysely<DatabaseSchema>;
  feed: LiveFeed;
  everyMs?: number;
  /** Changes younger than this are left for the next tick: this process publishes its own by then. */
  settleMs?: number;
  /** Each tick looks this far behind the previous one, for transactions that committed late. */
  lookBackMs?: number;
  /** Rows read per table per tick; more are skipped (live events are a hint, not a log). */
  limit?: number;
  onError: (error: unknown, message: string) => void;
  now?: () => number;
}

interface Observed {
  event: LiveEvent;
  at: string;
}

/**
 * Notices changes other processes commit (a `riposte worker` beside `riposte serve --role api`, a
 * second API process, the CLI): once a second, while someone listens, it reads what changed in a
 * short window of time over indexed columns — alert, task and ledger ids (time-ordered), and the
 * `updated_at` / `completed_at` / `undone_at` columns — and publishes what this process did not.
 */
export class ChangePoller {
  readonly #options: Required<Omit<ChangePollerOptions, 'now'>> & { now: () => number };
  /** Changes already published, by key and change time, until they fall out of the window. */
  readonly #seen = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #startedAt = 0;

  constructor(options: ChangePollerOptions) {
    this.#options = {
      everyMs: 1000,
      settleMs: 1000,
      lookBackMs: 5000,
      limit: 500,
      now: nowMs,
      ...options,
    };
  }

  /** Polls while the feed has listeners; returns the unhook. */
  attach(): () => void {
    const off = this.#options.feed.onListening((listening) => (listening ? this.start() : this.stop()));
    if (this.#options.feed.listening) this.start();
    return () => {
      off();
      this.stop();
    };
  }

  start(): void {
    if (this.#timer) return;
    this.#startedAt = this.#options.now();
    this.#timer = setInterval(() => void this.tick(), this.#options.everyMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#seen.clear();
  }

  /** Waits for a tick in progress (close the database only after). */
  async close(): Promise<void> {
    this.stop();
    await this.#running;
  }

  /** One look at the database (the interval calls it; tests call it directly). */
  async tick(): Promise<void> {
    if (this.#running) return;
    this.#running = this.#poll()
      .catch((error) => this.#options.onError(error, 'live change poll failed'))
      .finally(() => {
        this.#running = undefined;
      });
    await this.#running;
  }

  async #poll(): Promise<void> {
    const { settleMs, lookBackMs, feed } = this.#options;
    const upper = this.#options.now() - settleMs;
    const lower = Math.max(this.#startedAt - settleMs, upper - lookBackMs);
    if (upper <= lower) return;
    const observed = await this.#read(lower, upper);
    for (const [key, at] of this.#seen) if (at <= lower) this.#seen.delete(key);
    observed.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    for (const { event, at } of observed) {
      const ms = Date.parse(at);
      const key = `${event.type}:${'id' in event ? event.id : event.runId}@${at}`;
      if (this.#seen.has(key)) continue;
      this.#seen.set(key, ms);
      feed.publishObserved(event, ms);
    }
  }

  async #read(lowerMs: number, upperMs: number): Promise<Observed[]> {
    const { db, limit } = this.#options;
    const from = new Date(lowerMs).toISOString();
    const to = new Date(upperMs).toISOString();
    const ids = (prefix: string) => [idFloor(prefix, lowerMs + 1), idFloor(prefix, upperMs + 1)] as const;
    const [alertFrom, alertTo] = ids('alert_');
    const [taskFrom, taskTo] = ids('task_');
    const [actFrom, actTo] = ids('act_');
    // One query after the other: the poll should not take a pool's worth of connections at once.
    const alerts = await db
      .selectFrom('alerts')
      .select(['id', 'case_id', 'severity', 'title', 'created_at'])
      .where('id', '>=', alertFrom)
      .where('id', '<', alertTo)
      .orderBy('id')
      .limit(limit)
      .execute();
    const cases = await db
      .selectFrom('cases')
      .select(['id', 'updated_at'])
      .where('updated_at', '>', from)
      .where('updated_at', '<=', to)
      .orderBy('updated_at')
      .limit(limit)
      .execute();
    const runs = await db
      .selectFrom('runs')
      .select(['id', 'case_id', 'playbook_id', 'status', 'updated_at'])
      .where('updated_at', '>', from)
      .where('updated_at', '<=', to)
      .orderBy('updated_at')
      .limit(limit)
      .execute();
    const newTasks = await db
      .selectFrom('tasks')
      .select(['id', 'kind', 'status', 'run_id', 'case_id', 'created_at as at'])
      .where('id', '>=', taskFrom)
      .where('id', '<', taskTo)
      .orderBy('id')
      .limit(limit)
      .execute();
    const doneTasks = await db
      .selectFrom('tasks')
      .select(['id', 'kind', 'status', 'run_id', 'case_id', 'completed_at as at'])
      .where('completed_at', '>', from)
      .where('completed_at', '<=', to)
      .orderBy('completed_at')
      .limit(limit)
      .execute();
    const applied = await db
      .selectFrom('action_ledger')
      .select(['run_id', 'case_id', 'alert_id', 'applied_at as at'])
      .where('id', '>=', actFrom)
      .where('id', '<', actTo)
      .orderBy('id')
      .limit(limit)
      .execute();
    const undone = await db
      .selectFrom('action_ledger')
      .select(['run_id', 'case_id', 'alert_id', 'undone_at as at'])
      .where('undone_at', '>', from)
      .where('undone_at', '<=', to)
      .orderBy('undone_at')
      .limit(limit)
      .execute();
    const observed: Observed[] = [];
    for (const a of alerts)
      observed.push({
        at: a.created_at,
        event: { type: 'alert.created', id: a.id, caseId: a.case_id, severity: a.severity, title: a.title },
      });
    for (const c of cases) observed.push({ at: c.updated_at, event: { type: 'case.changed', id: c.id } });
    for (const r of runs)
      observed.push({
        at: r.updated_at,
        event: {
          type: 'run.changed',
          id: r.id,
          caseId: r.case_id,
          playbookId: r.playbook_id,
          status: r.status,
        },
      });
    for (const t of [...newTasks, ...doneTasks])
      if (t.at)
        observed.push({
          at: t.at,
          event: {
            type: 'task.changed',
            id: t.id,
            kind: t.kind,
            status: t.status,
            runId: t.run_id,
            caseId: t.case_id,
          },
        });
    for (const l of [...applied, ...undone])
      if (l.at)
        observed.push({
          at: l.at,
          event: { type: 'response.changed', caseId: l.case_id, alertId: l.alert_id, runId: l.run_id },
        });
    return observed;
  }
}

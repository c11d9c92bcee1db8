import type { Kysely, Transaction } from 'kysely';
import { chunks } from '../core/chunks.ts';
import { nowIso } from '../core/clock.ts';
import type { PlaybookPlan } from '../core/playbook.ts';
import { advance, resumeCommands, startRun } from '../engine/engine.ts';
import type { EngineCommand, EngineContext, EngineEvent, RunState } from '../engine/engine-types.ts';
import { TERMINAL_RUN_STATUSES } from '../engine/engine-types.ts';
import { RunStateJson } from '../engine/run-state-json.ts';
import type { ActionJob, WorkQueue } from '../queue/work-queue.ts';
import { GroupCommit } from '../store/group-commit.ts';
import type { DatabaseSchema, RunTable } from '../store/schema.ts';
import type { PlaybookService } from './playbook-service.ts';
import { isQueuedState, type QueuedState } from './run-record.ts';
import type { RunContextLoader } from './run-context.ts';
import { applyCommandsInTransaction, type CommitEffects } from './run-commands.ts';
import { actionJobs, emptyEffects, failedBeforeStart, rowColumns, writeRunStates } from './run-rows.ts';

export interface InlineStarts {
  /** Starts the run in memory and fills in its row's state columns; the caller inserts the row. */
  start(row: RunTable, plan: PlaybookPlan, alert: unknown, alertLength: number): void;
  /** Writes what the first transitions' commands create (tasks, child runs) in the caller's transaction. */
  write(trx: Transaction<DatabaseSchema>): Promise<void>;
  /** The caller's transaction committed: hand out the actions. */
  committed(): void;
}

/** A unit of work for the engine: start a queued run, or apply an event to a run. */
export interface RunWork {
  runId: string;
  start?: true;
  event?: EngineEvent;
  /**
   * Runs inside the transaction that applies the event, before it: reads and writes rows that must
   * commit together with the transition (a task decision) and returns the event, or null for none.
   */
  prepare?: (trx: Transaction<DatabaseSchema>, state: RunState) => Promise<EngineEvent | null>;
}

interface Entry {
  row: Omit<RunTable, 'state' | 'seq' | 'wake_at' | 'status' | 'error_kind' | 'finished_at' | 'updated_at'>;
  state: RunState | QueuedState;
  seq: number;
  plan?: PlaybookPlan;
  planError?: unknown;
  alert?: unknown;
  case?: unknown;
  contextAt?: number;
  /** The characters of the rows its alert and case copies were read from (see RunContext.length). */
  contextLength?: number;
  /** The characters of its state's JSON, as last read or written. */
  stateLength?: number;
  /** Encodes its states for writing, reusing the text of what did not change (made on first write). */
  json?: RunStateJson;
  /** What it counts against the cache's bound while cached (`weigh`), as last counted. */
  weight?: number;
}

/**
 * What an entry counts against the cache's bound: its state's JSON, the texts its encoder keeps
 * (about as long again), and its alert and case copies.
 */
function weigh(entry: Entry): number {
  const state = entry.stateLength ?? 0;
  return state + (entry.json ? state : 0) + (entry.contextLength ?? 0);
}

export interface RunEngineOptions {
  db: Kysely<DatabaseSchema>;
  playbooks: PlaybookService;
  /** The engine only enqueues: any queue does, whatever its handlers resolve. */
  queue: WorkQueue<unknown>;
  context: RunContextLoader;
  secrets: () => Promise<Record<string, string>>;
  /** Cancels an action in flight (its AbortSignal). */
  abortAction: (runId: string, stepKey: string) => void;
  onTaskOpened?: (taskIds: string[]) => void;
  onError: (error: unknown, message: string) => void;
  /**
   * Whether this process carries out actions (its queue is processed: `serve`, `worker`). When it does
   * not (`serve --role api`), the actions its transitions lead to are handed to the workers through
   * the database (`run_handoffs`), in the transition's own transaction.
   */
  executesActions?: () => boolean;
  /**
   * Whether other processes carry out this process's actions and apply their outcomes (a shared
   * queue: Redis). A run then moves on in whichever process ran its last action, so the cached copies
   * of a batch's runs are checked against the database's sequence before the batch, not trusted.
   */
  sharedRuns?: boolean;
  /** The cache's bound (MAX_CACHED_LENGTH; tests lower it). */
  maxCachedLength?: number;
}

/** Called after the commit of each transition, with the run's case (null until it has one). */
export type TransitionListener = (runId: string, state: RunState, caseId: string | null) => void;

const MAX_CACHED_RUNS = 20_000;
/**
 * And at most this many characters in all (`weigh`: the states' JSON, their encoders' texts, the
 * alert and case copies; the heap holds a few times that): runs whose steps keep large outputs (a
 * search's results, a file's analysis) or whose alerts are large fill it with fewer of them. A run
 * dropped from the cache is read back from the database when it moves.
 */
const MAX_CACHED_LENGTH = 64 * 1024 * 1024;
/**
 * A run's alert and case copies serve the quick succession of its action results for this long; then
 * they are let go (its next transition reads them again anyway).
 */
const CONTEXT_TTL_MS = 2_000;
/**
 * From this many characters of JSON a run's state is encoded by what changed (RunStateJson): for a
 * five-step state of 1.5 KB that is 7 µs against JSON.stringify's 4–6, for a 9.6 KB triage 23 against 50.
 */
const PIECEWISE_STATE_LENGTH = 4_096;
/** How many times a batch is tried on runs another process moved on meanwhile. */
const STALE_RETRIES = 5;

/** A run changed under us (another process committed a transition first). */
class StaleRunError extends Error {
  constructor() {
    super('a run changed concurrently; retrying its transition');
    this.name = 'StaleRunError';
  }
}

/** The engine was closed (the process is stopping): the work was not applied. */
class EngineClosedError extends Error {
  constructor() {
    super('the run engine is closed');
    this.name = 'EngineClosedError';
  }
}

/**
 * The loop around the pure engine: it batches the events of many runs into one transaction (each
 * run's new state written with an optimistic sequence check, plus the tasks and child runs its
 * commands create), and only after the commit hands actions to the queue and notifies parents.
 */
export class RunEngine {
  readonly #options: RunEngineOptions;
  readonly #commit: GroupCommit<RunWork, boolean>;
  readonly #cache = new Map<string, Entry>();
  /** The sum of the cached entries' weights. */
  #cachedLength = 0;
  /** Entries given alert and case copies, in the order they were given them (`#releaseContexts`). */
  #contexts: { entry: Entry; at: number }[] = [];
  #contextsHead = 0;
  readonly #listeners = new Set<TransitionListener>();
  #closed = false;

  constructor(options: RunEngineOptions) {
    this.#options = options;
    this.#commit = new GroupCommit((jobs) => this.#flush(jobs), 128);
  }

  /** Resolves true once the work is committed, false when the run does not exist or ignored it. */
  submit(work: RunWork): Promise<boolean> {
    if (this.#closed) return Promise.reject(new EngineClosedError());
    return this.#commit.submit(work);
  }

  deliver(runId: string, event: EngineEvent): Promise<boolean> {
    return this.submit({ runId, event });
  }

  start(runIds: readonly string[]): Promise<boolean[]> {
    return Promise.all(runIds.map((runId) => this.submit({ runId, start: true })));
  }

  /** Events and starts submitted and waiting for a transaction: the engine's own backlog. */
  backlog(): number {
    return this.#commit.pending;
  }

  onTransition(listener: TransitionListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * The commands a run loaded after a crash must repeat (its in-flight actions, same idempotency
   * keys); `only` keeps the attempts with these keys (the ones another process handed over).
   */
  async resume(runId: string, only?: ReadonlySet<string>): Promise<void> {
    await this.#commit.submit({ runId, event: { type: 'timer_fired' } }).catch(() => false);
    const entry = this.#cache.get(runId);
    if (!entry || isQueuedState(entry.state) || !entry.plan) return;
    const commands = resumeCommands(entry.plan, entry.state, await this.#context(entry));
    const jobs = this.#jobs(entry, commands);
    this.#options.queue.enqueue(only ? jobs.filter((j) => only.has(j.idempotencyKey)) : jobs);
  }

  /**
   * Hands the in-flight attempts of these runs to the queue again, read as they are in the database
   * (the process's own copies are left alone): for a shared queue, which keeps each attempt once, so
   * only the ones it lost (Redis emptied, a process gone between a commit and its enqueue) are new.
   */
  async reissue(runIds: readonly string[]): Promise<void> {
    const rows = await this.#options.db
      .selectFrom('runs')
      .selectAll()
      .where('id', 'in', [...runIds, ''])
      .where('status', 'in', ['running', 'waiting'])
      .execute();
    const jobs: ActionJob[] = [];
    for (const row of rows) {
      const state = JSON.parse(row.state) as RunState | QueuedState;
      if (isQueuedState(state)) continue;
      const entry: Entry = { row, state, seq: Number(row.seq) };
      try {
        await this.#pinPlan(entry);
      } catch {
        continue;
      }
      jobs.push(...this.#jobs(entry, resumeCommands(entry.plan!, state, await this.#context(entry))));
    }
    this.#options.queue.enqueue(jobs);
  }

  #executes(): boolean {
    return this.#options.executesActions?.() ?? true;
  }

  /**
   * Starts runs inside another module's transaction — the ingest that stores their alert — so the
   * first action is handed out right after that one commit. The caller inserts the rows `start` fills.
   */
  inlineStarts(secrets: Record<string, string>): InlineStarts {
    const started: { entry: Entry; commands: EngineCommand[] }[] = [];
    const effects = emptyEffects();
    return {
      start: (row, plan, alert, alertLength) => {
        const ctx: EngineContext = { now: row.started_at, alert, secrets, random: Math.random };
        const { state, commands } = startRun(
          plan,
          { runId: row.id, playbookVersion: Number(row.playbook_version), inputs: {} },
          ctx,
        );
        Object.assign(row, rowColumns(state));
        const {
          state: _s,
          seq: _q,
          wake_at: _w,
          status: _t,
          error_kind: _e,
          finished_at: _f,
          updated_at: _u,
          ...identity
        } = row;
        const entry: Entry = { row: identity, state, seq: state.seq, plan, stateLength: row.state.length };
        this.#giveContext(entry, { alert, case: null, length: alertLength }, Date.now());
        started.push({ entry, commands });
      },
      write: async (trx) => {
        for (const { entry, commands } of started) {
          await applyCommandsInTransaction(trx, entry.row, entry.state as RunState, commands, effects);
          effects.jobs.push(...this.#jobs(entry, commands));
        }
      },
      committed: () => {
        for (const { entry } of started) this.#remember(entry);
        this.#afterCommit(
          effects,
          started.map((s) => s.entry),
        );
      },
    };
  }

  forget(runId: string): void {
    this.#drop(runId);
  }

  async close(): Promise<void> {
    await this.#commit.drain();
    this.#closed = true;
  }

  async #flush(jobs: RunWork[]): Promise<boolean[]> {
    // Another process may move a run on between our read and our write: the write's sequence check
    // (or the check of an ignored event) notices, drops our copy, and the batch is tried again on the
    // run as it is now.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#flushOnce(jobs);
      } catch (error) {
        if (!(error instanceof StaleRunError) || attempt >= STALE_RETRIES) throw error;
      }
    }
  }

  async #flushOnce(jobs: RunWork[]): Promise<boolean[]> {
    const effects: CommitEffects = {
      jobs: [],
      aborts: [],
      notifyParents: [],
      start: [],
      cancel: [],
      tasks: [],
    };
    const changed = new Map<string, { entry: Entry; before: number }>();
    const results: boolean[] = [];
    // Every read happens before the transaction: SQLite has one connection, and a query outside the
    // transaction while it is open would wait for it forever.
    await this.#load(jobs);
    const secrets = await this.#options.secrets();
    const now = nowIso();
    const reread = new Set<Entry>();
    for (const job of jobs) {
      const entry = this.#cache.get(job.runId);
      if (entry && (await this.#preload(entry, job))) reread.add(entry);
    }
    await this.#readContexts([...reread]);
    try {
      await this.#options.db.transaction().execute(async (trx) => {
        // Runs whose copy ignored an event of this batch (and made no transition in it).
        const ignored = new Map<string, Entry>();
        for (const job of jobs) {
          const entry = this.#cache.get(job.runId);
          const transition = entry ? await this.#apply(trx, entry, job, { now, secrets }) : null;
          results.push(transition !== null);
          if (entry && !transition) ignored.set(job.runId, entry);
          if (!entry || !transition) continue;
          if (!changed.has(job.runId)) changed.set(job.runId, { entry, before: entry.seq });
          entry.state = transition.state;
          entry.seq = transition.state.seq;
          await applyCommandsInTransaction(trx, entry.row, transition.state, transition.commands, effects);
          effects.jobs.push(...this.#jobs(entry, transition.commands));
        }
        if (effects.jobs.length > 0 && !this.#executes()) await handOff(trx, effects.jobs, now);
        await this.#write(trx, [...changed.values()]);
        // An event our copy of a run ignored is only right if the copy is current (and a decision's
        // task row, written in `prepare`, must not commit beside a run that could not take it).
        await this.#confirm(
          trx,
          [...ignored.values()].filter((e) => !changed.has(e.row.id)),
        );
      });
    } catch (error) {
      for (const runId of changed.keys()) this.#drop(runId);
      throw error;
    }
    this.#afterCommit(
      effects,
      [...changed.values()].map((c) => c.entry),
    );
    return results;
  }

  /**
   * Pins the plan a job needs, and says whether its run should read its alert and case again before
   * the transaction (fresh for timers and starts).
   */
  async #preload(entry: Entry, job: RunWork): Promise<boolean> {
    if (!entry.plan && entry.planError === undefined) {
      try {
        await this.#pinPlan(entry);
      } catch (error) {
        entry.planError = error;
      }
    }
    // The alert and case change under a run (grouping gives the alert its case, people edit both):
    // re-read them for anything but the quick succession of action results.
    const quick = job.event?.type === 'action_completed' || job.event?.type === 'action_failed';
    return (
      job.start || !quick || entry.alert === undefined || Date.now() - (entry.contextAt ?? 0) > CONTEXT_TTL_MS
    );
  }

  /** Reads the alerts and cases of these runs, all in two queries. */
  async #readContexts(entries: Entry[]): Promise<void> {
    if (entries.length === 0) return;
    const loaded = await this.#options.context.loadMany(
      entries.map((e) => ({ alertId: e.row.alert_id, caseId: e.row.case_id })),
    );
    const at = Date.now();
    entries.forEach((entry, i) => this.#giveContext(entry, loaded[i]!, at));
  }

  /** Gives an entry its alert and case copies, counted against the bound while it keeps them. */
  #giveContext(entry: Entry, context: { alert: unknown; case: unknown; length: number }, at: number): void {
    entry.alert = context.alert;
    entry.case = context.case;
    entry.contextAt = at;
    entry.contextLength = context.length;
    this.#reweigh(entry);
    this.#contexts.push({ entry, at });
  }

  /**
   * Lets go of the alert and case copies given longer ago than CONTEXT_TTL_MS (or, past the bound,
   * the oldest ones): a run that moves on after that reads them again.
   */
  #releaseContexts(maxLength: number): void {
    const expired = Date.now() - CONTEXT_TTL_MS;
    const queue = this.#contexts;
    while (this.#contextsHead < queue.length) {
      const { entry, at } = queue[this.#contextsHead]!;
      if (at > expired && this.#cachedLength <= maxLength) break;
      this.#contextsHead++;
      if (entry.contextAt !== at) continue;
      entry.alert = undefined;
      entry.case = undefined;
      entry.contextAt = undefined;
      entry.contextLength = undefined;
      this.#reweigh(entry);
    }
    if (this.#contextsHead > 1024 && this.#contextsHead * 2 > queue.length) {
      this.#contexts = queue.slice(this.#contextsHead);
      this.#contextsHead = 0;
    }
  }

  async #apply(
    trx: Transaction<DatabaseSchema>,
    entry: Entry,
    job: RunWork,
    base: { now: string; secrets: Record<string, string> },
  ): Promise<{ state: RunState; commands: EngineCommand[] } | null> {
    const ctx: EngineContext = {
      now: base.now,
      alert: entry.alert ?? undefined,
      case: entry.case ?? undefined,
      secrets: base.secrets,
      random: Math.random,
    };
    const init = () => ({
      runId: entry.row.id,
      playbookVersion: Number(entry.row.playbook_version),
      inputs: isQueuedState(entry.state) ? entry.state.inputs : {},
    });
    if (isQueuedState(entry.state)) {
      // A queued run starts, or is cancelled before it started.
      if (!job.start && job.event?.type !== 'cancel') return null;
      if (!entry.plan) return failedBeforeStart(entry.row, entry.state, entry.seq, entry.planError);
      const started = startRun(entry.plan, init(), ctx);
      if (job.start) return started;
      const cancelled = advance(entry.plan, started.state, job.event!, ctx);
      return {
        state: cancelled.state,
        commands: cancelled.commands.filter((c) => c.type === 'run_finished'),
      };
    }
    if (job.start) return null;
    const state = entry.state;
    const event = job.event ?? (job.prepare ? await job.prepare(trx, state) : null);
    if (!event) return null;
    if (TERMINAL_RUN_STATUSES.includes(state.status) && event.type !== 'retry') return null;
    if (!entry.plan) return failedBeforeStart(entry.row, entry.state, entry.seq, entry.planError);
    const transition = advance(entry.plan, state, event, ctx);
    return transition.state === state && transition.commands.length === 0 ? null : transition;
  }

  /** A queued run created without a version (a sub-playbook) pins the playbook's current one now. */
  async #pinPlan(entry: Entry): Promise<void> {
    if (entry.plan) return;
    if (Number(entry.row.playbook_version) === 0) {
      const { plan, version } = await this.#options.playbooks.current(entry.row.playbook_id);
      entry.row.playbook_version = version;
      entry.plan = plan;
      return;
    }
    entry.plan = await this.#options.playbooks.plan(
      entry.row.playbook_id,
      Number(entry.row.playbook_version),
    );
  }

  async #context(entry: Entry): Promise<EngineContext> {
    if (entry.alert === undefined)
      this.#giveContext(
        entry,
        await this.#options.context.load(entry.row.alert_id, entry.row.case_id),
        Date.now(),
      );
    return {
      now: nowIso(),
      alert: entry.alert ?? undefined,
      case: entry.case ?? undefined,
      secrets: await this.#options.secrets(),
      random: Math.random,
    };
  }

  async #load(jobs: RunWork[]): Promise<void> {
    const maxLength = this.#options.maxCachedLength ?? MAX_CACHED_LENGTH;
    this.#releaseContexts(maxLength);
    while (this.#cache.size > 0 && (this.#cache.size > MAX_CACHED_RUNS || this.#cachedLength > maxLength))
      this.#drop(this.#cache.keys().next().value!);
    // A copy may be behind (another process moved the run on): the transaction notices, whether the
    // copy leads to a transition (the write's sequence check) or ignores the event (#confirm).
    const ids = [...new Set(jobs.map((j) => j.runId))];
    if (this.#options.sharedRuns) await this.#dropMovedOn(ids.filter((id) => this.#cache.has(id)));
    const missing = ids.filter((id) => !this.#cache.has(id));
    for (const part of chunks(missing, 500)) {
      const rows = await this.#options.db.selectFrom('runs').selectAll().where('id', 'in', part).execute();
      for (const row of rows) {
        const {
          state,
          seq,
          wake_at: _w,
          status: _s,
          error_kind: _e,
          finished_at: _f,
          updated_at: _u,
          ...rest
        } = row;
        this.#remember({
          row: rest,
          state: JSON.parse(state) as RunState | QueuedState,
          seq: Number(seq),
          stateLength: state.length,
        });
      }
    }
  }

  /** Drops the copies of these runs that another process has moved on since this one read them. */
  async #dropMovedOn(ids: string[]): Promise<void> {
    for (const part of chunks(ids, 500)) {
      const rows = await this.#options.db
        .selectFrom('runs')
        .select(['id', 'seq'])
        .where('id', 'in', part)
        .execute();
      const current = new Map(rows.map((r) => [r.id, Number(r.seq)]));
      for (const id of part) if (current.get(id) !== this.#cache.get(id)?.seq) this.#drop(id);
    }
  }

  async #write(trx: Transaction<DatabaseSchema>, changed: { entry: Entry; before: number }[]): Promise<void> {
    const stale = await writeRunStates(
      trx,
      changed.map(({ entry, before }) => ({
        id: entry.row.id,
        version: Number(entry.row.playbook_version),
        state: entry.state as RunState,
        before,
        // A small state is quicker to encode whole than piece by piece.
        json:
          (entry.stateLength ?? 0) >= PIECEWISE_STATE_LENGTH
            ? (entry.json ??= new RunStateJson())
            : undefined,
      })),
      (index, length) => this.#resize(changed[index]!.entry, length),
    );
    if (stale.length > 0) {
      // Another process moved these runs on since we read them: drop our copies and let the batch retry.
      for (const id of stale) this.#drop(id);
      throw new StaleRunError();
    }
  }

  /**
   * Checks, inside the transaction, that these runs are still at the sequence we read them at, and
   * holds them there to the commit (a no-op UPDATE: PostgreSQL locks the rows, SQLite's writer holds
   * the file). One that moved on is dropped from the cache and the batch is tried again.
   */
  async #confirm(trx: Transaction<DatabaseSchema>, entries: Entry[]): Promise<void> {
    const stale: string[] = [];
    for (const entry of entries) {
      const result = await trx
        .updateTable('runs')
        .set((eb) => ({ seq: eb.ref('seq') }))
        .where('id', '=', entry.row.id)
        .where('seq', '=', entry.seq)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) stale.push(entry.row.id);
    }
    if (stale.length > 0) {
      for (const id of stale) this.#drop(id);
      throw new StaleRunError();
    }
  }

  /**
   * The runs the cache holds now and what they count against its bound (see MAX_CACHED_RUNS,
   * MAX_CACHED_LENGTH), after letting go of the alert and case copies past their time.
   */
  get cached(): { runs: number; length: number } {
    this.#releaseContexts(this.#options.maxCachedLength ?? MAX_CACHED_LENGTH);
    return { runs: this.#cache.size, length: this.#cachedLength };
  }

  #remember(entry: Entry): void {
    this.#drop(entry.row.id);
    this.#cache.set(entry.row.id, entry);
    entry.weight = weigh(entry);
    this.#cachedLength += entry.weight;
  }

  #drop(runId: string): void {
    const entry = this.#cache.get(runId);
    if (!entry) return;
    this.#cache.delete(runId);
    this.#cachedLength -= entry.weight ?? 0;
    entry.weight = undefined;
  }

  /** Counts again what a cached entry weighs (an entry not cached is counted when it is remembered). */
  #reweigh(entry: Entry): void {
    if (this.#cache.get(entry.row.id) !== entry) return;
    const weight = weigh(entry);
    this.#cachedLength += weight - (entry.weight ?? 0);
    entry.weight = weight;
  }

  /** An entry's state was written anew. */
  #resize(entry: Entry, stateLength: number): void {
    entry.stateLength = stateLength;
    this.#reweigh(entry);
  }

  #jobs(entry: Entry, commands: readonly EngineCommand[]): ActionJob[] {
    return actionJobs(entry.row.id, entry.row.dry_run === 1, commands);
  }

  #afterCommit(effects: CommitEffects, entries: Entry[]): void {
    const { queue, abortAction, onTaskOpened, onError } = this.#options;
    for (const [runId, stepKey] of effects.aborts) abortAction(runId, stepKey);
    if (this.#executes()) queue.enqueue(effects.jobs);
    const later = (work: Promise<unknown>) => work.catch((error) => onError(error, 'run follow-up failed'));
    for (const { runId, event } of effects.notifyParents) void later(this.deliver(runId, event));
    if (effects.start.length > 0) void later(this.start(effects.start));
    for (const runId of effects.cancel)
      void later(
        this.deliver(runId, { type: 'cancel', by: 'system', reason: 'the parent step was cancelled' }),
      );
    if (effects.tasks.length > 0) onTaskOpened?.(effects.tasks);
    for (const entry of entries) {
      const state = entry.state as RunState;
      for (const listener of this.#listeners) listener(entry.row.id, state, entry.row.case_id);
      if (TERMINAL_RUN_STATUSES.includes(state.status)) this.#drop(entry.row.id);
    }
  }
}

/** Writes the attempts for a worker to carry out (see RunEngineOptions.executesActions). */
async function handOff(
  trx: Transaction<DatabaseSchema>,
  jobs: readonly ActionJob[],
  now: string,
): Promise<void> {
  for (let i = 0; i < jobs.length; i += 300)
    await trx
      .insertInto('run_handoffs')
      .values(
        jobs.slice(i, i + 300).map((j) => ({
          idempotency_key: j.idempotencyKey,
          run_id: j.runId,
          step_key: j.stepKey,
          created_at: now,
        })),
      )
      .onConflict((oc) => oc.column('idempotency_key').doNothing())
      .execute();
}

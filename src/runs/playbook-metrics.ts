/**
 * How a playbook behaves in production, from its runs: how often runs and each step succeed or fail,
 * how long they take, how long people keep them waiting, which branches conditions take — and the
 * steps that never change an outcome (a condition always taking the same way, a task always answered
 * the same), which are the first candidates for simplifying or automating further. Dry runs are left
 * out. Step figures read the stored run states of the newest `MAX_SAMPLED_RUNS` runs of the window;
 * run counts and time saved count every run.
 */
import type { Kysely } from 'kysely';
import type { RunState, StepState } from '../engine/engine-types.ts';
import type { PlaybookPlan, PlaybookStep } from '../core/playbook.ts';
import { RiposteError } from '../core/riposte-error.ts';
import type { DatabaseSchema } from '../store/schema.ts';
import type { PlaybookService } from './playbook-service.ts';

export const MAX_SAMPLED_RUNS = 2000;
/** A condition or a question needs this many executions before "always the same" says anything. */
export const STEADY_AFTER = 10;

export interface Spread {
  p50: number | null;
  p95: number | null;
  max: number | null;
}

export interface StepMetrics {
  stepId: string;
  kind: PlaybookStep['kind'];
  /** Step instances that finished (each for_each iteration counts). */
  executions: number;
  succeeded: number;
  failed: number;
  /** failed / (succeeded + failed); null before any finished. */
  failureRate: number | null;
  /** Instances that needed more than one attempt. */
  retried: number;
  durationMs: Spread;
  /** if: then/else; switch: the case matched or default; task: the choice; approval: approved/denied. */
  outcomes?: Record<string, number>;
  /** Set when the step has always ended the same way over at least STEADY_AFTER executions. */
  neverChanges?: string;
}

export interface PlaybookMetrics {
  playbookId: string;
  windowMs: number;
  from: string;
  runs: {
    total: number;
    byStatus: Record<string, number>;
    /** succeeded / (succeeded + failed); null before any finished. */
    successRate: number | null;
    /** Runs whose states the step figures read (the newest of the window). */
    sampled: number;
  };
  /** Finished runs, from start to finish (waits for people included). */
  durationMs: Spread;
  /** From a task or approval being opened to its answer, for the playbook's runs. */
  waitingMs: { tasks: Spread & { count: number }; approvals: Spread & { count: number } };
  /** The playbook's `time_saved` times its succeeded runs; null without `time_saved`. */
  timeSaved: { perRunMs: number | null; runs: number; totalMs: number | null };
  steps: StepMetrics[];
}

export function spread(values: number[]): Spread {
  if (values.length === 0) return { p50: null, p95: null, max: null };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return { p50: at(0.5), p95: at(0.95), max: sorted.at(-1)! };
}

function outcomeOf(step: PlaybookStep, state: StepState): string | null {
  const output = (state.output ?? {}) as Record<string, unknown>;
  switch (step.kind) {
    case 'if':
      return output['result'] === true ? 'then' : 'else';
    case 'switch':
      return typeof output['matched'] === 'string' ? `case ${output['matched']}` : 'default';
    case 'task':
      return typeof output['choice'] === 'string' ? output['choice'] : null;
    case 'approval':
      return output['approved'] === true ? 'approved' : output['expired'] === true ? 'expired' : 'denied';
    default:
      return null;
  }
}

function steadiness(
  step: PlaybookStep,
  outcomes: Record<string, number>,
  executions: number,
): string | undefined {
  const seen = Object.keys(outcomes);
  if (executions < STEADY_AFTER || seen.length !== 1) return undefined;
  const [only] = seen as [string];
  switch (step.kind) {
    case 'if':
      return `took "${only}" in all ${executions} runs: the condition has never changed the path`;
    case 'switch':
      return `went to ${only} in all ${executions} runs: the other ways were never taken`;
    case 'task':
      return `answered "${only}" all ${executions} times: a candidate for automating`;
    case 'approval':
      return `${only} all ${executions} times: a candidate for a policy instead of a person`;
    default:
      return undefined;
  }
}

/** Figures of the steps, from run states (pure: the states and the plan in, the figures out). */
export function stepMetrics(plan: PlaybookPlan, states: RunState[]): StepMetrics[] {
  const byStep = new Map<string, { durations: number[]; m: StepMetrics }>();
  for (const step of Object.values(plan.steps)) {
    if (step.kind === 'end') continue;
    byStep.set(step.id, {
      durations: [],
      m: {
        stepId: step.id,
        kind: step.kind,
        executions: 0,
        succeeded: 0,
        failed: 0,
        failureRate: null,
        retried: 0,
        durationMs: spread([]),
        ...(['if', 'switch', 'task', 'approval'].includes(step.kind) ? { outcomes: {} } : {}),
      },
    });
  }
  for (const state of states) {
    for (const record of Object.values(state.steps ?? {})) {
      const entry = byStep.get(record.stepId);
      if (entry === undefined || (record.status !== 'succeeded' && record.status !== 'failed')) continue;
      const { m } = entry;
      m.executions++;
      if (record.status === 'succeeded') m.succeeded++;
      else m.failed++;
      if (record.attempt > (record.firstAttempt ?? 1)) m.retried++;
      if (record.startedAt && record.finishedAt)
        entry.durations.push(Date.parse(record.finishedAt) - Date.parse(record.startedAt));
      const outcome = record.status === 'succeeded' ? outcomeOf(plan.steps[record.stepId]!, record) : null;
      if (outcome !== null && m.outcomes) m.outcomes[outcome] = (m.outcomes[outcome] ?? 0) + 1;
    }
  }
  return [...byStep.values()].map(({ durations, m }) => {
    const finished = m.succeeded + m.failed;
    const steady = m.outcomes ? steadiness(plan.steps[m.stepId]!, m.outcomes, m.succeeded) : undefined;
    return {
      ...m,
      failureRate: finished === 0 ? null : m.failed / finished,
      durationMs: spread(durations),
      ...(steady === undefined ? {} : { neverChanges: steady }),
    };
  });
}

/** How long an overview (every playbook over a window) is reused: like the dashboard's window figures. */
export const OVERVIEW_CACHE_MS = 10_000;

export interface PlaybookOverview {
  from: string;
  items: {
    playbookId: string;
    runs: number;
    succeeded: number;
    failed: number;
    timeSavedMs: number | null;
  }[];
  timeSavedMs: number;
}

export class PlaybookMetricsQuery {
  readonly #db: Kysely<DatabaseSchema>;
  readonly #playbooks: Pick<PlaybookService, 'current'>;
  readonly #overviews = new Map<number, { until: number; overview: Promise<PlaybookOverview> }>();

  constructor(db: Kysely<DatabaseSchema>, playbooks: Pick<PlaybookService, 'current'>) {
    this.#db = db;
    this.#playbooks = playbooks;
  }

  /** A playbook's `time_saved`; null without one, or for a playbook deleted since its runs. */
  async #timeSavedOf(playbookId: string): Promise<number | null> {
    try {
      return (await this.#playbooks.current(playbookId)).plan.timeSavedMs ?? null;
    } catch (error) {
      if (error instanceof RiposteError && error.code === 'not_found') return null;
      throw error;
    }
  }

  async #counts(playbookId: string | null, from: string) {
    // Covered by runs_started_cover or runs_playbook_started (migration 0031): index entries only.
    let query = this.#db
      .selectFrom('runs')
      .select(['playbook_id', 'status', (eb) => eb.fn.countAll<number>().as('n')])
      .where('started_at', '>=', from)
      .where('dry_run', '=', 0)
      .groupBy(['playbook_id', 'status']);
    if (playbookId !== null) query = query.where('playbook_id', '=', playbookId);
    return (await query.execute()).map((r) => ({
      playbookId: r.playbook_id,
      status: r.status,
      n: Number(r.n),
    }));
  }

  async #waiting(playbookId: string, from: string): Promise<PlaybookMetrics['waitingMs']> {
    const rows = await this.#db
      .selectFrom('tasks')
      .innerJoin('runs', 'runs.id', 'tasks.run_id')
      .select(['tasks.kind as kind', 'tasks.created_at as created_at', 'tasks.completed_at as completed_at'])
      .where('tasks.playbook_id', '=', playbookId)
      .where('runs.dry_run', '=', 0)
      .where('tasks.created_at', '>=', from)
      .where('tasks.completed_at', 'is not', null)
      .orderBy('tasks.created_at', 'desc')
      .limit(MAX_SAMPLED_RUNS * 4)
      .execute();
    const of = (kind: string) => {
      const values = rows
        .filter((r) => r.kind === kind)
        .map((r) => Date.parse(r.completed_at!) - Date.parse(r.created_at));
      return { count: values.length, ...spread(values) };
    };
    return { tasks: of('task'), approvals: of('approval') };
  }

  /** The playbook's figures over the last `windowMs`, read against its current plan. */
  async forPlaybook(plan: PlaybookPlan, windowMs: number, now = Date.now()): Promise<PlaybookMetrics> {
    const from = new Date(now - windowMs).toISOString();
    const counts = await this.#counts(plan.id, from);
    const byStatus: Record<string, number> = {};
    for (const c of counts) byStatus[c.status] = (byStatus[c.status] ?? 0) + c.n;
    const total = Object.values(byStatus).reduce((a, b) => a + b, 0);
    const succeeded = byStatus['succeeded'] ?? 0;
    const finished = succeeded + (byStatus['failed'] ?? 0);
    const rows = await this.#db
      .selectFrom('runs')
      .select(['state', 'started_at', 'finished_at'])
      .where('playbook_id', '=', plan.id)
      .where('started_at', '>=', from)
      .where('dry_run', '=', 0)
      // runs_playbook_started reads the window newest first; only the sampled rows are fetched.
      .orderBy('started_at', 'desc')
      .limit(MAX_SAMPLED_RUNS)
      .execute();
    const states = rows.map((r) => JSON.parse(r.state) as RunState).filter((s) => s.steps !== undefined);
    const durations = rows
      .filter((r) => r.finished_at !== null)
      .map((r) => Date.parse(r.finished_at!) - Date.parse(r.started_at));
    const perRunMs = plan.timeSavedMs ?? null;
    return {
      playbookId: plan.id,
      windowMs,
      from,
      runs: {
        total,
        byStatus,
        successRate: finished === 0 ? null : succeeded / finished,
        sampled: rows.length,
      },
      durationMs: spread(durations),
      waitingMs: await this.#waiting(plan.id, from),
      timeSaved: { perRunMs, runs: succeeded, totalMs: perRunMs === null ? null : perRunMs * succeeded },
      steps: stepMetrics(plan, states),
    };
  }

  /**
   * Every playbook's runs and time saved over the window (no run state read): what the playbook list
   * and the dashboard show.
   */
  overview(windowMs: number, now = Date.now()): Promise<PlaybookOverview> {
    // Shared for OVERVIEW_CACHE_MS by every request for the window (the dashboard asks at each refresh).
    const cached = this.#overviews.get(windowMs);
    if (cached && cached.until > now) return cached.overview;
    const overview = this.#overview(windowMs, now);
    this.#overviews.set(windowMs, { until: now + OVERVIEW_CACHE_MS, overview });
    overview.catch(() => this.#overviews.delete(windowMs));
    return overview;
  }

  async #overview(windowMs: number, now: number): Promise<PlaybookOverview> {
    const from = new Date(now - windowMs).toISOString();
    const byPlaybook = new Map<string, { runs: number; succeeded: number; failed: number }>();
    for (const c of await this.#counts(null, from)) {
      const entry = byPlaybook.get(c.playbookId) ?? { runs: 0, succeeded: 0, failed: 0 };
      entry.runs += c.n;
      if (c.status === 'succeeded') entry.succeeded += c.n;
      if (c.status === 'failed') entry.failed += c.n;
      byPlaybook.set(c.playbookId, entry);
    }
    const items = [];
    for (const [playbookId, e] of [...byPlaybook.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
      const perRun = await this.#timeSavedOf(playbookId);
      items.push({ playbookId, ...e, timeSavedMs: perRun === null ? null : perRun * e.succeeded });
    }
    return { from, items, timeSavedMs: items.reduce((sum, i) => sum + (i.timeSavedMs ?? 0), 0) };
  }
}

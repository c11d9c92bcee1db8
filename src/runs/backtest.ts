/**
 * Backtest: what the current version of a playbook would have done on the alerts already stored.
 * Each alert is simulated in memory (run-simulator.ts): read actions run for real (or answer null),
 * write and destructive actions are only recorded, as in a dry run, and the simulation stops where a
 * person would be asked. Nothing is written to the database.
 */
import type { Kysely } from 'kysely';
import type { ActionCatalog } from '../core/action.ts';
import type { Alert } from '../core/alert.ts';
import type { CaseSummary } from '../core/case.ts';
import type { PlaybookPlan } from '../core/playbook.ts';
import { RiposteError, invalidField } from '../core/riposte-error.ts';
import type { EngineEvent, StepFailure } from '../engine/engine-types.ts';
import { toCaseSummary } from '../cases/case-service.ts';
import { toAlert } from '../ingest/alert-query.ts';
import type { DatabaseSchema } from '../store/schema.ts';
import { ActionExecutor } from './action-executor.ts';
import { stepIdOf } from './golden-references.ts';
import type { VersionedPlan } from './playbook-service.ts';
import {
  simulate,
  SimulationError,
  type ActionResult,
  type ExecuteActionCommand,
  type OpenTaskCommand,
  type Simulation,
  type SimulationOptions,
  type TaskDecision,
} from './run-simulator.ts';

export interface BacktestDeps {
  db: Kysely<DatabaseSchema>;
  playbooks: { current(id: string): Promise<VersionedPlan> };
  actions: ActionCatalog;
  secrets: () => Promise<Record<string, string>>;
}

export interface BacktestOptions {
  playbookId: string;
  /** Alerts stored (`created_at`) from this time on, inclusive. */
  since: string;
  /** Up to this time, exclusive; default now. */
  until?: string;
  /** Newest first, at most this many; default 1000. */
  limit?: number;
  /** Simulate every alert, not only those the alert trigger matches. */
  all?: boolean;
  /** False: read actions are not run and return null. Default true. */
  reads?: boolean;
  /** Answer approvals so, and give tasks their first choice; default: stop where a person would be asked. */
  assume?: 'approve' | 'deny';
  /** Upper bound for one read action, whatever its own timeout; default 30 s. */
  readTimeoutMs?: number;
}

export type BacktestStatus = Simulation['status'] | 'error';

export interface BacktestAlert {
  alertId: string;
  title: string;
  createdAt: string;
  status: BacktestStatus;
  path: string[];
  wouldDo: { step: string; action: string; effect: string; input: Record<string, unknown> }[];
  wouldAsk: { step: string; kind: 'task' | 'approval'; title: string }[];
  error: StepFailure | { kind: 'simulation'; message: string } | null;
}

export interface BacktestReport {
  playbookId: string;
  version: number;
  since: string;
  until: string;
  reads: 'executed' | 'null';
  assume: 'approve' | 'deny' | null;
  /** Alerts in the time range (up to the limit). */
  considered: number;
  /** Alerts simulated: those the trigger matches, or all with `all`. */
  matched: number;
  byStatus: Record<string, number>;
  /** Per action id, how many times it would have been called. */
  wouldDo: Record<string, number>;
  /** Per task or approval step id, how many times someone would have been asked. */
  wouldAsk: Record<string, number>;
  alerts: BacktestAlert[];
}

export const DEFAULT_BACKTEST_LIMIT = 1000;
const MAX_BACKTEST_LIMIT = 100_000;

export async function backtest(deps: BacktestDeps, options: BacktestOptions): Promise<BacktestReport> {
  const since = isoDate(options.since, '/since');
  const until = options.until === undefined ? new Date().toISOString() : isoDate(options.until, '/until');
  const limit = options.limit ?? DEFAULT_BACKTEST_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_BACKTEST_LIMIT)
    throw invalidField('/limit', `limit must be a whole number from 1 to ${MAX_BACKTEST_LIMIT}`);
  const { plan, version } = await deps.playbooks.current(options.playbookId);
  if (!options.all && plan.triggers.alert === null)
    throw new RiposteError(
      'validation_failed',
      `playbook ${plan.id} has no alert trigger; pass --all to simulate it on every alert anyway`,
    );
  const rows = await deps.db
    .selectFrom('alerts')
    .selectAll()
    .where('created_at', '>=', since)
    .where('created_at', '<', until)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  const alerts = rows.map(toAlert);
  const matched = options.all ? alerts : alerts.filter((a) => matches(plan, a));
  const cases = await loadCases(deps.db, matched);
  const secrets = await deps.secrets();
  const world = new BacktestWorld(deps, options);
  const results: BacktestAlert[] = [];
  for (const alert of matched) {
    const kase = alert.caseId === null ? undefined : cases.get(alert.caseId);
    results.push((await simulateAlert(plan, alert, kase, secrets, world)).report);
  }
  return {
    playbookId: plan.id,
    version,
    since,
    until,
    reads: options.reads === false ? 'null' : 'executed',
    assume: options.assume ?? null,
    considered: alerts.length,
    matched: matched.length,
    ...totals(results),
    alerts: results,
  };
}

/**
 * One stored alert through a plan that need not be stored: the console's dry run of a source not saved
 * yet. Read actions run for real, writes are only recorded, it stops where a person would be asked.
 */
export async function backtestAlert(
  deps: BacktestDeps,
  plan: PlaybookPlan,
  alertId: string,
): Promise<{ report: BacktestAlert; steps: { key: string; status: string }[] }> {
  const row = await deps.db.selectFrom('alerts').selectAll().where('id', '=', alertId).executeTakeFirst();
  if (!row) throw invalidField('/alertId', `no alert with id "${alertId}"`);
  const alert = toAlert(row);
  const kase = alert.caseId === null ? undefined : (await loadCases(deps.db, [alert])).get(alert.caseId);
  const world = new BacktestWorld(deps, { playbookId: plan.id, since: alert.createdAt });
  const { report, run } = await simulateAlert(plan, alert, kase, await deps.secrets(), world);
  const steps = (run?.finished ?? []).map((f) => ({ key: f.step, status: f.status }));
  for (const waiting of run?.waitingOn ?? []) steps.push({ key: waiting.step, status: 'waiting' });
  return { report, steps };
}

function isoDate(value: string, path: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw invalidField(path, `"${value}" is not a date (2026-11-01 or 2026-11-01T08:00:00Z)`);
  return new Date(ms).toISOString();
}

function matches(plan: PlaybookPlan, alert: Alert): boolean {
  try {
    return plan.triggers.alert?.evaluate({ inputs: {}, steps: {}, vars: {}, secrets: {}, alert }) === true;
  } catch {
    // As at ingestion: a trigger that cannot be evaluated for an alert does not start a run.
    return false;
  }
}

async function loadCases(db: Kysely<DatabaseSchema>, alerts: Alert[]): Promise<Map<string, CaseSummary>> {
  const ids = [...new Set(alerts.flatMap((a) => (a.caseId === null ? [] : [a.caseId])))];
  const cases = new Map<string, CaseSummary>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom('cases')
      .selectAll()
      .where('id', 'in', ids.slice(i, i + 500))
      .execute();
    for (const row of rows) cases.set(row.id, toCaseSummary(row));
  }
  return cases;
}

async function simulateAlert(
  plan: PlaybookPlan,
  alert: Alert,
  kase: CaseSummary | undefined,
  secrets: Record<string, string>,
  world: BacktestWorld,
): Promise<{ report: BacktestAlert; run: Simulation | null }> {
  const base = { alertId: alert.id, title: alert.title, createdAt: alert.createdAt };
  const options: SimulationOptions = {
    alert,
    case: kase,
    secrets,
    start: alert.createdAt,
    runId: `backtest_${alert.id}`,
    actions: (command) => world.action(command),
    tasks: (command) => world.task(command),
    subruns: async (command, nest) => {
      const child = await world.plan(command.playbookId);
      if (child instanceof Error)
        return { status: 'failed', outputs: {}, error: { kind: 'internal', message: child.message } };
      const simulation = await nest(child);
      const status = simulation.status === 'waiting' ? 'cancelled' : simulation.status;
      return { status, outputs: simulation.outputs, error: simulation.error, simulation };
    },
    events: () => 'stop',
  };
  try {
    const run = await simulate(plan, options);
    const report: BacktestAlert = {
      ...base,
      status: run.status,
      path: run.path,
      wouldDo: run.actions
        .filter((a) => a.effect !== 'read')
        .map((a) => ({ step: a.step, action: a.action, effect: a.effect, input: a.input })),
      wouldAsk: run.asked.map((t) => ({ step: t.step, kind: t.kind, title: t.title })),
      error: run.error,
    };
    return { report, run };
  } catch (error) {
    if (!(error instanceof SimulationError)) throw error;
    const failure = { kind: 'simulation' as const, message: error.message };
    return {
      report: { ...base, status: 'error', path: [], wouldDo: [], wouldAsk: [], error: failure },
      run: null,
    };
  }
}

/** The outside world of a backtest: real reads with a timeout, recorded writes, assumed answers. */
class BacktestWorld {
  readonly #deps: BacktestDeps;
  readonly #options: BacktestOptions;
  readonly #executor: ActionExecutor;
  readonly #events = new Map<string, EngineEvent>();
  readonly #plans = new Map<string, PlaybookPlan | Error>();
  #calls = 0;

  constructor(deps: BacktestDeps, options: BacktestOptions) {
    this.#deps = deps;
    this.#options = options;
    this.#executor = new ActionExecutor(deps.actions, async (runId, event) => {
      if ('stepKey' in event) this.#events.set(`${runId}\u0000${event.stepKey}`, event);
    });
  }

  async action(command: ExecuteActionCommand): Promise<ActionResult> {
    if (command.effect === 'read' && this.#options.reads === false) return { output: null };
    const runId = `backtest-${++this.#calls}`;
    const limit = this.#options.readTimeoutMs ?? 30_000;
    const own = this.#deps.actions.get(command.action)?.timeoutMs ?? limit;
    // dryRun: the executor intercepts write and destructive actions and reports what they would do.
    await this.#executor.execute({
      runId,
      stepKey: command.stepKey,
      action: command.action,
      effect: command.effect,
      input: command.input,
      attempt: command.attempt,
      idempotencyKey: `backtest:${command.idempotencyKey}`,
      timeoutMs: Math.min(command.timeoutMs ?? own, limit),
      dryRun: true,
    });
    const key = `${runId}\u0000${command.stepKey}`;
    const event = this.#events.get(key);
    this.#events.delete(key);
    if (event?.type === 'action_completed') return { output: event.output };
    if (event?.type === 'action_failed') return { error: event.error };
    return { error: { kind: 'internal', message: `no result for ${command.stepKey}` } };
  }

  task(command: OpenTaskCommand): TaskDecision | null {
    const { assume } = this.#options;
    if (assume === undefined) return null;
    const spec = command.spec;
    if (spec.kind === 'approval') return { outcome: assume === 'approve' ? 'approved' : 'denied' };
    const first = spec.choices?.[0];
    return first === undefined ? null : { outcome: 'answered', output: { choice: first } };
  }

  async plan(id: string): Promise<PlaybookPlan | Error> {
    let plan = this.#plans.get(id);
    if (plan === undefined) {
      plan = await this.#deps.playbooks.current(id).then(
        (v) => v.plan,
        (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
      );
      this.#plans.set(id, plan);
    }
    return plan;
  }
}

function totals(alerts: BacktestAlert[]) {
  const byStatus: Record<string, number> = {};
  const wouldDo: Record<string, number> = {};
  const wouldAsk: Record<string, number> = {};
  const bump = (counts: Record<string, number>, key: string) => (counts[key] = (counts[key] ?? 0) + 1);
  for (const alert of alerts) {
    bump(byStatus, alert.status);
    for (const action of alert.wouldDo) bump(wouldDo, action.action);
    for (const asked of alert.wouldAsk) bump(wouldAsk, stepIdOf(asked.step));
  }
  return { byStatus, wouldDo, wouldAsk };
}

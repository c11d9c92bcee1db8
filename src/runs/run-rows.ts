import { sql, type Transaction } from 'kysely';
import { nowIso } from '../core/clock.ts';
import type { EngineCommand, RunState } from '../engine/engine-types.ts';
import type { RunStateJson } from '../engine/run-state-json.ts';
import type { ActionJob } from '../queue/work-queue.ts';
import type { DatabaseSchema, RunTable } from '../store/schema.ts';
import type { CommitEffects } from './run-commands.ts';
import { isQueuedState, type QueuedState } from './run-record.ts';

export function emptyEffects(): CommitEffects {
  return { jobs: [], aborts: [], notifyParents: [], start: [], cancel: [], tasks: [] };
}

/** The columns of a run row that follow its state (encoded by the run's `json`, when it has one). */
export function rowColumns(state: RunState, json?: RunStateJson) {
  return {
    state: json ? json.encode(state) : JSON.stringify(state),
    seq: state.seq,
    status: state.status,
    wake_at: state.wakeAt,
    error_kind: state.error?.kind ?? null,
    finished_at: state.finishedAt,
  };
}

/**
 * Writes new run states, one UPDATE per 100 runs, each row guarded by the sequence number it was read
 * at. Returns the ids of the chunks in which a row matched nothing (another process moved it on).
 * `written` hears each state's size as written (the characters of its JSON), by its place in `runs`.
 */
export async function writeRunStates(
  trx: Transaction<DatabaseSchema>,
  runs: { id: string; version: number; state: RunState; before: number; json?: RunStateJson }[],
  written: (index: number, stateLength: number) => void = () => undefined,
): Promise<string[]> {
  const now = nowIso();
  const stale: string[] = [];
  for (let i = 0; i < runs.length; i += 100) {
    const chunk = runs.slice(i, i + 100);
    const values = sql.join(
      chunk.map(({ id, version, state, before, json }, j) => {
        const c = rowColumns(state, json);
        written(i + j, c.state.length);
        return sql`(${id}, ${c.state}, ${version}, ${c.seq}, ${c.status}, ${c.wake_at}, ${c.error_kind}, ${c.finished_at}, ${before})`;
      }),
    );
    const result =
      await sql`WITH v(id, state, version, seq, status, wake_at, error_kind, finished_at, before) AS (VALUES ${values})
UPDATE runs SET state = v.state, playbook_version = CAST(v.version AS integer), seq = CAST(v.seq AS integer),
  status = v.status, wake_at = v.wake_at, error_kind = v.error_kind, finished_at = v.finished_at, updated_at = ${now}
FROM v WHERE runs.id = v.id AND runs.seq = CAST(v.before AS integer)`.execute(trx);
    if (Number(result.numAffectedRows ?? 0) !== chunk.length) stale.push(...chunk.map((r) => r.id));
  }
  return stale;
}

/** The action jobs among a transition's commands. */
export function actionJobs(runId: string, dryRun: boolean, commands: readonly EngineCommand[]): ActionJob[] {
  const jobs: ActionJob[] = [];
  for (const command of commands) {
    if (command.type !== 'execute_action') continue;
    jobs.push({
      runId,
      stepKey: command.stepKey,
      action: command.action,
      effect: command.effect,
      input: command.input,
      attempt: command.attempt,
      idempotencyKey: command.idempotencyKey,
      timeoutMs: command.timeoutMs,
      dryRun,
      ...(command.react === undefined ? {} : { react: command.react }),
    });
  }
  return jobs;
}

/** A run that cannot start (its playbook is gone or no longer compiles) fails at once, with the reason. */
export function failedBeforeStart(
  row: Pick<RunTable, 'id' | 'playbook_id' | 'playbook_version'>,
  state: RunState | QueuedState,
  seq: number,
  error: unknown,
): { state: RunState; commands: EngineCommand[] } {
  const now = nowIso();
  const failure = {
    kind: 'internal' as const,
    message: error instanceof Error ? error.message : String(error),
  };
  return {
    state: {
      runId: row.id,
      playbookId: row.playbook_id,
      playbookVersion: Number(row.playbook_version),
      status: 'failed',
      inputs: isQueuedState(state) ? state.inputs : {},
      vars: {},
      outputs: {},
      error: failure,
      steps: {},
      wakeAt: null,
      startedAt: now,
      finishedAt: now,
      seq: seq + 1,
      internal: null,
    },
    commands: [{ type: 'run_finished', status: 'failed', outputs: {}, error: failure }],
  };
}

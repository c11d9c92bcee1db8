import type { Transaction } from 'kysely';
import { nowIso } from '../core/clock.ts';
import { newId } from '../core/ids.ts';
import type { EngineCommand, EngineEvent, RunState } from '../engine/engine-types.ts';
import { TERMINAL_RUN_STATUSES } from '../engine/engine-types.ts';
import type { ActionJob } from '../queue/work-queue.ts';
import type { DatabaseSchema, RunTable } from '../store/schema.ts';
import type { QueuedState, RunTrigger } from './run-record.ts';

/** What a committed batch of transitions must do once the commit is durable. */
export interface CommitEffects {
  jobs: ActionJob[];
  aborts: [runId: string, stepKey: string][];
  notifyParents: { runId: string; event: EngineEvent }[];
  /** Child runs inserted as queued, to start. */
  start: string[];
  /** Child runs to cancel. */
  cancel: string[];
  /** Tasks and approvals opened. */
  tasks: string[];
}

type RunIdentity = Pick<
  RunTable,
  | 'id'
  | 'playbook_id'
  | 'alert_id'
  | 'case_id'
  | 'parent_run_id'
  | 'parent_step_key'
  | 'started_by'
  | 'dry_run'
>;

/**
 * The rows a transition's commands create or change (tasks, child runs), written in the same
 * transaction as the run's new state; everything that talks to the outside waits for the commit.
 */
export async function applyCommandsInTransaction(
  trx: Transaction<DatabaseSchema>,
  run: RunIdentity,
  state: RunState,
  commands: readonly EngineCommand[],
  effects: CommitEffects,
): Promise<void> {
  const now = nowIso();
  for (const command of commands) {
    switch (command.type) {
      case 'execute_action':
        break;
      case 'cancel_action':
        effects.aborts.push([run.id, command.stepKey]);
        break;
      case 'open_task': {
        const { spec } = command;
        const assignee = spec.kind === 'task' ? spec.assignee : spec.approvers;
        const id = newId('task_');
        await trx
          .updateTable('tasks')
          .set({ status: 'cancelled', outcome: 'superseded', completed_at: now })
          .where('run_id', '=', run.id)
          .where('step_key', '=', command.stepKey)
          .where('status', '=', 'open')
          .execute();
        await trx
          .insertInto('tasks')
          .values({
            id,
            run_id: run.id,
            step_key: command.stepKey,
            kind: spec.kind,
            status: 'open',
            title: spec.title,
            description: spec.description,
            spec: JSON.stringify(spec),
            assignee_role: assignee.role ?? null,
            assignee_user: assignee.user ?? null,
            playbook_id: run.playbook_id,
            run_started_by: run.started_by,
            alert_id: run.alert_id,
            case_id: run.case_id,
            decisions: '[]',
            outcome: null,
            output: null,
            escalated: 0,
            created_at: now,
            expires_at: spec.expiresAt,
            remind_at:
              spec.remindEveryMs === null
                ? null
                : new Date(Date.parse(now) + spec.remindEveryMs).toISOString(),
            completed_at: null,
          })
          .execute();
        effects.tasks.push(id);
        break;
      }
      case 'close_task':
        await trx
          .updateTable('tasks')
          .set({ status: 'cancelled', outcome: command.reason, completed_at: now })
          .where('run_id', '=', run.id)
          .where('step_key', '=', command.stepKey)
          .where('status', '=', 'open')
          .execute();
        break;
      case 'start_subrun': {
        const id = newId('run_');
        const trigger: RunTrigger = { kind: 'subrun', parentRunId: run.id, stepKey: command.stepKey };
        const queued: QueuedState = { queued: true, inputs: command.inputs };
        await trx
          .insertInto('runs')
          .values(
            queuedRunRow(
              { ...run, id, parent_run_id: run.id, parent_step_key: command.stepKey },
              command.playbookId,
              trigger,
              queued,
              now,
            ),
          )
          .execute();
        effects.start.push(id);
        break;
      }
      case 'cancel_subrun': {
        const children = await trx
          .selectFrom('runs')
          .select('id')
          .where('parent_run_id', '=', run.id)
          .where('parent_step_key', '=', command.stepKey)
          .where('status', 'not in', [...TERMINAL_RUN_STATUSES])
          .execute();
        effects.cancel.push(...children.map((c) => c.id));
        break;
      }
      case 'run_finished':
        if (run.parent_run_id !== null && run.parent_step_key !== null)
          effects.notifyParents.push({
            runId: run.parent_run_id,
            event: {
              type: 'subrun_finished',
              stepKey: run.parent_step_key,
              runId: run.id,
              status: command.status,
              outputs: command.outputs,
              error: command.error,
            },
          });
        break;
    }
  }
  void state;
}

/** A run row waiting for the engine to start it. Its playbook version is resolved when it is inserted. */
export function queuedRunRow(
  run: RunIdentity,
  playbookId: string,
  trigger: RunTrigger,
  queued: QueuedState,
  now: string,
  version = 0,
): RunTable {
  return {
    id: run.id,
    playbook_id: playbookId,
    playbook_version: version,
    status: 'queued',
    trigger: JSON.stringify(trigger),
    alert_id: run.alert_id,
    case_id: run.case_id,
    parent_run_id: run.parent_run_id,
    parent_step_key: run.parent_step_key,
    started_by: run.started_by,
    dry_run: run.dry_run,
    state: JSON.stringify(queued),
    seq: 0,
    wake_at: null,
    error_kind: null,
    started_at: now,
    finished_at: null,
    updated_at: now,
  };
}

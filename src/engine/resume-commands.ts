import type { PlaybookPlan } from '../core/playbook.ts';
import type { EngineCommand, EngineContext, RunState } from './engine-types.ts';
import { TERMINAL_RUN_STATUSES } from './engine-types.ts';
import { RunDraft } from './run-draft.ts';
import { executeCommand } from './step-action.ts';
import { locateLive } from './step-locate.ts';

/**
 * Crash recovery: the `execute_action` of every attempt in flight, again, with the same idempotency
 * key and its input evaluated again (the stored one is redacted). Tasks, sub-runs and timers live
 * elsewhere (task service, child run, `wakeAt`), so they need nothing. An input that no longer
 * evaluates (a secret removed meanwhile) gets no command; the runner's action timeout then applies.
 */
export function resumeCommands(plan: PlaybookPlan, state: RunState, ctx: EngineContext): EngineCommand[] {
  if (TERMINAL_RUN_STATUSES.includes(state.status)) return [];
  try {
    const d = new RunDraft(plan, state, ctx);
    const commands: EngineCommand[] = [];
    for (const id of d.frameIds()) {
      const at = d.frame(id)?.at;
      const found = at ? locateLive(d, at) : null;
      if (found?.step.kind !== 'action' || found.at.state.status !== 'running') continue;
      const r = executeCommand(d, found.at, found.step, found.at.state.attempt);
      if (r.ok) commands.push(r.command);
    }
    return commands;
  } catch {
    return [];
  }
}

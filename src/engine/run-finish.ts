/** The three ways a run ends. Each emits exactly one `run_finished`. */
import type { StepFailure } from './engine-types.ts';
import { dropAll, haltAll } from './cancel-work.ts';
import { evaluateTemplate, scopeFor } from './expression-scope.ts';
import { cancelledFailure, failureOutcome } from './failure.ts';
import type { Frame } from './internal-state.ts';
import { MAIN_FRAME } from './internal-state.ts';
import type { RunDraft } from './run-draft.ts';

/** Work in flight is cancelled but frames stay, so `retry` can reopen the run where it failed. */
export function failRun(d: RunDraft, failure: StepFailure): void {
  if (d.finished) return;
  const error = d.redact(failure);
  haltAll(d, `the run failed: ${error.message}`);
  const status = failureOutcome(error).status;
  d.status = status;
  d.error = error;
  d.finishedAt = d.now;
  d.emit({ type: 'run_finished', status, outputs: {}, error });
}

/** Evaluates the playbook's outputs and ends the run; returns the failure when an output does not evaluate. */
export function succeedRun(d: RunDraft): StepFailure | null {
  if (d.finished) return null;
  const scope = scopeFor(d, d.frame(MAIN_FRAME) ?? mainFrame(d));
  const outputs: Record<string, unknown> = {};
  for (const [name, template] of Object.entries(d.plan.outputs)) {
    const r = evaluateTemplate(template, scope, `outputs.${name}`);
    if (!r.ok) return r.failure;
    outputs[name] = r.value;
  }
  dropAll(d, 'the run ended');
  d.status = 'succeeded';
  d.outputs = d.redact(outputs);
  d.finishedAt = d.now;
  d.emit({ type: 'run_finished', status: 'succeeded', outputs: d.outputs, error: null });
  return null;
}

export function cancelRun(d: RunDraft, by: string, reason: string): void {
  if (d.finished) return;
  const error = d.redact(cancelledFailure(`cancelled by ${by}: ${reason}`));
  dropAll(d, error.message);
  d.status = 'cancelled';
  d.error = error;
  d.finishedAt = d.now;
  d.emit({ type: 'run_finished', status: 'cancelled', outputs: {}, error });
}

function mainFrame(d: RunDraft): Frame {
  return {
    block: d.plan.main.id,
    scopes: [''],
    owner: null,
    slot: 0,
    loop: null,
    index: null,
    at: null,
    next: null,
    halted: false,
  };
}

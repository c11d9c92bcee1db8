/**
 * A step Riposte exported carries, in Riposte's CACAO extension, the Riposte step it was (its
 * routing removed: the CACAO workflow says where it goes). Importing it back restores that step
 * exactly instead of reading its commands, which for a CACAO reader describe it in words. What the
 * extension holds is input like any other: it is compiled and checked with the rest.
 */
import type { CacaoIssues } from './cacao-issues.ts';
import { pointer } from './cacao-issues.ts';
import type { CacaoStep } from './cacao-step.ts';
import { RIPOSTE_EXTENSION_ID } from './cacao-step.ts';
import type { RiposteStep, Segment } from './cacao-segment.ts';

/** Step kinds an exported action step can hold; conditions, parallels and ends are CACAO steps of their own. */
const KINDS = ['uses', 'task', 'approval', 'set', 'wait', 'fail', 'for_each', 'playbook', 'end'];
const ROUTING = ['id', 'next', 'on_error', 'on_deny', 'then', 'else', 'cases', 'default'];

export function riposteStepSegment(
  step: CacaoStep,
  issues: CacaoIssues,
  take: (wanted: string) => string,
  ref: (cacaoStepId: string) => string,
): Segment | null {
  const path = pointer(step.path, 'step_extensions', RIPOSTE_EXTENSION_ID);
  const raw = step.riposte?.['step'];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    issues.error(
      pointer(path, 'step'),
      'the Riposte extension of a step holds the Riposte step as an object',
    );
    return null;
  }
  const fields = raw as Record<string, unknown>;
  const kind = KINDS.find((k) => k in fields);
  if (kind === undefined || (kind === 'playbook') !== (step.type === 'playbook-action')) {
    issues.error(
      pointer(path, 'step'),
      `the Riposte extension on a ${step.type} step must hold one of: ${KINDS.join(', ')}`,
    );
    return null;
  }
  const riposteStep: RiposteStep = { id: take(step.name ?? 'step') };
  for (const [key, value] of Object.entries(fields)) if (!ROUTING.includes(key)) riposteStep[key] = value;
  const onDeny = step.riposte?.['on_deny'];
  // Checked to name a workflow step when the step was read (cacao-step.ts).
  if (typeof onDeny === 'string') riposteStep['on_deny'] = ref(onDeny);
  const fails = kind === 'fail' || kind === 'end';
  return {
    steps: [riposteStep],
    entry: riposteStep.id,
    exits: fails ? [] : [{ step: riposteStep, key: 'next' }],
    // `fail` and `end` take no error path of their own.
    failables: fails ? [] : [riposteStep],
  };
}

import { relative } from '../../components/ui.tsx';
import type { CaseSla, SlaClock } from './case-types.ts';

const STATE_TEXT: Record<string, string> = {
  ok: 'SLA ok',
  at_risk: 'SLA at risk',
  breached: 'SLA breached',
  met: 'SLA met',
};

function clockText(name: string, clock: SlaClock, now: number): string {
  const due = new Date(clock.dueAt);
  if (clock.doneAt !== null)
    return `${name} ${clock.state === 'met' ? 'within' : 'after'} target (due ${due.toLocaleString()})`;
  return clock.state === 'breached'
    ? `${name} overdue since ${relative(due, now).replace(' ago', '')}`
    : `${name} due ${relative(due, now)}`;
}

/**
 * The clocks that matter now: acknowledge until the case is taken, then contain (when targeted)
 * until the threat is contained, then resolve; and any clock already breached.
 */
export function slaText(sla: CaseSla, now = Date.now()): string {
  const parts: string[] = [];
  if (sla.acknowledge.doneAt === null || sla.acknowledge.state === 'breached')
    parts.push(clockText('acknowledge', sla.acknowledge, now));
  const contain = sla.contain;
  if (
    contain &&
    ((sla.acknowledge.doneAt !== null && contain.doneAt === null) || contain.state === 'breached')
  )
    parts.push(clockText('contain', contain, now));
  if (
    (sla.acknowledge.doneAt !== null && (!contain || contain.doneAt !== null)) ||
    sla.resolve.state === 'breached'
  )
    parts.push(clockText('resolve', sla.resolve, now));
  return parts.join('; ');
}

/** The SLA state as a badge; what it means (which clock, when due) in text beside it, not only a tooltip. */
export function SlaBadge({ sla, detail = true }: { sla: CaseSla | null; detail?: boolean }) {
  if (!sla) return <span className="muted small">no SLA</span>;
  const text = slaText(sla);
  return (
    <span className="sla">
      <span className={`badge sla-${sla.state}`} title={text}>
        {STATE_TEXT[sla.state] ?? sla.state}
      </span>
      {detail ? <span className="muted small"> {text}</span> : <span className="sr-only">: {text}</span>}
    </span>
  );
}

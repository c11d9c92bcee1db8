import { useId, useState } from 'react';
import type { PriorityFactor } from './case-types.ts';

/**
 * The priority score with its explanation: a button that opens the list of factors on click, Enter or
 * Space, and on hover; Escape closes it. The explanation is in the page (aria-controls), not a tooltip.
 */
export function PriorityScore({ priority, factors }: { priority: number; factors: PriorityFactor[] }) {
  const [open, setOpen] = useState(false);
  const [hover, setHover] = useState(false);
  const id = useId();
  const shown = open || hover;
  return (
    <span
      className="priority"
      onMouseEnter={() => setHover(true)}
      onMouseLeave={() => setHover(false)}
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          setOpen(false);
          setHover(false);
        }
      }}
    >
      <button
        type="button"
        className="priority-score"
        aria-expanded={shown}
        aria-controls={id}
        aria-label={`Priority ${priority}: why`}
        onClick={() => setOpen((o) => !o)}
      >
        {priority}
      </button>
      <span id={id} role="note" className="priority-why" hidden={!shown}>
        <strong>Priority {priority}</strong>
        {factors.length === 0 ? (
          <span className="muted"> no factors recorded</span>
        ) : (
          <ul>
            {factors.map((f, i) => (
              <li key={i}>
                <span className="mono">{f.points >= 0 ? `+${f.points}` : f.points}</span>{' '}
                {f.factor.replace(/_/g, ' ')}
                {f.detail ? <span className="muted"> — {f.detail}</span> : null}
              </li>
            ))}
          </ul>
        )}
      </span>
    </span>
  );
}

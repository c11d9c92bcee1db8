import { useState } from 'react';
import { api } from '../../api.ts';
import { ErrorBox, Status, Time, useAction } from '../../components/ui.tsx';
import { useSession } from '../../session.tsx';
import type { LedgerEntry, UndoResult } from './case-types.ts';

const UNDOABLE = new Set(['applied', 'undo_failed']);

/** The response ledger of the case: what was done to which target, and the undo of its containment. */
export function CaseActions({
  caseId,
  entries,
  onChanged,
}: {
  caseId: string;
  entries: LedgerEntry[];
  onChanged: () => void;
}) {
  const session = useSession();
  const action = useAction();
  const [confirming, setConfirming] = useState(false);
  const [results, setResults] = useState<UndoResult[] | null>(null);
  const undoable = entries.filter((e) => UNDOABLE.has(e.status) && e.inverse);
  const rollback = () =>
    action.run(async () => {
      const answer = await api.post<{ items: UndoResult[] }>(
        `/api/v1/cases/${encodeURIComponent(caseId)}/rollback`,
        {},
      );
      setResults(answer.items);
      setConfirming(false);
      onChanged();
    });
  return (
    <section className="panel" aria-label="Actions taken">
      <div className="row spread">
        <h2>Actions taken</h2>
        {session.can('rollback') && undoable.length > 0 && !confirming && (
          <button type="button" className="danger" onClick={() => setConfirming(true)}>
            Roll back containment
          </button>
        )}
      </div>
      {confirming && (
        <div className="notice row" role="group" aria-label="Confirm the rollback">
          <span>
            Undo {undoable.length} action{undoable.length === 1 ? '' : 's'}, newest first? Each undo passes
            the guardrails.
          </span>
          <button type="button" className="danger" disabled={action.busy} onClick={() => void rollback()}>
            Confirm rollback
          </button>
          <button type="button" onClick={() => setConfirming(false)}>
            Keep them
          </button>
        </div>
      )}
      <ErrorBox error={action.error} />
      {results && (
        <div className="notice" role="status">
          <strong>Rollback:</strong>{' '}
          {results.length === 0
            ? 'nothing to undo.'
            : results
                .map(
                  (r) =>
                    `${r.action} ${r.target?.value ?? ''}: ${r.outcome}${r.detail ? ` (${r.detail})` : ''}`,
                )
                .join('; ')}
        </div>
      )}
      {entries.length === 0 ? (
        <p className="muted">No response action has been taken for this case.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Status</th>
              <th scope="col">Applied</th>
              <th scope="col">Expires</th>
              <th scope="col">Undo</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id} data-testid="ledger-entry">
                <td>
                  {e.action} <span className="muted small">({e.effect})</span>
                  <div className="muted small">
                    {e.playbookId} · {e.stepKey}
                  </div>
                </td>
                <td className="mono">{e.target ? `${e.target.type} ${e.target.value}` : '—'}</td>
                <td>
                  <Status value={e.status} />
                  {e.undoError && <div className="small undo-error">{e.undoError}</div>}
                </td>
                <td>
                  <Time value={e.appliedAt} />
                </td>
                <td>
                  <Time value={e.expiresAt} />
                </td>
                <td>
                  {e.undoneAt ? (
                    <>
                      by {e.undoneBy} <Time value={e.undoneAt} />
                    </>
                  ) : e.inverse ? (
                    <span className="muted small">{e.inverse.action}</span>
                  ) : (
                    <span className="muted small">no inverse</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

import { useEffect, useState } from 'react';
import { api, errorText, type Page } from '../../api.ts';
import { ErrorBox, Loading } from '../../components/ui.tsx';
import { describeAuditRow as describe } from '../../../../src/core/audit-words.ts';
import type { AuditRecord } from './case-types.ts';

/** The case's history from the audit log, newest first, one page at a time. */
export function CaseTimeline({ caseId, refresh }: { caseId: string; refresh: number }) {
  const [rows, setRows] = useState<AuditRecord[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const load = async (cursor: string | null) => {
    setLoading(true);
    try {
      const page = await api.get<Page<AuditRecord>>(`/api/v1/cases/${encodeURIComponent(caseId)}/timeline`, {
        cursor,
        limit: 25,
      });
      setRows((old) => (cursor ? [...old, ...page.items] : page.items));
      setNext(page.nextCursor);
      setError(null);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => {
    void load(null);
  }, [caseId, refresh]);
  return (
    <section className="panel" aria-label="Timeline">
      <h2>Timeline</h2>
      <ErrorBox error={error} />
      {loading && rows.length === 0 && <Loading what="the timeline" />}
      <ol className="plain timeline">
        {rows.map((r) => (
          <li key={r.seq}>
            <time dateTime={r.at} className="muted small">
              {new Date(r.at).toLocaleString()}
            </time>{' '}
            <strong>{r.actor}</strong> {describe(r)}
          </li>
        ))}
      </ol>
      {next && (
        <button type="button" disabled={loading} onClick={() => void load(next)}>
          Load older entries
        </button>
      )}
    </section>
  );
}

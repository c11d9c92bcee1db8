import { useState } from 'react';
import { api, type Page } from '../../api.ts';
import { ErrorBox, useAction, useAsync } from '../../components/ui.tsx';
import { Link } from '../../router.tsx';

interface BulkResult {
  action: string;
  caseId?: string;
  done: number;
  results: { id: string; outcome: 'done' | 'unchanged' | 'not_found' }[];
}

interface OpenCase {
  id: string;
  title: string;
  severity: string;
}

const SEVERITIES = ['critical', 'high', 'medium', 'low', 'informational', 'unknown'];

function summary(result: BulkResult, verb: string): string {
  const count = (outcome: string) => result.results.filter((r) => r.outcome === outcome).length;
  const rest = [
    count('unchanged') > 0 ? `${count('unchanged')} already so` : '',
    count('not_found') > 0 ? `${count('not_found')} not found` : '',
  ].filter(Boolean);
  return `${verb} ${result.done} ${result.done === 1 ? 'alert' : 'alerts'}${rest.length ? ` (${rest.join(', ')})` : ''}.`;
}

/** What an analyst does to the selected alerts at once: into a case, into a new case, a severity. */
export function BulkActions({ ids, onDone }: { ids: string[]; onDone: () => void }) {
  const cases = useAsync(
    () => api.get<Page<OpenCase>>('/api/v1/cases', { status: 'open', limit: 100 }),
    [ids.length > 0],
  );
  const [caseId, setCaseId] = useState('');
  const [title, setTitle] = useState('');
  const [severity, setSeverity] = useState('');
  const [result, setResult] = useState<{ text: string; caseId?: string } | null>(null);
  const action = useAction();
  const none = ids.length === 0;

  const send = (body: Record<string, unknown>, verb: string) =>
    action.run(async () => {
      const answer = await api.post<BulkResult>('/api/v1/alerts/bulk', { ...body, ids });
      setResult({ text: summary(answer, verb), ...(answer.caseId ? { caseId: answer.caseId } : {}) });
      onDone();
      cases.reload();
    });

  return (
    <section className="panel bulk" aria-label="Bulk actions">
      {none ? (
        <p className="muted small">Select alerts to act on them together.</p>
      ) : (
        <div className="row">
          <strong>{`${ids.length} selected`}</strong>
          <label>
            Open case
            <select value={caseId} onChange={(e) => setCaseId(e.target.value)} disabled={none}>
              <option value="">Choose a case…</option>
              {(cases.data?.items ?? []).map((c) => (
                <option key={c.id} value={c.id}>
                  {c.title} ({c.severity}, …{c.id.slice(-6)})
                </option>
              ))}
            </select>
          </label>
          <button
            type="button"
            disabled={none || caseId === '' || action.busy}
            onClick={() => send({ action: 'attach', caseId }, 'Attached')}
          >
            Attach to case
          </button>
          <label>
            New case title
            <input
              value={title}
              onChange={(e) => setTitle(e.target.value)}
              placeholder="the first alert's title"
              disabled={none}
              maxLength={300}
            />
          </label>
          <button
            type="button"
            disabled={none || action.busy}
            onClick={() =>
              send(
                { action: 'open_case', ...(title.trim() ? { title: title.trim() } : {}) },
                'Opened a case with',
              )
            }
          >
            Open new case
          </button>
          <label>
            New severity
            <select value={severity} onChange={(e) => setSeverity(e.target.value)} disabled={none}>
              <option value="">Choose…</option>
              {SEVERITIES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
          <button
            type="button"
            disabled={none || severity === '' || action.busy}
            onClick={() => send({ action: 'set_severity', severity }, 'Changed the severity of')}
          >
            Set severity
          </button>
        </div>
      )}
      <p className="small" role="status">
        {result?.text}
        {result?.caseId && (
          <>
            {' '}
            <Link to={`/cases/${encodeURIComponent(result.caseId)}`}>Open the case</Link>
          </>
        )}
      </p>
      <ErrorBox error={action.error ?? cases.error} />
    </section>
  );
}

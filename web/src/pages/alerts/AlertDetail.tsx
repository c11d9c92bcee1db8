import { api } from '../../api.ts';
import { ErrorBox, Loading, Severity, Time, Verdict, useAsync } from '../../components/ui.tsx';
import { Link } from '../../router.tsx';

export interface Observable {
  type: string;
  value: string;
  role?: string;
}

/** An alert as GET /api/v1/alerts answers it. */
export interface Alert {
  id: string;
  source: string;
  format: string;
  sourceRef?: string;
  title: string;
  description?: string;
  severity: string;
  category: string;
  rule: { id?: string; name?: string } | null;
  eventTime: string;
  firstSeen: string;
  lastSeen: string;
  count: number;
  observables: Observable[];
  mitre: { technique?: string; tactic?: string }[];
  caseId: string | null;
  status: string;
  fingerprint: string;
  createdAt: string;
  raw: unknown;
}

interface Enrichment {
  type: string;
  value: string;
  verdict: string;
  sources: { provider: string; verdict: string; summary: string | null }[];
}

/** One alert opened from the queue: its normalized fields, observables with verdicts, the raw event. */
export function AlertDetail({ id, onClose }: { id: string; onClose: () => void }) {
  const alert = useAsync(
    () => api.get<Alert & { enrichment: Enrichment[] }>(`/api/v1/alerts/${encodeURIComponent(id)}`),
    [id],
  );
  const a = alert.data;
  const verdictOf = (o: Observable) => a?.enrichment.find((e) => e.type === o.type && e.value === o.value);
  return (
    <section className="panel alert-detail" aria-label="Alert details">
      <div className="row spread">
        <h2>{a ? a.title : 'Alert'}</h2>
        <button type="button" onClick={onClose}>
          Close details
        </button>
      </div>
      <ErrorBox error={alert.error} />
      {!a && alert.loading && <Loading what="the alert" />}
      {a && (
        <>
          <dl className="facts">
            <dt>Severity</dt>
            <dd>
              <Severity value={a.severity} />
            </dd>
            <dt>Category</dt>
            <dd>{a.category}</dd>
            <dt>Rule</dt>
            <dd>{a.rule ? [a.rule.name, a.rule.id && `(${a.rule.id})`].filter(Boolean).join(' ') : '—'}</dd>
            <dt>Source</dt>
            <dd>
              {a.source} ({a.format}){a.sourceRef ? ` · ${a.sourceRef}` : ''}
            </dd>
            <dt>Event time</dt>
            <dd>
              <Time value={a.eventTime} />
            </dd>
            <dt>Received</dt>
            <dd>
              <Time value={a.createdAt} />
            </dd>
            <dt>Seen</dt>
            <dd>
              {a.count} {a.count === 1 ? 'time' : 'times'}, <Time value={a.firstSeen} /> to{' '}
              <Time value={a.lastSeen} />
            </dd>
            <dt>Status</dt>
            <dd>{a.status}</dd>
            <dt>Case</dt>
            <dd>
              {a.caseId ? <Link to={`/cases/${encodeURIComponent(a.caseId)}`}>{a.caseId}</Link> : 'none yet'}
            </dd>
            {a.mitre.length > 0 && (
              <>
                <dt>MITRE ATT&amp;CK</dt>
                <dd>{a.mitre.map((m) => [m.tactic, m.technique].filter(Boolean).join(' · ')).join(', ')}</dd>
              </>
            )}
            {a.description && (
              <>
                <dt>Description</dt>
                <dd>{a.description}</dd>
              </>
            )}
          </dl>
          <h3>Observables</h3>
          {a.observables.length === 0 ? (
            <p className="muted">None.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Type</th>
                  <th scope="col">Value</th>
                  <th scope="col">Role</th>
                  <th scope="col">Verdict</th>
                </tr>
              </thead>
              <tbody>
                {a.observables.map((o) => {
                  const e = verdictOf(o);
                  return (
                    <tr key={`${o.type}:${o.value}`}>
                      <td>{o.type}</td>
                      <td className="mono">{o.value}</td>
                      <td>{o.role ?? '—'}</td>
                      <td>
                        <Verdict value={e?.verdict} />
                        {e && e.sources.length > 0 && (
                          <span className="muted small"> {e.sources.map((s) => s.provider).join(', ')}</span>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
          <h3>Raw event</h3>
          <pre aria-label="Raw event">
            {typeof a.raw === 'string' ? a.raw : JSON.stringify(a.raw, null, 2)}
          </pre>
        </>
      )}
    </section>
  );
}

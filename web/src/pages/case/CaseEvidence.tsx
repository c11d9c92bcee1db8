import { useEffect, useState } from 'react';
import { api, errorText, type Page } from '../../api.ts';
import { ErrorBox, Severity, Status, Time, Verdict } from '../../components/ui.tsx';
import type { CaseDetail, CaseObservable, Enrichment } from './case-types.ts';

export function CaseAlerts({ kase }: { kase: CaseDetail }) {
  return (
    <section className="panel" aria-label="Linked alerts">
      <h2>Linked alerts</h2>
      {kase.alertCount > kase.alerts.length && (
        <p className="muted small">
          The newest {kase.alerts.length} of {kase.alertCount} alerts.
        </p>
      )}
      <table>
        <thead>
          <tr>
            <th scope="col">Severity</th>
            <th scope="col">Title</th>
            <th scope="col">Rule</th>
            <th scope="col">Source</th>
            <th scope="col">Seen</th>
            <th scope="col">Count</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {kase.alerts.map((a) => (
            <tr key={a.id}>
              <td>
                <Severity value={a.severity} />
              </td>
              <td>
                {a.title}
                <div className="muted small mono">{a.id}</div>
              </td>
              <td>{a.rule?.name ?? a.rule?.id ?? <span className="muted">—</span>}</td>
              <td>{a.source}</td>
              <td>
                <Time value={a.eventTime} />
              </td>
              <td>{a.count}</td>
              <td>
                <Status value={a.status} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/**
 * Observables with the verdict of every enrichment source that judged them. A big case's detail
 * carries the first 200; the rest load a page at a time.
 */
export function CaseObservables({ kase }: { kase: CaseDetail }) {
  // Pages loaded on request, kept while the case reloads on live events (its first 200 may shift:
  // an observable shown twice is shown once).
  const [more, setMore] = useState<{
    items: CaseObservable[];
    enrichment: Enrichment[];
    next: string | null;
  } | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setMore(null), [kase.id]);
  const next = more ? more.next : kase.observablesNextCursor;
  const loadMore = async () => {
    if (!next) return;
    setLoading(true);
    try {
      const page = await api.get<Page<CaseObservable> & { enrichment: Enrichment[] }>(
        `/api/v1/cases/${encodeURIComponent(kase.id)}/observables`,
        { cursor: next, limit: 200 },
      );
      setMore((old) => ({
        items: [...(old?.items ?? []), ...page.items],
        enrichment: [...(old?.enrichment ?? []), ...page.enrichment],
        next: page.nextCursor,
      }));
      setError(null);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setLoading(false);
    }
  };
  const key = (o: { type: string; value: string }) => `${o.type}\u0000${o.value}`;
  const first = new Set(kase.observables.map(key));
  const observables = [...kase.observables, ...(more?.items ?? []).filter((o) => !first.has(key(o)))];
  const enrichment = new Map([...kase.enrichment, ...(more?.enrichment ?? [])].map((e) => [key(e), e]));
  return (
    <section className="panel" aria-label="Observables">
      <h2>Observables</h2>
      {kase.observableCount > observables.length && (
        <p className="muted small">
          The first {observables.length} of {kase.observableCount} observables, by type and value.
        </p>
      )}
      <ErrorBox error={error} />
      <table>
        <thead>
          <tr>
            <th scope="col">Type</th>
            <th scope="col">Value</th>
            <th scope="col">Role</th>
            <th scope="col">Verdict</th>
            <th scope="col">Enrichment sources</th>
            <th scope="col">Last seen</th>
          </tr>
        </thead>
        <tbody>
          {observables.map((o) => {
            const found = enrichment.get(`${o.type}\u0000${o.value}`);
            return (
              <tr key={`${o.type}:${o.value}`}>
                <td>{o.type}</td>
                <td className="mono">{o.value}</td>
                <td>{o.role ?? <span className="muted">—</span>}</td>
                <td>
                  {found ? <Verdict value={found.verdict} /> : <span className="muted">not enriched</span>}
                  {found?.score !== null && found?.score !== undefined && (
                    <span className="muted small"> score {found.score}</span>
                  )}
                </td>
                <td>
                  {found ? (
                    <ul className="plain">
                      {found.sources.map((s, i) => (
                        <li key={i}>
                          <strong>{s.provider}</strong> <Verdict value={s.verdict} />
                          {s.score !== null && <span className="muted small"> {s.score}</span>}
                          {s.summary && <span className="muted small"> — {s.summary}</span>}{' '}
                          <span className="muted small">
                            ({s.action}, <Time value={s.at} />)
                          </span>
                        </li>
                      ))}
                    </ul>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
                <td>
                  <Time value={o.lastSeen} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {next && (
        <button type="button" disabled={loading} onClick={() => void loadMore()}>
          Load more observables
        </button>
      )}
    </section>
  );
}

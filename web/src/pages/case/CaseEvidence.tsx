import { Severity, Status, Time, Verdict } from '../../components/ui.tsx';
import type { CaseDetail } from './case-types.ts';

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

/** Observables with the verdict of every enrichment source that judged them. */
export function CaseObservables({ kase }: { kase: CaseDetail }) {
  const enrichment = new Map(kase.enrichment.map((e) => [`${e.type}\u0000${e.value}`, e]));
  return (
    <section className="panel" aria-label="Observables">
      <h2>Observables</h2>
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
          {kase.observables.map((o) => {
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
    </section>
  );
}

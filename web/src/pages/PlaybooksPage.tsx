import { useState } from 'react';
import { api } from '../api.ts';
import { ErrorBox, Loading, Status, Time, duration, useAsync } from '../components/ui.tsx';
import { useLive } from '../live.ts';
import { Link } from '../router.tsx';
import { useSession } from '../session.tsx';
import { triggerText, type PlaybookSummary } from './playbook/types.ts';
import { CacaoImport } from './playbook/CacaoImport.tsx';

interface Outcomes {
  playbookId: string;
  counts: Record<string, number>;
  lastStartedAt: string | null;
}

const LAST = 20;

/** A playbook's runs and analyst time saved over the last 7 days (GET /api/v1/playbook-metrics). */
interface Saved {
  playbookId: string;
  succeeded: number;
  timeSavedMs: number | null;
}

/** /playbooks: every playbook with its triggers, version and how its last runs went. */
export function PlaybooksPage() {
  const { can } = useSession();
  const [importing, setImporting] = useState(false);
  const list = useAsync(
    () =>
      Promise.all([
        api.get<{ items: PlaybookSummary[] }>('/api/v1/playbooks'),
        api.get<{ items: Outcomes[] }>('/api/v1/playbooks/run-outcomes', { last: LAST }),
        api.get<{ items: Saved[] }>('/api/v1/playbook-metrics', { window: '7d' }),
      ]).then(([playbooks, outcomes, saved]) => ({
        playbooks: playbooks.items,
        outcomes: new Map(outcomes.items.map((o) => [o.playbookId, o])),
        saved: new Map(saved.items.map((m) => [m.playbookId, m])),
      })),
    [],
  );
  useLive(['run.changed'], () => list.reload());
  return (
    <div>
      <div className="row spread">
        <h1>Playbooks</h1>
        {can('editPlaybooks') && (
          <div className="row">
            <button type="button" onClick={() => setImporting(true)} disabled={importing}>
              Import CACAO…
            </button>
            <Link to="/playbooks/new" className="button primary">
              New playbook
            </Link>
          </div>
        )}
      </div>
      {importing && <CacaoImport onClose={() => setImporting(false)} />}
      <ErrorBox error={list.error} />
      {!list.data ? (
        !list.error && <Loading what="playbooks" />
      ) : list.data.playbooks.length === 0 ? (
        <p className="notice">No playbook yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Id</th>
              <th scope="col">Name</th>
              <th scope="col">Enabled</th>
              <th scope="col">Triggers</th>
              <th scope="col">Version</th>
              <th scope="col">Updated</th>
              <th scope="col">Last {LAST} runs</th>
              <th scope="col">Time saved, 7 days</th>
            </tr>
          </thead>
          <tbody>
            {list.data.playbooks.map((p) => {
              const outcome = list.data!.outcomes.get(p.id);
              const counts = Object.entries(outcome?.counts ?? {}).sort((a, b) => b[1] - a[1]);
              return (
                <tr key={p.id}>
                  <td className="mono">
                    <Link to={`/playbooks/${p.id}`}>{p.id}</Link>
                  </td>
                  <td>{p.name}</td>
                  <td>
                    <span className={`badge ${p.enabled ? 'state-ok' : 'state-warn'}`}>
                      {p.enabled ? 'enabled' : 'disabled'}
                    </span>
                  </td>
                  <td className="small">{triggerText(p.triggers)}</td>
                  <td>{p.version}</td>
                  <td>
                    <Time value={p.updatedAt} />
                  </td>
                  <td>
                    {counts.length === 0 ? (
                      <span className="muted">no runs</span>
                    ) : (
                      <span className="row">
                        {counts.map(([status, n]) => (
                          <span key={status}>
                            <Status value={status} /> {n}
                          </span>
                        ))}
                      </span>
                    )}
                  </td>
                  <td className="small">
                    {(() => {
                      const saved = list.data!.saved.get(p.id);
                      return saved?.timeSavedMs != null ? (
                        duration(saved.timeSavedMs)
                      ) : (
                        <span className="muted">{saved ? 'no time_saved' : '—'}</span>
                      );
                    })()}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}

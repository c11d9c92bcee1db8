import { useMemo, useState } from 'react';
import { ApiError, api, errorText, type Page } from '../../api.ts';
import { ErrorBox, Severity, Status, Time, useAsync } from '../../components/ui.tsx';
import { Link } from '../../router.tsx';
import { IssueList } from './IssueList.tsx';
import type { Issue, PlaybookDetail } from './types.ts';

interface AlertRow {
  id: string;
  title: string;
  severity: string;
  createdAt: string;
  caseId: string | null;
}

interface DryRunReport {
  mode: 'run' | 'simulation';
  version: number | null;
  alertId: string;
  runId: string | null;
  status: string;
  steps: { key: string; status: string }[];
  wouldHaveDone: { step: string; action: string; effect: string; input: Record<string, unknown> }[];
  wouldAsk: { step: string; kind: string; title: string }[];
  error: { kind: string; message: string } | null;
}

/** Pick a stored alert and see what the playbook would do on it, its writes intercepted. */
export function DryRunTab({
  playbook,
  editorText,
  dirty,
  canRun,
  onPlaybookIssue,
}: {
  playbook: PlaybookDetail;
  editorText: string;
  dirty: boolean;
  canRun: boolean;
  onPlaybookIssue: (issue: Issue) => void;
}) {
  const recent = useAsync(() => api.get<Page<AlertRow>>('/api/v1/alerts', { limit: 100 }), []);
  const [search, setSearch] = useState('');
  const [alertId, setAlertId] = useState('');
  const [unsaved, setUnsaved] = useState(true);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<{ message: string; errors: Issue[] } | null>(null);
  const [report, setReport] = useState<DryRunReport | null>(null);
  const matches = useMemo(() => {
    const needle = search.trim().toLowerCase();
    return (recent.data?.items ?? [])
      .filter((a) => !needle || a.id.toLowerCase().includes(needle) || a.title.toLowerCase().includes(needle))
      .slice(0, 10);
  }, [recent.data, search]);

  if (!canRun) return <p className="notice">Your role cannot start playbook runs, dry or not.</p>;

  const start = async () => {
    setBusy(true);
    setProblem(null);
    setReport(null);
    try {
      setReport(
        await api.post<DryRunReport>(`/api/v1/playbooks/${playbook.id}/dry-run`, {
          alertId: alertId.trim(),
          ...(dirty && unsaved ? { source: editorText } : {}),
        }),
      );
    } catch (error) {
      const errors =
        error instanceof ApiError && Array.isArray(error.problem.errors) ? error.problem.errors : [];
      setProblem({ message: errorText(error), errors: errors as Issue[] });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="stack">
      <p className="small muted">
        Read actions run for real; write and destructive actions are intercepted and listed below. The saved
        version runs as a real run flagged dry run (its tasks and approvals are opened); unsaved text is
        simulated and nothing is stored.
      </p>
      <div className="row">
        <label>
          Search recent alerts
          <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
        </label>
        <label>
          Alert id
          <input value={alertId} onChange={(e) => setAlertId(e.target.value)} required />
        </label>
      </div>
      <ErrorBox error={recent.error} />
      {matches.length > 0 && (
        <table aria-label="Recent alerts">
          <thead>
            <tr>
              <th scope="col">Alert</th>
              <th scope="col">Severity</th>
              <th scope="col">Received</th>
              <th scope="col">Choose</th>
            </tr>
          </thead>
          <tbody>
            {matches.map((a) => (
              <tr key={a.id} className={a.id === alertId ? 'selected' : undefined}>
                <td>
                  {a.title} <span className="mono small muted">{a.id}</span>
                </td>
                <td>
                  <Severity value={a.severity} />
                </td>
                <td>
                  <Time value={a.createdAt} />
                </td>
                <td>
                  <button
                    type="button"
                    aria-pressed={a.id === alertId}
                    aria-label={`Use alert ${a.title} (${a.id})`}
                    onClick={() => setAlertId(a.id)}
                  >
                    Use
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="row">
        <button type="button" className="primary" onClick={start} disabled={busy || alertId.trim() === ''}>
          {busy ? 'Running…' : 'Dry run'}
        </button>
        {dirty && (
          <label className="inline">
            <input type="checkbox" checked={unsaved} onChange={(e) => setUnsaved(e.target.checked)} />
            Use the editor's unsaved playbook (simulated)
          </label>
        )}
      </div>
      {problem && (
        <div className="error" role="alert">
          <p>{problem.message}</p>
          <IssueList issues={problem.errors} label="Problems of the playbook" onSelect={onPlaybookIssue} />
        </div>
      )}
      {report && <Report report={report} />}
    </div>
  );
}

function Report({ report }: { report: DryRunReport }) {
  return (
    <section aria-label="Dry run result" className="stack">
      <p role="status">
        {report.mode === 'run' ? `Dry run of version ${report.version}` : 'Simulation of the unsaved text'} on{' '}
        <span className="mono">{report.alertId}</span>: <Status value={report.status} />
        {report.runId && <span className="mono small muted"> run {report.runId}</span>}
      </p>
      {report.error && (
        <p className="error" role="alert">
          {report.error.kind}: {report.error.message}
        </p>
      )}
      <h3>Steps</h3>
      {report.steps.length === 0 ? (
        <p className="muted">No step ran.</p>
      ) : (
        <ol>
          {report.steps.map((s) => (
            <li key={s.key}>
              <span className="mono">{s.key}</span> <Status value={s.status} />
            </li>
          ))}
        </ol>
      )}
      <h3>Would have done</h3>
      {report.wouldHaveDone.length === 0 ? (
        <p className="muted">Nothing: no write or destructive action was reached.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Step</th>
              <th scope="col">Action</th>
              <th scope="col">Effect</th>
              <th scope="col">Input</th>
            </tr>
          </thead>
          <tbody>
            {report.wouldHaveDone.map((w, i) => (
              <tr key={`${w.step}:${i}`}>
                <td className="mono">{w.step}</td>
                <td className="mono">{w.action}</td>
                <td>{w.effect}</td>
                <td>
                  <pre>{JSON.stringify(w.input, null, 2)}</pre>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {report.wouldAsk.length > 0 && (
        <>
          <h3>Would ask</h3>
          <ul>
            {report.wouldAsk.map((w) => (
              <li key={w.step}>
                {w.kind} <span className="mono">{w.step}</span>: {w.title}
              </li>
            ))}
          </ul>
        </>
      )}
      {report.mode === 'run' && report.status === 'waiting' && (
        <p className="notice">
          The run waits for a person: see <Link to="/approvals">approvals and tasks</Link>.
        </p>
      )}
    </section>
  );
}

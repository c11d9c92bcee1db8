import { useState } from 'react';
import { api, type Page } from '../../api.ts';
import { ErrorBox, Loading, Status, Time, duration, useAsync } from '../../components/ui.tsx';
import { useLive } from '../../live.ts';
import { Link } from '../../router.tsx';

interface RunRow {
  id: string;
  playbookVersion: number;
  status: string;
  trigger: { kind: string; [key: string]: unknown };
  alertId: string | null;
  caseId: string | null;
  startedBy: string;
  dryRun: boolean;
  startedAt: string;
  finishedAt: string | null;
}

function triggerOf(run: RunRow): string {
  const t = run.trigger;
  switch (t.kind) {
    case 'alert':
      return `alert ${String(t.alertId ?? '')}`;
    case 'case':
      return `case ${String(t.event ?? '')}`;
    case 'schedule':
      return `schedule ${String(t.expression ?? '')}`;
    case 'manual':
      return `manual, by ${String(t.by ?? run.startedBy)}`;
    case 'subrun':
      return `from run ${String(t.parentRunId ?? '')}`;
    default:
      return t.kind;
  }
}

/** The playbook's runs, newest first (GET /api/v1/runs?playbookId=…), refreshed as runs change. */
export function RunsTab({ playbookId }: { playbookId: string }) {
  const [pages, setPages] = useState<string[]>([]);
  const first = useAsync(
    () => api.get<Page<RunRow>>('/api/v1/runs', { playbookId, limit: 50 }),
    [playbookId],
  );
  const [more, setMore] = useState<RunRow[]>([]);
  const [next, setNext] = useState<string | null | undefined>(undefined);
  useLive(['run.changed'], (event) => {
    if (event.data.playbookId === playbookId || event.data.playbookId === undefined) first.reload();
  });
  if (first.error) return <ErrorBox error={first.error} />;
  if (!first.data) return <Loading what="runs" />;
  const rows = [...first.data.items, ...more];
  const cursor = next === undefined ? first.data.nextCursor : next;
  const loadMore = async () => {
    if (!cursor || pages.includes(cursor)) return;
    setPages((p) => [...p, cursor]);
    const page = await api.get<Page<RunRow>>('/api/v1/runs', { playbookId, limit: 50, cursor });
    setMore((m) => [...m, ...page.items]);
    setNext(page.nextCursor);
  };
  if (rows.length === 0) return <p className="muted">This playbook has not run yet.</p>;
  return (
    <div className="stack">
      <table>
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Status</th>
            <th scope="col">Trigger</th>
            <th scope="col">Version</th>
            <th scope="col">Started</th>
            <th scope="col">Duration</th>
            <th scope="col">Case</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((run) => (
            <tr key={run.id}>
              <td className="mono small">
                {run.id}
                {run.dryRun && <span className="badge state-info"> dry run</span>}
              </td>
              <td>
                <Status value={run.status} />
              </td>
              <td>{triggerOf(run)}</td>
              <td>{run.playbookVersion}</td>
              <td>
                <Time value={run.startedAt} />
              </td>
              <td>
                {run.finishedAt ? duration(Date.parse(run.finishedAt) - Date.parse(run.startedAt)) : '—'}
              </td>
              <td>{run.caseId ? <Link to={`/cases/${run.caseId}`}>{run.caseId}</Link> : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {cursor && (
        <button type="button" onClick={loadMore}>
          Load older runs
        </button>
      )}
    </div>
  );
}

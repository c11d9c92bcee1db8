import { useState } from 'react';
import { api } from '../../api.ts';
import { ErrorBox, Loading, Status, duration, useAsync } from '../../components/ui.tsx';

interface Spread {
  p50: number | null;
  p95: number | null;
  max: number | null;
}

interface StepMetrics {
  stepId: string;
  kind: string;
  executions: number;
  succeeded: number;
  failed: number;
  failureRate: number | null;
  retried: number;
  durationMs: Spread;
  outcomes?: Record<string, number>;
  neverChanges?: string;
}

interface PlaybookMetrics {
  window: string;
  runs: { total: number; byStatus: Record<string, number>; successRate: number | null; sampled: number };
  durationMs: Spread;
  waitingMs: { tasks: Spread & { count: number }; approvals: Spread & { count: number } };
  timeSaved: { perRunMs: number | null; runs: number; totalMs: number | null };
  steps: StepMetrics[];
}

const WINDOWS = [
  ['24h', 'Last 24 hours'],
  ['7d', 'Last 7 days'],
  ['30d', 'Last 30 days'],
  ['90d', 'Last 90 days'],
] as const;

const percent = (value: number | null) => (value === null ? '—' : `${Math.round(value * 1000) / 10} %`);
const spreadText = (s: Spread) => (s.p50 === null ? '—' : `${duration(s.p50)} / ${duration(s.p95)}`);

/** How the playbook behaves in production (GET /api/v1/playbooks/{id}/metrics): runs, steps, waiting, time saved. */
export function MetricsTab({ playbookId }: { playbookId: string }) {
  const [window, setWindow] = useState('7d');
  const metrics = useAsync(
    () => api.get<PlaybookMetrics>(`/api/v1/playbooks/${encodeURIComponent(playbookId)}/metrics`, { window }),
    [playbookId, window],
  );
  const m = metrics.data;
  return (
    <div className="stack">
      <label className="small">
        Period{' '}
        <select value={window} onChange={(event) => setWindow(event.target.value)}>
          {WINDOWS.map(([value, text]) => (
            <option key={value} value={value}>
              {text}
            </option>
          ))}
        </select>
      </label>
      <ErrorBox error={metrics.error} />
      {!m ? (
        !metrics.error && <Loading what="metrics" />
      ) : m.runs.total === 0 ? (
        <p className="notice">No run in this period (dry runs are not counted).</p>
      ) : (
        <>
          <dl className="case-facts" aria-label="Run figures">
            <dt>Runs</dt>
            <dd>
              {m.runs.total} —{' '}
              {Object.entries(m.runs.byStatus).map(([status, n]) => (
                <span key={status}>
                  <Status value={status} /> {n}{' '}
                </span>
              ))}
            </dd>
            <dt>Success rate</dt>
            <dd data-testid="metrics-success">{percent(m.runs.successRate)}</dd>
            <dt>Duration (median / 95th)</dt>
            <dd>{spreadText(m.durationMs)}</dd>
            <dt>Waiting for people</dt>
            <dd>
              tasks {spreadText(m.waitingMs.tasks)} ({m.waitingMs.tasks.count}); approvals{' '}
              {spreadText(m.waitingMs.approvals)} ({m.waitingMs.approvals.count})
            </dd>
            <dt>Analyst time saved</dt>
            <dd data-testid="metrics-time-saved">
              {m.timeSaved.totalMs === null
                ? 'not estimated (set time_saved in the playbook)'
                : `${duration(m.timeSaved.totalMs)} (${duration(m.timeSaved.perRunMs)} × ${m.timeSaved.runs} succeeded runs)`}
            </dd>
          </dl>
          <table aria-label="Step figures">
            <caption className="small muted">
              Steps of the {m.runs.sampled} newest runs: executions, failures, duration (median / 95th), and
              where conditions and people sent the run.
            </caption>
            <thead>
              <tr>
                <th scope="col">Step</th>
                <th scope="col">Kind</th>
                <th scope="col">Executions</th>
                <th scope="col">Failure rate</th>
                <th scope="col">Retried</th>
                <th scope="col">Duration</th>
                <th scope="col">Outcomes</th>
              </tr>
            </thead>
            <tbody>
              {m.steps.map((s) => (
                <tr key={s.stepId}>
                  <td className="mono">{s.stepId}</td>
                  <td>{s.kind}</td>
                  <td>{s.executions}</td>
                  <td className={s.failureRate ? 'state-warn' : undefined}>{percent(s.failureRate)}</td>
                  <td>{s.retried}</td>
                  <td>{spreadText(s.durationMs)}</td>
                  <td className="small">
                    {s.outcomes &&
                      Object.entries(s.outcomes)
                        .map(([outcome, n]) => `${outcome} ${n}`)
                        .join(', ')}
                    {s.neverChanges && (
                      <div className="badge state-info" title="Never changes the outcome">
                        {s.neverChanges}
                      </div>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}

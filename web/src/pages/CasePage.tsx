import { useCallback, useEffect, useRef, useState } from 'react';
import { api, type Page } from '../api.ts';
import { ErrorBox, Loading, Severity, Status, useAsync } from '../components/ui.tsx';
import { useLive } from '../live.ts';
import { Link } from '../router.tsx';
import type { CaseDetail, LedgerEntry, Person, RunSummary, TaskItem } from './case/case-types.ts';
import { CaseActions } from './case/CaseActions.tsx';
import { CaseAttachments } from './case/CaseAttachments.tsx';
import { CaseComments } from './case/CaseComments.tsx';
import { CaseAlerts, CaseObservables } from './case/CaseEvidence.tsx';
import { CaseRelated } from './case/CaseRelated.tsx';
import { CaseRuns } from './case/CaseRuns.tsx';
import { CaseSummary } from './case/CaseSummary.tsx';
import { CaseTasks } from './case/CaseTasks.tsx';
import { CaseTimeline } from './case/CaseTimeline.tsx';

type Part = 'case' | 'runs' | 'tasks' | 'actions' | 'timeline';
const ALL: Part[] = ['case', 'runs', 'tasks', 'actions', 'timeline'];
const LIVE = ['case.changed', 'run.changed', 'task.changed', 'response.changed', 'alert.created'];
const BUSY_RUN = new Set(['queued', 'running']);
/** The incident report's formats (GET /api/v1/cases/{id}/report; PDF needs Chromium on the server). */
const REPORT_FORMATS = [
  ['markdown', 'Markdown'],
  ['html', 'HTML'],
  ['pdf', 'PDF'],
] as const;

export function CasePage({ id }: { id: string }) {
  const path = encodeURIComponent(id);
  const [ticks, setTicks] = useState<Record<Part, number>>({
    case: 0,
    runs: 0,
    tasks: 0,
    actions: 0,
    timeline: 0,
  });
  const bump = useCallback(
    (...parts: Part[]) =>
      setTicks((t) => {
        const next = { ...t };
        for (const p of parts) next[p]++;
        return next;
      }),
    [],
  );
  const refreshAll = useCallback(() => bump(...ALL), [bump]);

  const kase = useAsync(() => api.get<CaseDetail>(`/api/v1/cases/${path}`), [path, ticks.case]);
  const people = useAsync(() => api.get<{ items: Person[] }>('/api/v1/people'), []);
  const runs = useAsync(
    () => api.get<Page<RunSummary>>('/api/v1/runs', { caseId: id, limit: 100 }),
    [id, ticks.runs],
  );
  const tasks = useAsync(async () => {
    const [t, a] = await Promise.all([
      api.get<Page<TaskItem>>('/api/v1/tasks', { caseId: id, mine: 'false' }),
      api.get<Page<TaskItem>>('/api/v1/approvals', { caseId: id, mine: 'false' }),
    ]);
    return [...t.items, ...a.items].sort((x, y) => (x.id < y.id ? 1 : -1));
  }, [id, ticks.tasks]);
  const actions = useAsync(
    () => api.get<{ items: LedgerEntry[] }>(`/api/v1/cases/${path}/actions`),
    [path, ticks.actions],
  );

  // Live events name the case, or a run of it (an alert's run may not carry the case id).
  const runIds = useRef(new Set<string>());
  runIds.current = new Set((runs.data?.items ?? []).map((r) => r.id));
  useLive(LIVE, ({ type, data }) => {
    const run = typeof data.runId === 'string' ? data.runId : type === 'run.changed' ? String(data.id) : null;
    const ours =
      data.caseId === id ||
      (type === 'case.changed' && data.id === id) ||
      (run !== null && runIds.current.has(run));
    if (!ours) return;
    if (type === 'case.changed') bump('case', 'timeline');
    else if (type === 'alert.created') bump('case', 'runs');
    else if (type === 'run.changed') bump('runs', 'timeline');
    else if (type === 'task.changed') bump('tasks', 'runs', 'timeline');
    else bump('actions', 'timeline');
  });
  // Until the live stream tells it, a run that is moving is looked at again shortly.
  const moving = (runs.data?.items ?? []).some((r) => BUSY_RUN.has(r.status));
  useEffect(() => {
    if (!moving) return;
    const timer = setTimeout(() => bump('runs', 'tasks', 'actions'), 1500);
    return () => clearTimeout(timer);
  }, [moving, ticks.runs, bump]);

  if (kase.error && !kase.data)
    return (
      <div>
        <h1>Case</h1>
        <ErrorBox error={kase.error} />
        <Link to="/cases">Back to the cases</Link>
      </div>
    );
  if (!kase.data) return <Loading what="the case" />;
  const c = kase.data;
  return (
    <div className="case-view">
      <p className="small">
        <Link to="/cases">← Cases</Link>
      </p>
      <h1>
        <Severity value={c.severity} /> {c.title} <Status value={c.status} />
      </h1>
      <p className="muted small">
        <span className="mono">{c.id}</span> · Incident report:{' '}
        {REPORT_FORMATS.map(([format, name], i) => (
          <span key={format}>
            {i > 0 && ' · '}
            <a href={`/api/v1/cases/${path}/report?format=${format}`} download>
              {name}
            </a>
          </span>
        ))}
      </p>
      <ErrorBox error={kase.error} />
      <div className="cols">
        <div className="stack">
          {tasks.data ? (
            <CaseTasks tasks={tasks.data} onChanged={refreshAll} />
          ) : (
            <ErrorBox error={tasks.error} />
          )}
          {runs.data ? (
            <CaseRuns runs={runs.data.items} refresh={ticks.runs} onChanged={refreshAll} />
          ) : (
            <ErrorBox error={runs.error} />
          )}
          <CaseAlerts kase={c} />
          <CaseObservables kase={c} />
          <CaseComments
            caseId={c.id}
            comments={c.comments}
            count={c.commentCount}
            olderCursor={c.olderCommentsCursor}
            people={people.data?.items ?? []}
            onChanged={refreshAll}
          />
        </div>
        <div className="stack">
          <CaseSummary kase={c} people={people.data?.items ?? []} onChanged={refreshAll} />
          <CaseRelated caseId={c.id} refresh={ticks.case} />
          <CaseAttachments caseId={c.id} refresh={ticks.case} />
          {actions.data ? (
            <CaseActions caseId={c.id} entries={actions.data.items} onChanged={refreshAll} />
          ) : (
            <ErrorBox error={actions.error} />
          )}
          <CaseTimeline caseId={c.id} refresh={ticks.timeline} />
        </div>
      </div>
    </div>
  );
}

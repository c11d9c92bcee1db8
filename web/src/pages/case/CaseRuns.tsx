import { useState } from 'react';
import { api } from '../../api.ts';
import { PlanGraph, type PlanGraphData, type StepState as GraphState } from '../../components/PlanGraph.tsx';
import { ErrorBox, Loading, Status, Time, duration, useAction, useAsync } from '../../components/ui.tsx';
import { useSession } from '../../session.tsx';
import type { RunDetail, RunSummary, StepState } from './case-types.ts';

const ACTIVE = new Set(['queued', 'running', 'waiting']);
// When iterations of one step differ, the node shows the one that most needs attention.
const WEIGHT: Record<string, number> = {
  failed: 6,
  running: 5,
  retrying: 5,
  waiting: 4,
  pending: 3,
  cancelled: 2,
  succeeded: 1,
  skipped: 0,
};

function took(step: { startedAt?: string; finishedAt?: string }): number | null {
  if (!step.startedAt || !step.finishedAt) return null;
  return Date.parse(step.finishedAt) - Date.parse(step.startedAt);
}

/** Step states by graph node: a step inside a loop has one state per iteration. */
export function graphStates(steps: StepState[]): Record<string, GraphState> {
  const states: Record<string, GraphState> = {};
  for (const step of steps) {
    const current = states[step.stepId];
    if (current && (WEIGHT[current.status] ?? 0) >= (WEIGHT[step.status] ?? 0)) continue;
    const ms = took(step);
    states[step.stepId] = {
      status: step.status,
      ...(step.error ? { note: step.error.message } : ms !== null ? { note: duration(ms) } : {}),
    };
  }
  return states;
}

/** The case's playbook runs; the selected one drawn as its pinned version's graph with step states. */
export function CaseRuns({
  runs,
  refresh,
  onChanged,
}: {
  runs: RunSummary[];
  refresh: number;
  onChanged: () => void;
}) {
  const [chosen, setChosen] = useState<string | null>(null);
  const selected = runs.find((r) => r.id === chosen) ?? runs[0] ?? null;
  return (
    <section className="panel" aria-label="Playbook runs">
      <h2>Playbook runs</h2>
      {runs.length === 0 ? (
        <p className="muted">No playbook has run for this case.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Playbook</th>
              <th scope="col">Status</th>
              <th scope="col">Started</th>
              <th scope="col">Took</th>
              <th scope="col">Show</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((r) => (
              <tr key={r.id} className={r.id === selected?.id ? 'selected' : undefined}>
                <td>
                  {r.playbookId} <span className="muted small">v{r.playbookVersion}</span>
                  {r.dryRun && <span className="badge">dry run</span>}
                </td>
                <td>
                  <Status value={r.status} />
                </td>
                <td>
                  <Time value={r.startedAt} />
                </td>
                <td>{r.finishedAt ? duration(Date.parse(r.finishedAt) - Date.parse(r.startedAt)) : '—'}</td>
                <td>
                  <button
                    type="button"
                    aria-pressed={r.id === selected?.id}
                    aria-label={`Show run of ${r.playbookId} started ${new Date(r.startedAt).toLocaleString()}`}
                    onClick={() => setChosen(r.id)}
                  >
                    Show
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {selected && <RunView key={selected.id} summary={selected} refresh={refresh} onChanged={onChanged} />}
    </section>
  );
}

function RunView({
  summary,
  refresh,
  onChanged,
}: {
  summary: RunSummary;
  refresh: number;
  onChanged: () => void;
}) {
  const session = useSession();
  const run = useAsync(
    () => api.get<RunDetail>(`/api/v1/runs/${encodeURIComponent(summary.id)}`),
    [summary.id, summary.status, refresh],
  );
  const version = useAsync(
    () =>
      api.get<{ graph: PlanGraphData | null }>(
        `/api/v1/playbooks/${encodeURIComponent(summary.playbookId)}/versions/${summary.playbookVersion}`,
      ),
    [summary.playbookId, summary.playbookVersion],
  );
  const [step, setStep] = useState<string | null>(null);
  const action = useAction();
  const act = (what: 'cancel' | 'retry') =>
    action.run(async () => {
      await api.post(`/api/v1/runs/${encodeURIComponent(summary.id)}/${what}`, {});
      onChanged();
    });
  const detail = run.data;
  return (
    <div className="stack run-view">
      <div className="row spread">
        <h3>
          Run of {summary.playbookId} v{summary.playbookVersion}{' '}
          <span data-testid="run-status">
            <Status value={detail?.status ?? summary.status} />
          </span>
        </h3>
        {session.can('runPlaybooks') && (
          <div className="row">
            {ACTIVE.has(detail?.status ?? summary.status) && (
              <button
                type="button"
                className="danger"
                disabled={action.busy}
                onClick={() => void act('cancel')}
              >
                Cancel run
              </button>
            )}
            {(detail?.status ?? summary.status) === 'failed' && (
              <button type="button" disabled={action.busy} onClick={() => void act('retry')}>
                Retry run
              </button>
            )}
          </div>
        )}
      </div>
      <ErrorBox error={action.error ?? run.error ?? version.error} />
      {detail?.error && (
        <div className="error" role="alert">
          {detail.error.kind}: {detail.error.message}
        </div>
      )}
      {version.data && detail ? (
        version.data.graph ? (
          <>
            <PlanGraph
              graph={version.data.graph}
              states={graphStates(detail.steps)}
              selected={step}
              onSelect={setStep}
              label={`Graph of ${summary.playbookId} v${summary.playbookVersion}; choose a step for its details`}
            />
            <p className="muted small">
              Choose a step (click, or Tab then Enter) for its state, inputs and outputs.
            </p>
          </>
        ) : (
          <p className="notice">This version no longer compiles, so it cannot be drawn.</p>
        )
      ) : (
        <Loading what="the run" />
      )}
      {step && detail && <StepDetails stepId={step} steps={detail.steps.filter((s) => s.stepId === step)} />}
    </div>
  );
}

function Json({ value }: { value: unknown }) {
  if (value === undefined) return <span className="muted">—</span>;
  return <pre>{JSON.stringify(value, null, 2)}</pre>;
}

function StepDetails({ stepId, steps }: { stepId: string; steps: StepState[] }) {
  return (
    <section className="step-details" aria-label={`Step ${stepId}`}>
      <h3>Step {stepId}</h3>
      {steps.length === 0 && <p className="muted">This step has not run.</p>}
      {steps.map((s) => (
        <div key={s.key} className="stack">
          {steps.length > 1 && <h4 className="mono">{s.key}</h4>}
          <dl className="case-facts">
            <dt>State</dt>
            <dd>
              <Status value={s.status} />
            </dd>
            <dt>Attempt</dt>
            <dd>{s.attempt}</dd>
            <dt>Started</dt>
            <dd>{s.startedAt ? new Date(s.startedAt).toLocaleString() : '—'}</dd>
            <dt>Finished</dt>
            <dd>{s.finishedAt ? new Date(s.finishedAt).toLocaleString() : '—'}</dd>
            <dt>Took</dt>
            <dd>{duration(took(s))}</dd>
            {s.timerAt && (
              <>
                <dt>Next timer</dt>
                <dd>{new Date(s.timerAt).toLocaleString()}</dd>
              </>
            )}
          </dl>
          {s.error && (
            <div className="error" role="alert">
              {s.error.kind}: {s.error.message}
            </div>
          )}
          <div className="grid">
            <div>
              <h4>Inputs</h4>
              <Json value={s.input} />
            </div>
            <div>
              <h4>Outputs</h4>
              <Json value={s.output} />
            </div>
          </div>
          {s.attempts && s.attempts.length > 0 && (
            <>
              <h4>Failed attempts</h4>
              <ul>
                {s.attempts.map((a) => (
                  <li key={a.attempt}>
                    attempt {a.attempt} at {new Date(a.at).toLocaleString()}: {a.error.kind} —{' '}
                    {a.error.message}
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      ))}
    </section>
  );
}

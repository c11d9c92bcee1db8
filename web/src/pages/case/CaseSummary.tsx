import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../../api.ts';
import { ErrorBox, Severity, Status, Time, useAction } from '../../components/ui.tsx';
import { Link } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import {
  CASE_SEVERITIES,
  RESOLUTIONS,
  label,
  type CaseDetail,
  type Person,
  type SlaClock,
} from './case-types.ts';
import { CaseMerge } from './CaseMerge.tsx';
import { PriorityScore } from './PriorityScore.tsx';
import { SlaBadge } from './SlaBadge.tsx';

function Clock({ name, clock }: { name: string; clock: SlaClock }) {
  return (
    <span className="small">
      {name}: <Status value={clock.state} /> due <Time value={clock.dueAt} />
      {clock.doneAt && (
        <>
          , done <Time value={clock.doneAt} />
        </>
      )}
    </span>
  );
}

/**
 * What the case is, and the edits a role allows: assign, severity, tags, close with a resolution,
 * merge into another case, reopen.
 */
export function CaseSummary({
  kase,
  people,
  onChanged,
}: {
  kase: CaseDetail;
  people: Person[];
  onChanged: () => void;
}) {
  const session = useSession();
  const canTriage = session.can('triage');
  const action = useAction();
  const me = session.principal.kind === 'user' ? session.principal.name : null;
  const patch = (body: Record<string, unknown>) =>
    action.run(async () => {
      await api.patch(`/api/v1/cases/${encodeURIComponent(kase.id)}`, body);
      onChanged();
    });
  const [tags, setTags] = useState(kase.tags.join(', '));
  useEffect(() => setTags(kase.tags.join(', ')), [kase.tags]);
  const [resolution, setResolution] = useState('');
  const [note, setNote] = useState('');
  const assignable = people.filter((p) => p.role !== 'viewer');
  if (kase.assignee && !assignable.some((p) => p.username === kase.assignee))
    assignable.push({ username: kase.assignee, role: '' });

  const close = (event: FormEvent) => {
    event.preventDefault();
    void patch({ status: 'closed', resolution, resolutionNote: note.trim() === '' ? null : note });
  };

  return (
    <section className="panel" aria-label="Summary">
      <h2>Summary</h2>
      <dl className="case-facts">
        <dt>Status</dt>
        <dd>
          <Status value={kase.status} />
          {kase.resolution && <> {label(kase.resolution)}</>}
        </dd>
        <dt>Severity</dt>
        <dd>
          <Severity value={kase.severity} />
        </dd>
        <dt>Priority</dt>
        <dd>
          <PriorityScore priority={kase.priority} factors={kase.priorityFactors} />
        </dd>
        <dt>Assignee</dt>
        <dd data-testid="case-assignee">{kase.assignee ?? <span className="muted">unassigned</span>}</dd>
        <dt>SLA</dt>
        <dd>
          <SlaBadge sla={kase.sla} detail={false} />
          {kase.sla && (
            <div className="stack">
              <Clock name="Acknowledge" clock={kase.sla.acknowledge} />
              {kase.sla.contain && <Clock name="Contain" clock={kase.sla.contain} />}
              <Clock name="Resolve" clock={kase.sla.resolve} />
            </div>
          )}
        </dd>
        <dt>Contained</dt>
        <dd data-testid="case-contained">
          {kase.containedAt ? <Time value={kase.containedAt} /> : <span className="muted">not yet</span>}
          {canTriage && kase.status === 'open' && (
            <>
              {' '}
              <button
                type="button"
                className="small"
                disabled={action.busy}
                onClick={() => void patch({ contained: kase.containedAt === null })}
              >
                {kase.containedAt === null ? 'Mark contained' : 'Not contained'}
              </button>
            </>
          )}
        </dd>
        <dt>Tags</dt>
        <dd>
          {kase.tags.length === 0 && <span className="muted">none</span>}
          {kase.tags.map((t) => (
            <span key={t} className="badge tag">
              {t}
            </span>
          ))}
        </dd>
        <dt>Opened</dt>
        <dd>
          <Time value={kase.createdAt} /> · last alert <Time value={kase.lastAlertAt} /> · {kase.alertCount}{' '}
          alert
          {kase.alertCount === 1 ? '' : 's'}
        </dd>
        {kase.status === 'closed' && (
          <>
            <dt>Resolution</dt>
            <dd data-testid="case-resolution">
              {kase.resolution ? label(kase.resolution) : '—'} · closed <Time value={kase.closedAt} />
              {kase.resolutionNote && <p className="note">{kase.resolutionNote}</p>}
            </dd>
          </>
        )}
        {kase.mergedInto && (
          <>
            <dt>Merged into</dt>
            <dd data-testid="case-merged-into">
              <Link to={`/cases/${encodeURIComponent(kase.mergedInto)}`} className="mono">
                {kase.mergedInto}
              </Link>
            </dd>
          </>
        )}
        {kase.mergedCases.length > 0 && (
          <>
            <dt>Merged from</dt>
            <dd data-testid="case-merged-from">
              {kase.mergedCases.map((m) => (
                <div key={m.id}>
                  <Link to={`/cases/${encodeURIComponent(m.id)}`}>{m.title}</Link>{' '}
                  <span className="muted small">
                    <Time value={m.closedAt} />
                  </span>
                </div>
              ))}
            </dd>
          </>
        )}
      </dl>
      {kase.description && <p className="muted">{kase.description}</p>}
      <ErrorBox error={action.error} />
      {canTriage && (
        <div className="stack case-edits">
          <div className="row">
            <label>
              Assignee
              <select
                value={kase.assignee ?? ''}
                disabled={action.busy}
                onChange={(e) => void patch({ assignee: e.target.value === '' ? null : e.target.value })}
              >
                <option value="">Unassigned</option>
                {assignable.map((p) => (
                  <option key={p.username} value={p.username}>
                    {p.username}
                  </option>
                ))}
              </select>
            </label>
            {me && kase.assignee !== me && (
              <button type="button" disabled={action.busy} onClick={() => void patch({ assignee: me })}>
                Assign to me
              </button>
            )}
            <label>
              Severity
              <select
                value={kase.severity}
                disabled={action.busy}
                onChange={(e) => void patch({ severity: e.target.value })}
              >
                {CASE_SEVERITIES.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <form
            className="row"
            aria-label="Tags"
            onSubmit={(event) => {
              event.preventDefault();
              void patch({
                tags: tags
                  .split(/[,\s]+/)
                  .map((t) => t.trim())
                  .filter((t) => t !== ''),
              });
            }}
          >
            <label>
              Tags (comma-separated)
              <input value={tags} onChange={(e) => setTags(e.target.value)} />
            </label>
            <button type="submit" disabled={action.busy}>
              Save tags
            </button>
          </form>
          {kase.status === 'open' ? (
            <>
              <form className="stack" aria-label="Close the case" onSubmit={close}>
                <fieldset className="stack">
                  <legend>Close the case</legend>
                  <label>
                    Resolution
                    <select value={resolution} required onChange={(e) => setResolution(e.target.value)}>
                      <option value="">Choose…</option>
                      {RESOLUTIONS.map((r) => (
                        <option key={r} value={r}>
                          {label(r)}
                        </option>
                      ))}
                    </select>
                  </label>
                  <label>
                    Resolution note
                    <textarea value={note} onChange={(e) => setNote(e.target.value)} maxLength={10_000} />
                  </label>
                  <div>
                    <button type="submit" className="primary" disabled={action.busy || resolution === ''}>
                      Close case
                    </button>
                  </div>
                </fieldset>
              </form>
              <CaseMerge kase={kase} />
            </>
          ) : (
            <div>
              <button type="button" disabled={action.busy} onClick={() => void patch({ status: 'open' })}>
                Reopen case
              </button>
            </div>
          )}
        </div>
      )}
    </section>
  );
}

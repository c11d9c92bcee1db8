import { useEffect, useId, useState, type FormEvent } from 'react';
import { api, type Page } from '../api.ts';
import { ErrorBox, Loading, Panel, Status, Time, useAction, useAsync } from '../components/ui.tsx';
import { useLive } from '../live.ts';
import { Link, setSearch, useLocation } from '../router.tsx';
import { useSession } from '../session.tsx';

interface Decision {
  by: string;
  decision: 'answer' | 'approve' | 'deny';
  reason: string | null;
  at: string;
}

interface FormField {
  id: string;
  label: string;
  type: 'string' | 'text' | 'number' | 'boolean' | 'choice';
  required: boolean;
  options?: string[];
}

/** GET /api/v1/approvals and /api/v1/tasks items. */
export interface TaskItem {
  id: string;
  kind: 'task' | 'approval';
  status: string;
  title: string;
  description: string | null;
  runId: string;
  stepKey: string;
  assignee: { role?: string; user?: string };
  spec: { choices?: string[] | null; form?: FormField[] | null; separationOfDuties?: boolean };
  decisions: Decision[];
  outcome: string | null;
  escalated: boolean;
  createdAt: string;
  expiresAt: string | null;
  completedAt: string | null;
  playbook: { id: string; name: string | null; version: number | null };
  run: { id: string; status: string | null; startedBy: string | null };
  case: { id: string; title: string; status: string; severity: string } | null;
  guards: { action: string; effect: string | null; target: { type: string; value: string } | null } | null;
  requiredBy:
    | { kind: 'policy'; policy: string; ruleId: string | null }
    | { kind: 'step'; playbookId: string; stepKey: string };
  quorum: { required: number; approvals: number } | null;
}

const STATUSES = ['open', 'completed', 'expired', 'cancelled'];

/** The approvals inbox: what waits for me or my role, with everything needed to decide it here. */
export function ApprovalsPage() {
  const { search } = useLocation();
  const status = search.get('status') ?? 'open';
  const approvals = useAsync(() => api.get<Page<TaskItem>>('/api/v1/approvals', { status }), [status]);
  const tasks = useAsync(() => api.get<Page<TaskItem>>('/api/v1/tasks', { status }), [status]);
  useLive(['task.changed'], () => {
    approvals.reload();
    tasks.reload();
  });
  const reload = () => {
    approvals.reload();
    tasks.reload();
  };
  return (
    <div>
      <div className="row spread">
        <h1>Approvals and tasks</h1>
        <label className="inline">
          Show
          <select value={status} onChange={(e) => setSearch({ status: e.target.value })}>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </div>
      <p className="muted small">
        {status === 'open'
          ? 'Waiting for you or your role.'
          : `${status[0]!.toUpperCase()}${status.slice(1)}.`}{' '}
        Updated live.
      </p>
      <Inbox
        title="Approvals"
        path="/api/v1/approvals"
        status={status}
        result={approvals}
        onChanged={reload}
        empty="No approvals."
      />
      <Inbox
        title="Tasks"
        path="/api/v1/tasks"
        status={status}
        result={tasks}
        onChanged={reload}
        empty="No tasks."
      />
    </div>
  );
}

function Inbox({
  title,
  path,
  status,
  result,
  onChanged,
  empty,
}: {
  title: string;
  path: string;
  status: string;
  result: { data: Page<TaskItem> | undefined; error: string | null; loading: boolean };
  onChanged: () => void;
  empty: string;
}) {
  // Older pages, fetched on demand; a reload of the first page starts again.
  const [more, setMore] = useState<Page<TaskItem> | null>(null);
  useEffect(() => setMore(null), [result.data]);
  const action = useAction();
  const items = [...(result.data?.items ?? []), ...(more?.items ?? [])];
  const cursor = more ? more.nextCursor : (result.data?.nextCursor ?? null);
  const loadMore = () =>
    action.run(async () => {
      const page = await api.get<Page<TaskItem>>(path, { status, cursor });
      setMore((m) => ({ items: [...(m?.items ?? []), ...page.items], nextCursor: page.nextCursor }));
    });
  return (
    <Panel title={`${title}${result.data ? ` (${items.length}${cursor ? '+' : ''})` : ''}`}>
      <ErrorBox error={result.error ?? action.error} />
      {!result.data && result.loading && <Loading what={title.toLowerCase()} />}
      {result.data && items.length === 0 && <p className="muted">{empty}</p>}
      <div className="stack">
        {items.map((item) => (
          <TaskCard key={item.id} item={item} onChanged={onChanged} />
        ))}
      </div>
      {cursor && (
        <button onClick={loadMore} disabled={action.busy}>
          Show older {title.toLowerCase()}
        </button>
      )}
    </Panel>
  );
}

export function TaskCard({ item, onChanged }: { item: TaskItem; onChanged: () => void }) {
  const headingId = useId();
  const { can } = useSession();
  return (
    <article className="panel" aria-labelledby={headingId}>
      <div className="row spread">
        <h3 id={headingId}>{item.title}</h3>
        <Status value={item.outcome ?? item.status} />
      </div>
      {item.description && <p>{item.description}</p>}
      <dl className="facts">
        <dt>Playbook</dt>
        <dd>
          <Link to={`/playbooks/${encodeURIComponent(item.playbook.id)}`}>
            {item.playbook.name ?? item.playbook.id}
          </Link>
          {item.playbook.version !== null && <span className="muted"> v{item.playbook.version}</span>} · step{' '}
          <code>{item.stepKey}</code> · run <code>{item.runId}</code>
          {item.run.startedBy && <span className="muted"> started by {item.run.startedBy}</span>}
        </dd>
        <dt>Case</dt>
        <dd>
          {item.case ? (
            <Link to={`/cases/${encodeURIComponent(item.case.id)}`}>{item.case.title}</Link>
          ) : (
            <span className="muted">none</span>
          )}
        </dd>
        {item.guards && (
          <>
            <dt>Action</dt>
            <dd>
              <code>{item.guards.action}</code>
              {item.guards.effect && <span className="muted"> ({item.guards.effect})</span>}
            </dd>
            <dt>Target</dt>
            <dd>
              {item.guards.target ? (
                <>
                  {item.guards.target.type} <strong>{item.guards.target.value}</strong>
                </>
              ) : (
                <span className="muted">not named by the action</span>
              )}
            </dd>
          </>
        )}
        <dt>Required by</dt>
        <dd>
          {item.requiredBy.kind === 'policy' ? (
            <>
              response policy “{item.requiredBy.policy}”
              {item.requiredBy.ruleId && <span className="muted small"> ({item.requiredBy.ruleId})</span>}
            </>
          ) : (
            <>
              the playbook’s {item.kind} step <code>{item.requiredBy.stepKey}</code>
            </>
          )}
        </dd>
        <dt>Assigned to</dt>
        <dd>
          {item.assignee.user ?? `the ${item.assignee.role ?? '—'} role`}
          {item.escalated && <span className="badge state-warn"> escalated</span>}
        </dd>
        <dt>Requested</dt>
        <dd>
          <Time value={item.createdAt} />
        </dd>
        <dt>Expires</dt>
        <dd>
          <Time value={item.expiresAt} />
        </dd>
        {item.quorum && (
          <>
            <dt>Quorum</dt>
            <dd>
              {item.quorum.approvals} of {item.quorum.required} approval
              {item.quorum.required === 1 ? '' : 's'}
              {item.spec.separationOfDuties && (
                <span className="muted small"> · whoever started the run cannot approve</span>
              )}
            </dd>
          </>
        )}
      </dl>
      {item.decisions.length > 0 && (
        <ul className="small">
          {item.decisions.map((d) => (
            <li key={`${d.by}-${d.at}`}>
              {d.by}: {d.decision}
              {d.reason ? ` — “${d.reason}”` : ''} (<Time value={d.at} />)
            </li>
          ))}
        </ul>
      )}
      {item.status === 'open' &&
        can('triage') &&
        (item.kind === 'approval' ? (
          <DecisionForm item={item} onChanged={onChanged} />
        ) : (
          <AnswerForm item={item} onChanged={onChanged} />
        ))}
    </article>
  );
}

function DecisionForm({ item, onChanged }: { item: TaskItem; onChanged: () => void }) {
  const [reason, setReason] = useState('');
  const [missing, setMissing] = useState(false);
  const action = useAction();
  const decide = async (decision: 'approve' | 'deny') => {
    if (reason.trim() === '') {
      setMissing(true);
      return;
    }
    setMissing(false);
    if (
      await action.run(() =>
        api.post(`/api/v1/approvals/${encodeURIComponent(item.id)}/decision`, { decision, reason }),
      )
    )
      onChanged();
  };
  return (
    <div className="stack">
      <label>
        Reason
        <textarea
          value={reason}
          onChange={(e) => {
            setReason(e.target.value);
            if (e.target.value.trim()) setMissing(false);
          }}
          required
          aria-invalid={missing}
          maxLength={2000}
        />
      </label>
      {missing && (
        <div className="error" role="alert">
          A reason is required to approve or deny.
        </div>
      )}
      <ErrorBox error={action.error} />
      <div className="row">
        <button className="primary" disabled={action.busy} onClick={() => decide('approve')}>
          Approve
        </button>
        <button className="danger" disabled={action.busy} onClick={() => decide('deny')}>
          Deny
        </button>
      </div>
    </div>
  );
}

function AnswerForm({ item, onChanged }: { item: TaskItem; onChanged: () => void }) {
  const [choice, setChoice] = useState('');
  const [values, setValues] = useState<Record<string, unknown>>({});
  const [reason, setReason] = useState('');
  const action = useAction();
  const groupId = useId();
  const choices = item.spec.choices ?? null;
  const form = item.spec.form ?? [];
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    // An untouched checkbox is an answer too: false.
    const unchecked = Object.fromEntries(form.filter((f) => f.type === 'boolean').map((f) => [f.id, false]));
    const body = choices
      ? { choice, reason: reason || undefined }
      : { values: { ...unchecked, ...values }, reason: reason || undefined };
    if (await action.run(() => api.post(`/api/v1/tasks/${encodeURIComponent(item.id)}/answer`, body)))
      onChanged();
  };
  const set = (id: string, value: unknown) => setValues((v) => ({ ...v, [id]: value }));
  return (
    <form className="stack" onSubmit={submit} aria-label={`Answer: ${item.title}`}>
      {choices ? (
        <fieldset role="radiogroup" aria-labelledby={groupId}>
          <legend id={groupId}>Answer</legend>
          {choices.map((c) => (
            <label key={c} className="inline">
              <input
                type="radio"
                name={`choice-${item.id}`}
                value={c}
                checked={choice === c}
                onChange={() => setChoice(c)}
                required
              />
              {c}
            </label>
          ))}
        </fieldset>
      ) : (
        form.map((field) => <FieldInput key={field.id} field={field} value={values[field.id]} set={set} />)
      )}
      <label>
        Reason (optional)
        <textarea value={reason} onChange={(e) => setReason(e.target.value)} maxLength={2000} />
      </label>
      <ErrorBox error={action.error} />
      <div>
        <button className="primary" type="submit" disabled={action.busy}>
          Submit answer
        </button>
      </div>
    </form>
  );
}

function FieldInput({
  field,
  value,
  set,
}: {
  field: FormField;
  value: unknown;
  set: (id: string, value: unknown) => void;
}) {
  const label = `${field.label}${field.required ? '' : ' (optional)'}`;
  switch (field.type) {
    case 'boolean':
      return (
        <label className="inline">
          <input type="checkbox" checked={value === true} onChange={(e) => set(field.id, e.target.checked)} />
          {label}
        </label>
      );
    case 'number':
      return (
        <label>
          {label}
          <input
            type="number"
            required={field.required}
            value={typeof value === 'number' ? value : ''}
            onChange={(e) => set(field.id, e.target.value === '' ? undefined : Number(e.target.value))}
          />
        </label>
      );
    case 'choice':
      return (
        <label>
          {label}
          <select
            required={field.required}
            value={typeof value === 'string' ? value : ''}
            onChange={(e) => set(field.id, e.target.value || undefined)}
          >
            <option value="">—</option>
            {(field.options ?? []).map((o) => (
              <option key={o}>{o}</option>
            ))}
          </select>
        </label>
      );
    case 'text':
      return (
        <label>
          {label}
          <textarea
            required={field.required}
            value={typeof value === 'string' ? value : ''}
            onChange={(e) => set(field.id, e.target.value)}
          />
        </label>
      );
    default:
      return (
        <label>
          {label}
          <input
            required={field.required}
            value={typeof value === 'string' ? value : ''}
            onChange={(e) => set(field.id, e.target.value)}
          />
        </label>
      );
  }
}

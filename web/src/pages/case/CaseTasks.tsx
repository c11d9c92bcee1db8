import { useState, type FormEvent } from 'react';
import { api } from '../../api.ts';
import { ErrorBox, Status, Time, useAction } from '../../components/ui.tsx';
import { useSession, type Principal } from '../../session.tsx';
import type { FormField, TaskItem } from './case-types.ts';

const ROLES = ['admin', 'manager', 'analyst', 'viewer'];

/** The server's rule (src/runs/task-service.ts mayAct): a named user, or a role at least as privileged. */
function mayAct(principal: Principal, task: TaskItem): boolean {
  if (principal.role === 'admin') return true;
  if (task.assignee.user) return task.assignee.user === principal.name;
  const need = ROLES.indexOf(task.assignee.role ?? '');
  return need >= 0 && ROLES.indexOf(principal.role) <= need;
}

function who(task: TaskItem): string {
  return task.assignee.user ?? (task.assignee.role ? `any ${task.assignee.role}` : 'anyone');
}

/** Manual tasks and approvals of the case's runs: the open ones to answer or decide, then the rest. */
export function CaseTasks({ tasks, onChanged }: { tasks: TaskItem[]; onChanged: () => void }) {
  const session = useSession();
  const open = tasks.filter((t) => t.status === 'open');
  const done = tasks.filter((t) => t.status !== 'open');
  return (
    <section className="panel" aria-label="Tasks and approvals">
      <h2>Tasks and approvals</h2>
      {open.length === 0 && <p className="muted">Nothing is waiting for a person.</p>}
      {open.map((t) => (
        <article
          key={t.id}
          className="task"
          aria-label={`${t.kind === 'approval' ? 'Approval' : 'Task'}: ${t.title}`}
        >
          <h3>
            {t.kind === 'approval' ? 'Approval' : 'Task'}: {t.title}
          </h3>
          <p className="muted small">
            {t.playbookId} · step {t.stepKey} · for {who(t)} · opened <Time value={t.createdAt} />
            {t.expiresAt && (
              <>
                {' '}
                · expires <Time value={t.expiresAt} />
              </>
            )}
          </p>
          {t.description && <p>{t.description}</p>}
          {session.can('triage') && mayAct(session.principal, t) ? (
            t.kind === 'approval' ? (
              <ApprovalForm task={t} onDone={onChanged} />
            ) : (
              <AnswerForm task={t} onDone={onChanged} />
            )
          ) : (
            <p className="muted small">Waiting for {who(t)}.</p>
          )}
        </article>
      ))}
      {done.length > 0 && (
        <>
          <h3>Done</h3>
          <ul className="plain">
            {done.map((t) => (
              <li key={t.id}>
                <Status value={t.status} /> {t.title}
                {t.outcome && <span className="muted"> — {t.outcome}</span>}
                {t.decisions.map((d, i) => (
                  <span key={i} className="muted small">
                    {' '}
                    · {d.decision} by {d.by}
                    {d.reason ? ` (${d.reason})` : ''}
                  </span>
                ))}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function AnswerForm({ task, onDone }: { task: TaskItem; onDone: () => void }) {
  const action = useAction();
  const [reason, setReason] = useState('');
  const [values, setValues] = useState<Record<string, unknown>>({});
  const answer = (body: Record<string, unknown>) =>
    action.run(async () => {
      await api.post(`/api/v1/tasks/${encodeURIComponent(task.id)}/answer`, {
        ...body,
        ...(reason.trim() ? { reason } : {}),
      });
      onDone();
    });
  const choices = task.spec.choices ?? null;
  const submitForm = (event: FormEvent) => {
    event.preventDefault();
    void answer({ values });
  };
  return (
    <div className="stack">
      <label>
        Reason (optional)
        <input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={2000} />
      </label>
      {choices ? (
        <div className="row" role="group" aria-label={`Answers to "${task.title}"`}>
          {choices.map((c) => (
            <button
              key={c}
              type="button"
              className="primary"
              disabled={action.busy}
              onClick={() => void answer({ choice: c })}
            >
              {c}
            </button>
          ))}
        </div>
      ) : (
        <form className="stack" aria-label={`Answer "${task.title}"`} onSubmit={submitForm}>
          {(task.spec.form ?? []).map((f) => (
            <Field
              key={f.id}
              field={f}
              value={values[f.id]}
              onChange={(v) => setValues({ ...values, [f.id]: v })}
            />
          ))}
          <div>
            <button type="submit" className="primary" disabled={action.busy}>
              Submit answer
            </button>
          </div>
        </form>
      )}
      <ErrorBox error={action.error} />
    </div>
  );
}

function Field({
  field,
  value,
  onChange,
}: {
  field: FormField;
  value: unknown;
  onChange: (v: unknown) => void;
}) {
  const text = `${field.label}${field.required ? ' (required)' : ''}`;
  switch (field.type) {
    case 'boolean':
      return (
        <label className="inline">
          <input type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} />
          {text}
        </label>
      );
    case 'number':
      return (
        <label>
          {text}
          <input
            type="number"
            required={field.required}
            value={typeof value === 'number' ? value : ''}
            onChange={(e) => onChange(e.target.value === '' ? undefined : Number(e.target.value))}
          />
        </label>
      );
    case 'choice':
      return (
        <label>
          {text}
          <select
            required={field.required}
            value={typeof value === 'string' ? value : ''}
            onChange={(e) => onChange(e.target.value || undefined)}
          >
            <option value="">Choose…</option>
            {(field.options ?? []).map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        </label>
      );
    case 'text':
      return (
        <label>
          {text}
          <textarea
            required={field.required}
            value={typeof value === 'string' ? value : ''}
            onChange={(e) => onChange(e.target.value)}
          />
        </label>
      );
    default:
      return (
        <label>
          {text}
          <input
            required={field.required}
            value={typeof value === 'string' ? value : ''}
            onChange={(e) => onChange(e.target.value)}
          />
        </label>
      );
  }
}

function ApprovalForm({ task, onDone }: { task: TaskItem; onDone: () => void }) {
  const action = useAction();
  const [reason, setReason] = useState('');
  const decide = (decision: 'approve' | 'deny') =>
    action.run(async () => {
      await api.post(`/api/v1/approvals/${encodeURIComponent(task.id)}/decision`, {
        decision,
        ...(reason.trim() ? { reason } : {}),
      });
      onDone();
    });
  return (
    <div className="stack">
      {task.spec.quorum !== undefined && task.spec.quorum > 1 && (
        <p className="small">
          Needs {task.spec.quorum} approvals; {task.decisions.filter((d) => d.decision === 'approve').length}{' '}
          so far.
        </p>
      )}
      <label>
        Reason (needed to deny)
        <input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={2000} />
      </label>
      <div className="row">
        <button
          type="button"
          className="primary"
          disabled={action.busy}
          onClick={() => void decide('approve')}
        >
          Approve
        </button>
        <button
          type="button"
          className="danger"
          disabled={action.busy || reason.trim() === ''}
          onClick={() => void decide('deny')}
        >
          Deny
        </button>
      </div>
      <ErrorBox error={action.error} />
    </div>
  );
}

import type { TaskSummary } from '../runs/task-service.ts';

function escape(text: unknown): string {
  return String(text ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The page a signed approval link opens: what is asked, by which playbook, and a form that POSTs the
 * decision back to the same signed URL. Static HTML, no scripts.
 */
export function approvalPage(
  task: TaskSummary,
  username: string,
  query: { u: string; e: string; s: string },
  notice: string | null,
): string {
  const action = `/approvals/${encodeURIComponent(task.id)}?${new URLSearchParams(query).toString()}`;
  const decisions = task.decisions
    .map((d) => `<li>${escape(d.by)}: ${escape(d.decision)}${d.reason ? ` — ${escape(d.reason)}` : ''}</li>`)
    .join('');
  const form =
    task.status === 'open'
      ? `<form method="post" action="${escape(action)}">
<label for="reason">Reason</label><textarea id="reason" name="reason" rows="3"></textarea>
<button name="decision" value="approve">Approve</button> <button name="decision" value="deny">Deny</button>
</form>`
      : `<p>This approval is <strong>${escape(task.status)}</strong>${task.outcome ? ` (${escape(task.outcome)})` : ''}.</p>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Approval: ${escape(task.title)}</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>body{font:16px system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}textarea{width:100%}button{font-size:1rem;margin:.5rem .5rem 0 0;padding:.4rem 1rem}</style>
</head><body><h1>${escape(task.title)}</h1>
${notice ? `<p role="status"><strong>${escape(notice)}</strong></p>` : ''}
<p>${escape(task.description)}</p>
<dl><dt>Playbook</dt><dd>${escape(task.playbookId)}</dd><dt>Run</dt><dd>${escape(task.runId)}</dd>
<dt>Alert</dt><dd>${escape(task.alertId ?? '—')}</dd><dt>Deciding as</dt><dd>${escape(username)}</dd>
<dt>Expires</dt><dd>${escape(task.expiresAt ?? '—')}</dd></dl>
${decisions ? `<h2>Decisions so far</h2><ul>${decisions}</ul>` : ''}
${form}</body></html>`;
}

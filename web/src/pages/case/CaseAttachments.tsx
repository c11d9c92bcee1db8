import { useRef, useState } from 'react';
import { api } from '../../api.ts';
import { ConfirmDelete, ErrorBox, Loading, Time, useAction, useAsync } from '../../components/ui.tsx';
import { useSession } from '../../session.tsx';

interface Attachment {
  id: string;
  name: string;
  contentType: string;
  size: number;
  sha256: string;
  uploadedBy: string;
  uploadedAt: string;
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** Evidence files of the case: download (anyone), attach and remove (analysts and above). */
export function CaseAttachments({ caseId, refresh }: { caseId: string; refresh: number }) {
  const session = useSession();
  const canTriage = session.can('triage');
  const path = `/api/v1/cases/${encodeURIComponent(caseId)}/attachments`;
  const list = useAsync(() => api.get<{ items: Attachment[] }>(path), [path, refresh]);
  const action = useAction();
  const input = useRef<HTMLInputElement>(null);
  const [confirm, setConfirm] = useState<string | null>(null);
  const attach = (files: FileList | null) =>
    action.run(async () => {
      for (const file of Array.from(files ?? [])) await api.upload(path, file, { name: file.name });
      if (input.current) input.current.value = '';
      list.reload();
    });
  const remove = (id: string) =>
    action.run(async () => {
      await api.delete(`${path}/${encodeURIComponent(id)}`);
      setConfirm(null);
      list.reload();
    });
  return (
    <section className="panel" aria-label="Attachments">
      <h2>Attachments</h2>
      <ErrorBox error={list.error ?? action.error} />
      {!list.data && !list.error && <Loading what="attachments" />}
      {list.data && list.data.items.length === 0 && <p className="muted small">No files attached.</p>}
      {list.data && list.data.items.length > 0 && (
        <ul className="plain">
          {list.data.items.map((a) => (
            <li key={a.id} data-testid="attachment">
              <a href={`${path}/${encodeURIComponent(a.id)}`} download={a.name}>
                {a.name}
              </a>{' '}
              <span className="muted small">
                {bytes(a.size)} · {a.uploadedBy} · <Time value={a.uploadedAt} />
              </span>
              <div className="muted small mono" title="SHA-256">
                {a.sha256}
              </div>
              {canTriage && (
                <ConfirmDelete
                  name={`attachment ${a.name}`}
                  confirming={confirm === a.id}
                  busy={action.busy}
                  onAsk={() => setConfirm(a.id)}
                  onConfirm={() => remove(a.id)}
                  onKeep={() => setConfirm(null)}
                />
              )}
            </li>
          ))}
        </ul>
      )}
      {canTriage && (
        <label>
          Attach files
          <input
            ref={input}
            type="file"
            multiple
            disabled={action.busy}
            onChange={(e) => void attach(e.target.files)}
          />
        </label>
      )}
    </section>
  );
}

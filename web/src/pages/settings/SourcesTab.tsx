import { useState, type FormEvent } from 'react';
import { api } from '../../api.ts';
import { FORMATS as SERVER_FORMATS } from '../../../../src/core/format.ts';
import {
  ConfirmDelete,
  ErrorBox,
  Loading,
  Panel,
  TableHead,
  Time,
  useAction,
  useAsync,
} from '../../components/ui.tsx';

interface Source {
  name: string;
  format: string;
  options: Record<string, unknown>;
  requireSignature: boolean;
  createdAt: string;
  createdBy: string;
}

// The server's own list (a pure module of the core, no dependencies); `generic` needs a mapping in its
// options, which the CLI and the API take.
const FORMATS = SERVER_FORMATS.filter((f) => f !== 'generic');

/** Ingest sources: where alerts come in, each with its own token shown once (admin creates and deletes). */
export function SourcesTab() {
  const sources = useAsync(() => api.get<{ items: Source[] }>('/api/v1/sources'), []);
  const action = useAction();
  const [confirm, setConfirm] = useState<string | null>(null);
  const remove = (name: string) =>
    action.run(async () => {
      await api.delete(`/api/v1/sources/${encodeURIComponent(name)}`);
      setConfirm(null);
      sources.reload();
    });
  return (
    <>
      <NewSource onCreated={sources.reload} />
      <Panel title="Ingest sources">
        <ErrorBox error={sources.error ?? action.error} />
        {!sources.data && <Loading what="sources" />}
        {sources.data && (
          <table>
            <TableHead columns={['Name', 'Format', 'Signature', 'Endpoint', 'Created']} />
            <tbody>
              {sources.data.items.length === 0 && (
                <tr>
                  <td colSpan={6} className="muted">
                    No sources yet: create one above and point a tool at its endpoint.
                  </td>
                </tr>
              )}
              {sources.data.items.map((s) => (
                <tr key={s.name}>
                  <td>{s.name}</td>
                  <td>{s.format}</td>
                  <td>{s.requireSignature ? 'HMAC required' : 'token'}</td>
                  <td>
                    <code>{endpoint(s.name)}</code>
                  </td>
                  <td>
                    <Time value={s.createdAt} /> <span className="muted small">by {s.createdBy}</span>
                  </td>
                  <td>
                    <ConfirmDelete
                      name={`source ${s.name}`}
                      confirming={confirm === s.name}
                      busy={action.busy}
                      onAsk={() => setConfirm(s.name)}
                      onConfirm={() => remove(s.name)}
                      onKeep={() => setConfirm(null)}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <p className="muted small">Deleting a source stops its token; the alerts it sent stay.</p>
      </Panel>
    </>
  );
}

function endpoint(name: string): string {
  return `${window.location.origin}/api/v1/sources/${encodeURIComponent(name)}/alerts`;
}

function NewSource({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState('');
  const [format, setFormat] = useState('suricata');
  const [requireSignature, setRequireSignature] = useState(false);
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const action = useAction();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setCreated(null);
    await action.run(async () => {
      const answer = await api.post<Source & { token: string }>('/api/v1/sources', {
        name,
        format,
        requireSignature,
      });
      setCreated({ name: answer.name, token: answer.token });
      setName('');
      onCreated();
    });
  };
  return (
    <Panel title="New source">
      <form className="row" onSubmit={submit} aria-label="New source">
        <label>
          Source name
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={64} />
        </label>
        <label>
          Format
          <select value={format} onChange={(e) => setFormat(e.target.value)}>
            {FORMATS.map((f) => (
              <option key={f}>{f}</option>
            ))}
          </select>
        </label>
        <label className="inline">
          <input
            type="checkbox"
            checked={requireSignature}
            onChange={(e) => setRequireSignature(e.target.checked)}
          />
          Require an HMAC signature
        </label>
        <button className="primary" type="submit" disabled={action.busy}>
          Create source
        </button>
      </form>
      <ErrorBox error={action.error} />
      {created && (
        <div className="notice stack" role="status">
          <span>
            Source <strong>{created.name}</strong> created. Its token is shown only now:
          </span>
          <code data-testid="source-token">{created.token}</code>
          <pre>{`curl -X POST ${endpoint(created.name)} \\
  -H 'Authorization: Bearer ${created.token}' \\
  -H 'Content-Type: application/x-ndjson' --data-binary @alerts.ndjson`}</pre>
        </div>
      )}
    </Panel>
  );
}

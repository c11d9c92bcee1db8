import { useState, type FormEvent } from 'react';
import { api } from '../../api.ts';
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

interface SecretInfo {
  name: string;
  updatedAt: string;
  updatedBy: string;
}

/** Playbook secrets (`secrets.<name>`): names listed, values write-only (admin). */
export function SecretsTab() {
  const secrets = useAsync(() => api.get<{ items: SecretInfo[] }>('/api/v1/secrets'), []);
  const [confirming, setConfirming] = useState<string | null>(null);
  const action = useAction();
  const remove = (name: string) =>
    action.run(async () => {
      await api.delete(`/api/v1/secrets/${encodeURIComponent(name)}`);
      setConfirming(null);
      secrets.reload();
    });
  return (
    <>
      <Panel title="Secrets">
        <p className="muted small">
          Playbooks read them as <code>{'${{ secrets.name }}'}</code>. Values are sealed at rest and never
          shown; setting a name again replaces its value.
        </p>
        <ErrorBox error={secrets.error ?? action.error} />
        {!secrets.data && <Loading what="secrets" />}
        {secrets.data && secrets.data.items.length === 0 && <p className="muted">No secrets yet.</p>}
        {secrets.data && secrets.data.items.length > 0 && (
          <table>
            <TableHead columns={['Name', 'Value', 'Updated']} />
            <tbody>
              {secrets.data.items.map((s) => (
                <tr key={s.name}>
                  <td>
                    <code>{s.name}</code>
                  </td>
                  <td className="muted">stored (write-only)</td>
                  <td>
                    <Time value={s.updatedAt} /> <span className="muted small">by {s.updatedBy}</span>
                  </td>
                  <td>
                    <ConfirmDelete
                      name={s.name}
                      confirming={confirming === s.name}
                      busy={action.busy}
                      onAsk={() => setConfirming(s.name)}
                      onConfirm={() => remove(s.name)}
                      onKeep={() => setConfirming(null)}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Panel>
      <SetSecret onSaved={secrets.reload} />
    </>
  );
}

function SetSecret({ onSaved }: { onSaved: () => void }) {
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const action = useAction();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setDone(null);
    if (await action.run(() => api.put(`/api/v1/secrets/${encodeURIComponent(name)}`, { value }))) {
      setDone(`Stored ${name}.`);
      setName('');
      setValue('');
      onSaved();
    }
  };
  return (
    <Panel title="Set a secret">
      <form className="row" onSubmit={submit} aria-label="Set a secret">
        <label>
          Secret name
          <input
            value={name}
            onChange={(e) => setName(e.target.value)}
            required
            pattern="[a-z][a-z0-9_]{0,63}"
            title="a lowercase snake slug: a-z, 0-9, _"
          />
        </label>
        <label>
          Secret value
          <input
            type="password"
            value={value}
            onChange={(e) => setValue(e.target.value)}
            required
            autoComplete="new-password"
          />
        </label>
        <button className="primary" type="submit" disabled={action.busy}>
          Store secret
        </button>
      </form>
      <ErrorBox error={action.error} />
      {done && <p role="status">{done}</p>}
    </Panel>
  );
}

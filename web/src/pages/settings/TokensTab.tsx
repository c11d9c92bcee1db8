import { useState, type FormEvent } from 'react';
import { api } from '../../api.ts';
import { ErrorBox, Loading, Panel, TableHead, Time, useAction, useAsync } from '../../components/ui.tsx';
import type { Role } from '../../session.tsx';
import { ROLES } from './UsersTab.tsx';

interface ApiToken {
  id: string;
  name: string;
  role: Role;
  createdBy: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  /** Null: the role alone limits the token. */
  scopes: string[] | null;
}

/** Service-account API tokens: listed without their secret, shown once when created, revocable (admin). */
export function TokensTab() {
  const tokens = useAsync(() => api.get<{ items: ApiToken[] }>('/api/v1/tokens'), []);
  const action = useAction();
  const revoke = (token: ApiToken) =>
    action.run(async () => {
      await api.delete(`/api/v1/tokens/${encodeURIComponent(token.id)}`);
      tokens.reload();
    });
  return (
    <>
      <NewToken onCreated={tokens.reload} />
      <Panel title="API tokens">
        <ErrorBox error={tokens.error ?? action.error} />
        {!tokens.data && <Loading what="tokens" />}
        {tokens.data && (
          <table>
            <TableHead columns={['Name', 'Role', 'Scopes', 'Created', 'Expires', 'Last used', 'State']} />
            <tbody>
              {tokens.data.items.map((t) => {
                const expired = t.expiresAt !== null && Date.parse(t.expiresAt) <= Date.now();
                return (
                  <tr key={t.id}>
                    <td>{t.name}</td>
                    <td>{t.role}</td>
                    <td className="small mono">
                      {t.scopes ? t.scopes.join(', ') : <span className="muted">all of the role</span>}
                    </td>
                    <td>
                      <Time value={t.createdAt} /> <span className="muted small">by {t.createdBy}</span>
                    </td>
                    <td>
                      <Time value={t.expiresAt} />
                    </td>
                    <td>
                      <Time value={t.lastUsedAt} />
                    </td>
                    <td>
                      {t.revokedAt ? (
                        <span className="bad-text">revoked</span>
                      ) : expired ? (
                        <span className="muted">expired</span>
                      ) : (
                        'active'
                      )}
                    </td>
                    <td>
                      {!t.revokedAt && (
                        <button
                          onClick={() => revoke(t)}
                          disabled={action.busy}
                          aria-label={`Revoke ${t.name}`}
                        >
                          Revoke
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Panel>
    </>
  );
}

function NewToken({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('analyst');
  const [expires, setExpires] = useState('');
  const [scopes, setScopes] = useState('');
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const action = useAction();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setCreated(null);
    await action.run(async () => {
      const answer = await api.post<ApiToken & { token: string }>('/api/v1/tokens', {
        name,
        role,
        ...(expires ? { expiresAt: new Date(`${expires}T23:59:59`).toISOString() } : {}),
        ...(scopes.trim() ? { scopes: scopes.split(/[\s,]+/).filter((s) => s !== '') } : {}),
      });
      setCreated({ name: answer.name, token: answer.token });
      setName('');
      setExpires('');
      setScopes('');
      onCreated();
    });
  };
  return (
    <Panel title="New API token">
      <form className="row" onSubmit={submit} aria-label="New API token">
        <label>
          Token name
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={128} />
        </label>
        <label>
          Token role
          <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLES.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        <label>
          Scopes (optional)
          <input
            value={scopes}
            onChange={(e) => setScopes(e.target.value)}
            placeholder="cases:read, alerts:read"
            title="<area>:<read|write|*>, comma-separated; empty: everything the role allows"
          />
        </label>
        <label>
          Expires (optional)
          <input type="date" value={expires} onChange={(e) => setExpires(e.target.value)} />
        </label>
        <button className="primary" type="submit" disabled={action.busy}>
          Create token
        </button>
      </form>
      <ErrorBox error={action.error} />
      {created && (
        <div className="notice stack" role="status">
          <span>
            Token <strong>{created.name}</strong> — copy it now: it is shown only this once.
          </span>
          <code className="secret-token" data-testid="new-token">
            {created.token}
          </code>
          <div>
            <button
              onClick={() => void navigator.clipboard?.writeText(created.token)}
              aria-label="Copy the new token"
            >
              Copy
            </button>{' '}
            <button onClick={() => setCreated(null)}>I have stored it</button>
          </div>
        </div>
      )}
    </Panel>
  );
}

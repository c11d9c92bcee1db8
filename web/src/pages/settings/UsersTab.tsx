import { useState, type FormEvent } from 'react';
import { api } from '../../api.ts';
import { ErrorBox, Loading, Panel, TableHead, Time, useAction, useAsync } from '../../components/ui.tsx';
import { useSession, type Role } from '../../session.tsx';

interface User {
  id: string;
  username: string;
  role: Role;
  disabled: boolean;
  createdAt: string;
  /** Whom the account is bound to at OpenID providers (one per issuer; none for a password-only account). */
  identities: SsoIdentity[];
}

interface SsoIdentity {
  issuer: string;
  subject: string;
  boundAt: string;
  lastLoginAt: string;
}

export const ROLES: Role[] = ['admin', 'manager', 'analyst', 'viewer'];

/**
 * People: create with a password, change a role, disable or enable, see and undo an account's binding
 * to the single sign-on provider (admin).
 */
export function UsersTab() {
  const users = useAsync(() => api.get<{ items: User[] }>('/api/v1/users'), []);
  const { principal } = useSession();
  const action = useAction();
  const [unbinding, setUnbinding] = useState<string | null>(null);
  const update = (user: User, patch: Partial<Pick<User, 'role' | 'disabled'>>) =>
    action.run(async () => {
      await api.patch(`/api/v1/users/${encodeURIComponent(user.id)}`, patch);
      users.reload();
    });
  const unbind = (user: User) =>
    action.run(async () => {
      await api.delete(`/api/v1/users/${encodeURIComponent(user.id)}/identity`);
      setUnbinding(null);
      users.reload();
    });
  return (
    <>
      <Panel title="Users and roles">
        <ErrorBox error={users.error ?? action.error} />
        {!users.data && <Loading what="users" />}
        {users.data && (
          <table>
            <TableHead columns={['User', 'Role', 'State', 'Single sign-on', 'Created']} />
            <tbody>
              {users.data.items.map((user) => {
                const self = principal.kind === 'user' && principal.name === user.username;
                return (
                  <tr key={user.id}>
                    <td>
                      {user.username}
                      {self && <span className="muted small"> (you)</span>}
                    </td>
                    <td>
                      <select
                        aria-label={`Role of ${user.username}`}
                        value={user.role}
                        disabled={action.busy || self}
                        onChange={(e) => update(user, { role: e.target.value as Role })}
                      >
                        {ROLES.map((r) => (
                          <option key={r}>{r}</option>
                        ))}
                      </select>
                    </td>
                    <td>{user.disabled ? <span className="bad-text">disabled</span> : 'active'}</td>
                    <td data-testid={`sso-${user.username}`}>
                      <SsoBinding
                        user={user}
                        confirming={unbinding === user.id}
                        busy={action.busy}
                        onAsk={() => setUnbinding(user.id)}
                        onConfirm={() => unbind(user)}
                        onKeep={() => setUnbinding(null)}
                      />
                    </td>
                    <td>
                      <Time value={user.createdAt} />
                    </td>
                    <td>
                      {!self && (
                        <button
                          onClick={() => update(user, { disabled: !user.disabled })}
                          disabled={action.busy}
                          aria-label={`${user.disabled ? 'Enable' : 'Disable'} ${user.username}`}
                        >
                          {user.disabled ? 'Enable' : 'Disable'}
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
        <p className="muted small">
          Disabling a user ends their sessions; a new role applies from their next request. Unbinding an
          account from single sign-on ends the sessions single sign-on opened for it; the next person the
          provider signs in under its username is bound to it again.
        </p>
      </Panel>
      <NewUser onCreated={users.reload} />
      {users.data && <SetPassword users={users.data.items} />}
    </>
  );
}

function NewUser({ onCreated }: { onCreated: () => void }) {
  const [username, setUsername] = useState('');
  const [role, setRole] = useState<Role>('analyst');
  const [password, setPassword] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const action = useAction();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setDone(null);
    if (await action.run(() => api.post('/api/v1/users', { username, role, password }))) {
      setDone(`Created ${username} (${role}).`);
      setUsername('');
      setPassword('');
      onCreated();
    }
  };
  return (
    <Panel title="New user">
      <form className="row" onSubmit={submit} aria-label="New user">
        <label>
          Username
          <input value={username} onChange={(e) => setUsername(e.target.value)} required autoComplete="off" />
        </label>
        <label>
          Role
          <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLES.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        <label>
          Password
          <input
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
            autoComplete="new-password"
          />
        </label>
        <button className="primary" type="submit" disabled={action.busy}>
          Create user
        </button>
      </form>
      <ErrorBox error={action.error} />
      {done && <p role="status">{done}</p>}
    </Panel>
  );
}

/** A new password for anyone, yourself included (it ends that person's sessions, so you log in again). */
function SetPassword({ users }: { users: User[] }) {
  const [userId, setUserId] = useState('');
  const [password, setPassword] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const action = useAction();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const user = users.find((u) => u.id === userId);
    if (!user) return;
    setDone(null);
    if (await action.run(() => api.patch(`/api/v1/users/${encodeURIComponent(user.id)}`, { password }))) {
      setPassword('');
      setDone(`${user.username} has a new password; their sessions ended.`);
    }
  };
  return (
    <Panel title="Set a password">
      <form className="row" onSubmit={submit} aria-label="Set a password">
        <label>
          Person
          <select value={userId} onChange={(e) => setUserId(e.target.value)} required>
            <option value="">Choose…</option>
            {users.map((u) => (
              <option key={u.id} value={u.id}>
                {u.username}
              </option>
            ))}
          </select>
        </label>
        <label>
          New password
          <input
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            autoComplete="new-password"
            required
          />
        </label>
        <button type="submit" className="primary" disabled={action.busy || !userId}>
          Set password
        </button>
      </form>
      <ErrorBox error={action.error} />
      {done && (
        <p className="notice" role="status">
          {done}
        </p>
      )}
    </Panel>
  );
}

/** Whom an account is bound to at the OpenID provider, when it last signed in that way, and "Unbind". */
function SsoBinding({
  user,
  confirming,
  busy,
  onAsk,
  onConfirm,
  onKeep,
}: {
  user: User;
  confirming: boolean;
  busy: boolean;
  onAsk: () => void;
  onConfirm: () => void;
  onKeep: () => void;
}) {
  if (user.identities.length === 0) return <span className="muted">not bound</span>;
  return (
    <div className="stack small">
      {user.identities.map((identity) => (
        <div key={`${identity.issuer} ${identity.subject}`}>
          bound to <code>{identity.subject}</code> at <code>{identity.issuer}</code>
          <div className="muted">
            last signed in <Time value={identity.lastLoginAt} /> · bound <Time value={identity.boundAt} />
          </div>
        </div>
      ))}
      <span className="row">
        {confirming ? (
          <>
            <button
              className="danger"
              onClick={onConfirm}
              disabled={busy}
              aria-label={`Confirm unbinding ${user.username}`}
            >
              Confirm unbind
            </button>
            <button onClick={onKeep}>Keep</button>
          </>
        ) : (
          <button onClick={onAsk} disabled={busy} aria-label={`Unbind ${user.username} from single sign-on`}>
            Unbind
          </button>
        )}
      </span>
    </div>
  );
}

import { useEffect, useState, type FormEvent } from 'react';
import { api, errorText } from '../api.ts';

/** GET /api/v1/session/oidc: whether single sign-on is on, and why the last one in this browser failed. */
interface SingleSignOn {
  enabled: boolean;
  label?: string;
  passwordLogin: boolean;
  failure?: { reason: string; detail: string };
}

/** Where single sign-on brings the person back: the page they were on, without the failure marker. */
function returnTo(): string {
  const search = new URLSearchParams(window.location.search);
  search.delete('sso');
  const query = search.toString();
  return `${window.location.pathname}${query ? `?${query}` : ''}`;
}

/**
 * The login page: username and password, and "Sign in with <provider>" when single sign-on is on
 * (only that when RIPOSTE_OIDC_ONLY turns passwords off). A sign-in the provider or Riposte refused
 * comes back here with its reason, which the server hands over once.
 */
export function LoginPage({ onLogin }: { onLogin: () => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [sso, setSso] = useState<SingleSignOn | null>(null);
  useEffect(() => {
    api.get<SingleSignOn>('/api/v1/session/oidc').then(
      (answer) => {
        setSso(answer);
        if (new URLSearchParams(window.location.search).has('sso'))
          window.history.replaceState(null, '', returnTo());
      },
      () => setSso({ enabled: false, passwordLogin: true }),
    );
  }, []);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.post('/api/v1/session', { username, password });
      onLogin();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  // Until the server says whether single sign-on is on, nothing to choose between.
  if (sso === null)
    return (
      <main className="login panel">
        <h1>Riposte</h1>
      </main>
    );
  return (
    <main className="login panel">
      <h1>Riposte</h1>
      {sso.failure && (
        <div className="error" role="alert" data-testid="sso-failure">
          Single sign-on failed: {sso.failure.detail}
        </div>
      )}
      {sso.enabled && (
        <p>
          <a
            className="button primary"
            href={`/api/v1/session/oidc/login?returnTo=${encodeURIComponent(returnTo())}`}
          >
            {sso.label}
          </a>
        </p>
      )}
      {sso.enabled && sso.passwordLogin && <p className="muted small">or with a username and password:</p>}
      {sso.passwordLogin ? (
        <form onSubmit={submit} className="stack" aria-label="Log in">
          <label>
            Username
            <input
              autoComplete="username"
              value={username}
              onChange={(e) => setUsername(e.target.value)}
              required
              autoFocus={!sso.enabled}
            />
          </label>
          <label>
            Password
            <input
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              required
            />
          </label>
          {error && (
            <div className="error" role="alert">
              {error}
            </div>
          )}
          <button className={sso.enabled ? undefined : 'primary'} type="submit" disabled={busy}>
            Log in
          </button>
          <p className="muted small">
            No account yet? On the server:{' '}
            <code>echo 'a long passphrase' | npx riposte user create --username admin --role admin</code>
          </p>
        </form>
      ) : (
        <p className="muted small">
          People sign in through single sign-on only here; API tokens still work for scripts.
        </p>
      )}
    </main>
  );
}

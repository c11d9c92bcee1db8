import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api.ts';
import {
  ErrorBox,
  Field,
  Loading,
  Panel,
  TableHead,
  Time,
  useAction,
  useAsync,
} from '../../components/ui.tsx';

interface Tenant {
  slug: string;
  name: string;
  status: 'active' | 'disabled' | 'provisioning';
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  /** Alerts a minute all its sources together may send (null: no limit). */
  alertLimitPerMinute: number | null;
  /** Where the tenant is served, without a path: its console is under `/ui/`. */
  url: string;
}

interface CreatedTenant {
  tenant: Tenant;
  admin: { username: string; password: string };
}

type TenantField = 'slug' | 'name' | 'admin';

/** The new-tenant field a refusal names (its problem's `path`), and why; null for any other error. */
function tenantProblemOf(error: unknown): { field: TenantField; message: string } | null {
  if (!(error instanceof ApiError)) return null;
  const path = error.problem.path;
  const field: TenantField | null =
    path === '/slug'
      ? 'slug'
      : path === '/name'
        ? 'name'
        : path === '/admin' || path === '/username'
          ? 'admin'
          : null;
  return field ? { field, message: error.message } : null;
}

const consoleOf = (tenant: Tenant) => `${tenant.url}/ui/`;

/**
 * The main installation's tenants (admin): each in its own database, served at its own host name.
 * Create one (its first admin's password shown once), disable or enable it, delete a disabled one.
 */
export function TenantsTab() {
  const tenants = useAsync(() => api.get<{ items: Tenant[]; domain: string }>('/api/v1/tenants'), []);
  const action = useAction();
  const [deleting, setDeleting] = useState<string | null>(null);
  const setDisabled = (tenant: Tenant, disabled: boolean) =>
    action.run(async () => {
      await api.patch(`/api/v1/tenants/${encodeURIComponent(tenant.slug)}`, { disabled });
      tenants.reload();
    });
  const remove = (slug: string) =>
    action.run(async () => {
      await api.delete(`/api/v1/tenants/${encodeURIComponent(slug)}`);
      setDeleting(null);
      tenants.reload();
    });
  return (
    <>
      <Panel title="Tenants">
        <ErrorBox error={tenants.error ?? action.error} />
        {!tenants.data && <Loading what="tenants" />}
        {tenants.data && tenants.data.items.length === 0 && (
          <p className="muted">No tenants yet: everything here is the main installation's.</p>
        )}
        {tenants.data && tenants.data.items.length > 0 && (
          <table>
            <TableHead columns={['Tenant', 'Name', 'State', 'Console', 'Alert limit', 'Created']} />
            <tbody>
              {tenants.data.items.map((t) => (
                <tr key={t.slug}>
                  <td className="mono">{t.slug}</td>
                  <td>{t.name}</td>
                  <td data-testid={`tenant-state-${t.slug}`}>
                    {t.status === 'disabled' ? (
                      <span className="bad-text">disabled</span>
                    ) : t.status === 'provisioning' ? (
                      <span className="muted">provisioning</span>
                    ) : (
                      'active'
                    )}
                  </td>
                  <td>
                    {t.status === 'active' ? (
                      <a href={consoleOf(t)} target="_blank" rel="noreferrer">
                        {consoleOf(t)}
                      </a>
                    ) : (
                      <span className="muted mono">{consoleOf(t)}</span>
                    )}
                  </td>
                  <td>
                    <TenantLimit tenant={t} onSaved={tenants.reload} />
                  </td>
                  <td>
                    <Time value={t.createdAt} /> <span className="muted small">by {t.createdBy}</span>
                  </td>
                  <td>
                    {t.status !== 'provisioning' && (
                      <span className="row">
                        <button
                          onClick={() => setDisabled(t, t.status === 'active')}
                          disabled={action.busy}
                          aria-label={`${t.status === 'active' ? 'Disable' : 'Enable'} ${t.slug}`}
                        >
                          {t.status === 'active' ? 'Disable' : 'Enable'}
                        </button>
                        {t.status === 'disabled' && (
                          <button
                            onClick={() => setDeleting(t.slug)}
                            disabled={action.busy || deleting === t.slug}
                            aria-label={`Delete ${t.slug}`}
                          >
                            Delete
                          </button>
                        )}
                      </span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {deleting && (
          <ConfirmTenantDelete
            slug={deleting}
            busy={action.busy}
            onConfirm={() => remove(deleting)}
            onKeep={() => setDeleting(null)}
          />
        )}
        <p className="muted small">
          Disabling a tenant stops serving it at once — its console and API answer 403, its playbooks stop —
          and keeps its data; enabling it serves it again. Only a disabled tenant can be deleted, with every
          record it has.
        </p>
      </Panel>
      <NewTenant domain={tenants.data?.domain} onCreated={tenants.reload} />
    </>
  );
}

/**
 * The alerts a minute all a tenant's sources together may send: shown, and changed in place (empty
 * lifts it). Past it, what the tenant's sources send waits (429 and Retry-After over HTTP).
 */
function TenantLimit({ tenant, onSaved }: { tenant: Tenant; onSaved: () => void }) {
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState('');
  const action = useAction();
  const save = async (event: FormEvent) => {
    event.preventDefault();
    await action.run(async () => {
      await api.patch(`/api/v1/tenants/${encodeURIComponent(tenant.slug)}`, {
        alertLimitPerMinute: value === '' ? null : Number(value),
      });
      setEditing(false);
      onSaved();
    });
  };
  if (!editing)
    return (
      <span className="row">
        <span data-testid={`tenant-limit-${tenant.slug}`}>
          {tenant.alertLimitPerMinute === null ? (
            <span className="muted">none</span>
          ) : (
            `${tenant.alertLimitPerMinute.toLocaleString()} a minute`
          )}
        </span>
        <button
          onClick={() => {
            setValue(tenant.alertLimitPerMinute === null ? '' : String(tenant.alertLimitPerMinute));
            setEditing(true);
          }}
          aria-label={`Change the alert limit of ${tenant.slug}`}
        >
          Change
        </button>
      </span>
    );
  return (
    <form className="row" onSubmit={save} aria-label={`Alert limit of ${tenant.slug}`}>
      <label>
        Alerts a minute, all its sources
        <input
          type="number"
          min={1}
          step={1}
          placeholder="no limit"
          value={value}
          onChange={(e) => setValue(e.target.value)}
        />
      </label>
      <button className="primary" type="submit" disabled={action.busy}>
        Save
      </button>
      <button type="button" onClick={() => setEditing(false)}>
        Cancel
      </button>
      <ErrorBox error={action.error} />
    </form>
  );
}

/** Deleting drops a whole database: the slug is typed to confirm, not just clicked. */
function ConfirmTenantDelete({
  slug,
  busy,
  onConfirm,
  onKeep,
}: {
  slug: string;
  busy: boolean;
  onConfirm: () => void;
  onKeep: () => void;
}) {
  const [typed, setTyped] = useState('');
  return (
    <div className="notice row" role="group" aria-label={`Confirm deleting ${slug}`}>
      <span>
        Delete the tenant <strong className="mono">{slug}</strong> and every record it has? This cannot be
        undone.
      </span>
      <label>
        Type {slug} to confirm
        <input value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" />
      </label>
      <button
        className="danger"
        onClick={onConfirm}
        disabled={busy || typed !== slug}
        aria-label={`Confirm delete ${slug}`}
      >
        Confirm delete
      </button>
      <button onClick={onKeep}>Keep</button>
    </div>
  );
}

function NewTenant({ domain, onCreated }: { domain: string | undefined; onCreated: () => void }) {
  const [slug, setSlug] = useState('');
  const [name, setName] = useState('');
  const [admin, setAdmin] = useState('');
  const [created, setCreated] = useState<CreatedTenant | null>(null);
  const [problem, setProblem] = useState<{ field: TenantField; message: string } | null>(null);
  const action = useAction();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setCreated(null);
    setProblem(null);
    await action.run(async () => {
      try {
        const answer = await api.post<CreatedTenant>('/api/v1/tenants', {
          slug,
          name,
          ...(admin.trim() ? { admin: admin.trim() } : {}),
        });
        setCreated(answer);
        setSlug('');
        setName('');
        setAdmin('');
        onCreated();
      } catch (error) {
        setProblem(tenantProblemOf(error));
        throw error;
      }
    });
  };
  const errorAt = (field: TenantField) => (problem?.field === field ? problem.message : undefined);
  return (
    <Panel title="New tenant">
      <form className="row top" onSubmit={submit} aria-label="New tenant">
        <Field
          label="Slug"
          hint={`lower-case letters, digits and dashes; served at slug.${domain ?? '…'}`}
          error={errorAt('slug')}
        >
          {(aria) => (
            <input
              {...aria}
              value={slug}
              onChange={(e) => setSlug(e.target.value)}
              required
              maxLength={64}
              autoComplete="off"
              spellCheck={false}
            />
          )}
        </Field>
        <Field label="Name" error={errorAt('name')}>
          {(aria) => (
            <input
              {...aria}
              value={name}
              onChange={(e) => setName(e.target.value)}
              required
              maxLength={1000}
            />
          )}
        </Field>
        <Field label="First admin (optional)" hint="default admin" error={errorAt('admin')}>
          {(aria) => (
            <input
              {...aria}
              value={admin}
              onChange={(e) => setAdmin(e.target.value)}
              placeholder="admin"
              maxLength={128}
              autoComplete="off"
            />
          )}
        </Field>
        <button className="primary" type="submit" disabled={action.busy}>
          Create tenant
        </button>
      </form>
      <ErrorBox error={problem ? null : action.error} />
      {created && <FirstAdmin created={created} onDone={() => setCreated(null)} />}
    </Panel>
  );
}

/** The new tenant's first admin, with the password the server shows this once. */
function FirstAdmin({ created, onDone }: { created: CreatedTenant; onDone: () => void }) {
  const { tenant, admin } = created;
  return (
    <div
      className="notice stack"
      role="status"
      aria-label={`First admin of ${tenant.slug}`}
      data-testid="new-tenant-password"
    >
      <span>
        Tenant <strong>{tenant.slug}</strong> ({tenant.name}) is ready; its console is{' '}
        <a href={consoleOf(tenant)} target="_blank" rel="noreferrer">
          {consoleOf(tenant)}
        </a>
        .
      </span>
      <span>Its first admin — copy the password now: it is shown only this once.</span>
      <div className="row">
        <span>
          Username <code>{admin.username}</code>
        </span>
        <span>
          Password{' '}
          <code className="secret-token" aria-label={`Password of ${admin.username}`}>
            {admin.password}
          </code>
        </span>
      </div>
      <div>
        <button
          onClick={() => void navigator.clipboard?.writeText(admin.password)}
          aria-label="Copy the first admin's password"
        >
          Copy
        </button>{' '}
        <button onClick={onDone}>I have stored it</button>
      </div>
    </div>
  );
}

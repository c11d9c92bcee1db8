import { useMemo, useState } from 'react';
import { api } from '../api.ts';
import {
  ConfirmDelete,
  ErrorBox,
  Loading,
  Panel,
  TableHead,
  Time,
  duration,
  useAction,
  useAsync,
} from '../components/ui.tsx';
import { useSession } from '../session.tsx';
import { InstanceForm, type Health, type Instance, type Manifest } from './integrations/InstanceForm.tsx';

interface TestResult {
  ok: boolean;
  tested: boolean;
  error?: string | null;
  detail?: string;
  ms?: number;
}

type Editing = { manifest: Manifest; instance: Instance | null } | null;

/** Integrations: the catalog, configured instances with their health, and their credentials (write-only). */
export function IntegrationsPage() {
  const { can } = useSession();
  const catalog = useAsync(() => api.get<{ items: Manifest[] }>('/api/v1/integrations'), []);
  const instances = useAsync(() => api.get<{ items: Instance[] }>('/api/v1/integration-instances'), []);
  const [editing, setEditing] = useState<Editing>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const byId = useMemo(() => new Map((catalog.data?.items ?? []).map((m) => [m.id, m])), [catalog.data]);

  const edit = (next: Editing) => {
    setNotice(null);
    setEditing(next);
  };
  return (
    <div>
      <h1>Integrations</h1>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {editing && (
        <Panel>
          <InstanceForm
            key={`${editing.manifest.id}/${editing.instance?.name ?? ''}`}
            manifest={editing.manifest}
            instance={editing.instance}
            onCancel={() => setEditing(null)}
            onSaved={(saved) => {
              setEditing(null);
              setNotice(
                `Saved ${saved.integration}/${saved.name}. Secret values are stored sealed and never shown.`,
              );
              instances.reload();
            }}
          />
        </Panel>
      )}
      <Panel title="Configured instances">
        <ErrorBox error={instances.error} />
        {!instances.data && <Loading what="instances" />}
        {instances.data && instances.data.items.length === 0 && (
          <p className="muted">No instance yet: add one from the catalog below.</p>
        )}
        {instances.data && instances.data.items.length > 0 && (
          <table>
            <TableHead columns={['Instance', 'Settings', 'Last connection test', 'Last action']} />
            <tbody>
              {instances.data.items.map((instance) => (
                <InstanceRow
                  key={`${instance.integration}/${instance.name}`}
                  instance={instance}
                  manifest={byId.get(instance.integration)}
                  onEdit={(manifest) => edit({ manifest, instance })}
                  onChanged={(message) => {
                    if (message) setNotice(message);
                    instances.reload();
                  }}
                  canTest={can('testIntegrations')}
                  canManage={can('manageIntegrations')}
                />
              ))}
            </tbody>
          </table>
        )}
      </Panel>
      <Catalog
        result={catalog}
        onAdd={can('manageIntegrations') ? (m) => edit({ manifest: m, instance: null }) : null}
      />
    </div>
  );
}

function HealthCell({ health, what }: { health: Health | null; what: string }) {
  if (!health) return <span className="muted">never</span>;
  return (
    <div className="small">
      <span className={health.ok ? 'ok-text' : 'bad-text'}>{health.ok ? '✓ ok' : '✗ error'}</span>
      {what && <> · {what}</>} · <Time value={health.at} />
      {health.error && <div className="muted">{health.error}</div>}
    </div>
  );
}

function InstanceRow({
  instance,
  manifest,
  onEdit,
  onChanged,
  canTest,
  canManage,
}: {
  instance: Instance;
  manifest: Manifest | undefined;
  onEdit: (manifest: Manifest) => void;
  onChanged: (message: string | null) => void;
  canTest: boolean;
  canManage: boolean;
}) {
  const id = `${instance.integration}/${instance.name}`;
  const [result, setResult] = useState<TestResult | null>(null);
  const [confirming, setConfirming] = useState(false);
  const action = useAction();
  const base = `/api/v1/integrations/${encodeURIComponent(instance.integration)}/instances/${encodeURIComponent(instance.name)}`;
  const test = () =>
    action.run(async () => {
      setResult(null);
      setResult(await api.post<TestResult>(`${base}/test`));
      onChanged(null);
    });
  const remove = () =>
    action.run(async () => {
      await api.delete(base);
      onChanged(`Deleted ${id}.`);
    });
  const secrets = Object.keys(instance.secrets);
  return (
    <tr>
      <td>
        <strong>{manifest?.name ?? instance.integration}</strong> · {instance.name}
        {instance.isDefault && <span className="badge state-info"> default</span>}
        <div className="muted small">
          updated by {instance.updatedBy}, <Time value={instance.updatedAt} />
        </div>
      </td>
      <td className="small">
        {Object.entries(instance.fields).map(([k, v]) => (
          <div key={k}>
            {k}: <code>{v}</code>
          </div>
        ))}
        {secrets.map((k) => (
          <div key={k}>
            {k}: <span className="muted">stored (write-only)</span>
          </div>
        ))}
      </td>
      <td>
        <HealthCell health={instance.lastTest} what="" />
      </td>
      <td>
        <HealthCell health={instance.lastAction} what={instance.lastAction?.action ?? ''} />
      </td>
      <td>
        <div className="row">
          {canTest && (
            <button onClick={test} disabled={action.busy} aria-label={`Test connection ${id}`}>
              Test connection
            </button>
          )}
          {canManage && manifest && (
            <button onClick={() => onEdit(manifest)} aria-label={`Edit ${id}`}>
              Edit
            </button>
          )}
          {canManage && (
            <ConfirmDelete
              name={id}
              confirming={confirming}
              busy={action.busy}
              onAsk={() => setConfirming(true)}
              onConfirm={remove}
              onKeep={() => setConfirming(false)}
            />
          )}
        </div>
        <ErrorBox error={action.error} />
        {result && (
          <p
            role="status"
            className={`small ${result.ok ? 'ok-text' : 'bad-text'}`}
            data-testid="test-result"
          >
            {!result.tested
              ? (result.detail ?? 'This integration has no connection test.')
              : result.ok
                ? `Connection OK (${duration(result.ms)})`
                : `Connection failed: ${result.error ?? 'unknown error'}`}
          </p>
        )}
      </td>
    </tr>
  );
}

function Catalog({
  result,
  onAdd,
}: {
  result: { data: { items: Manifest[] } | undefined; error: string | null };
  onAdd: ((manifest: Manifest) => void) | null;
}) {
  const [category, setCategory] = useState('');
  const [text, setText] = useState('');
  const items = result.data?.items ?? [];
  const categories = [...new Set(items.flatMap((m) => m.categories))].sort();
  const needle = text.trim().toLowerCase();
  const shown = items.filter(
    (m) =>
      (!category || m.categories.includes(category)) &&
      (!needle || m.id.includes(needle) || m.name.toLowerCase().includes(needle)),
  );
  return (
    <Panel title="Catalog">
      <div className="row">
        <label>
          Category
          <select value={category} onChange={(e) => setCategory(e.target.value)}>
            <option value="">all ({items.length})</option>
            {categories.map((c) => (
              <option key={c} value={c}>
                {c} ({items.filter((m) => m.categories.includes(c)).length})
              </option>
            ))}
          </select>
        </label>
        <label>
          Search integrations
          <input
            type="search"
            value={text}
            onChange={(e) => setText(e.target.value)}
            placeholder="name or id"
          />
        </label>
      </div>
      <ErrorBox error={result.error} />
      {!result.data && <Loading what="the catalog" />}
      {result.data && (
        <table>
          <TableHead
            columns={['Integration', 'Categories', 'Actions', 'Credentials']}
            actions={onAdd ? 'Configure' : false}
          />
          <tbody>
            {shown.map((m) => (
              <tr key={m.id}>
                <td>
                  <strong>{m.name}</strong> <code className="muted">{m.id}</code>{' '}
                  <span className="muted small">v{m.version}</span>
                </td>
                <td>
                  <span className="row">
                    {m.categories.map((c) => (
                      <span key={c} className="badge">
                        {c}
                      </span>
                    ))}
                  </span>
                </td>
                <td className="small">
                  {m.actions.map((a) => (
                    <div key={a.id}>
                      <code>{a.id}</code> <span className="muted">{a.effect}</span>
                    </div>
                  ))}
                </td>
                <td className="small">
                  {m.credentials.length === 0 && <span className="muted">none</span>}
                  {m.credentials.map((f) => (
                    <div key={f.name}>
                      {f.label}
                      {f.secret && <span className="muted"> (secret)</span>}
                      {f.required && <span className="muted"> *</span>}
                    </div>
                  ))}
                  {!m.testConnection && <div className="muted">no connection test</div>}
                </td>
                {onAdd && (
                  <td>
                    <button onClick={() => onAdd(m)} aria-label={`Add ${m.name} instance`}>
                      Add instance
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}

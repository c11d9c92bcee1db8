import { useState, type FormEvent } from 'react';
import { api } from '../../api.ts';
import { ErrorBox, useAction } from '../../components/ui.tsx';

export interface CredentialField {
  name: string;
  label: string;
  secret: boolean;
  required: boolean;
  description: string | null;
  default: string | null;
}

export interface Manifest {
  id: string;
  name: string;
  version: string;
  categories: string[];
  docs: string;
  baseUrl: string;
  credentials: CredentialField[];
  testConnection: boolean;
  actions: { id: string; title: string; effect: string }[];
}

export interface Health {
  at: string;
  ok: boolean;
  error: string | null;
}

export interface Instance {
  integration: string;
  name: string;
  isDefault: boolean;
  fields: Record<string, string>;
  secrets: Record<string, 'set' | 'unset'>;
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
  lastTest: Health | null;
  lastAction: (Health & { action: string }) | null;
}

/** Every integration may point elsewhere; one that needs its own URL declares base_url itself. */
function fieldsOf(manifest: Manifest): CredentialField[] {
  if (manifest.credentials.some((f) => f.name === 'base_url')) return manifest.credentials;
  return [
    ...manifest.credentials,
    {
      name: 'base_url',
      label: 'Base URL',
      secret: false,
      required: false,
      description: manifest.baseUrl ? `default ${manifest.baseUrl}` : null,
      default: null,
    },
  ];
}

/**
 * Creates or edits an instance. Secret fields are write-only: a stored value is never sent to the
 * browser, an empty secret field keeps it, and removing it is an explicit choice.
 */
export function InstanceForm({
  manifest,
  instance,
  onSaved,
  onCancel,
}: {
  manifest: Manifest;
  instance: Instance | null;
  onSaved: (saved: Instance) => void;
  onCancel: () => void;
}) {
  const fields = fieldsOf(manifest);
  const [name, setName] = useState(instance?.name ?? '');
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(fields.filter((f) => !f.secret).map((f) => [f.name, instance?.fields[f.name] ?? ''])),
  );
  const [secrets, setSecrets] = useState<Record<string, string>>({});
  const [clear, setClear] = useState<string[]>([]);
  const [isDefault, setIsDefault] = useState(instance?.isDefault ?? false);
  const action = useAction();
  const prefix = `${manifest.id}-${instance?.name ?? 'new'}`;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const body = {
      fields: {
        ...values,
        ...Object.fromEntries(Object.entries(secrets).filter(([, v]) => v !== '')),
      },
      ...(clear.length ? { clearSecrets: clear } : {}),
      ...(isDefault ? { isDefault: true } : {}),
    };
    let saved: Instance | undefined;
    const ok = await action.run(async () => {
      saved = await api.put<Instance>(
        `/api/v1/integrations/${encodeURIComponent(manifest.id)}/instances/${encodeURIComponent(name)}`,
        body,
      );
    });
    if (ok && saved) onSaved(saved);
  };

  return (
    <form
      className="stack"
      onSubmit={submit}
      aria-label={instance ? `Edit ${manifest.id}/${instance.name}` : `New ${manifest.name} instance`}
    >
      <h3>{instance ? `Edit ${manifest.name} · ${instance.name}` : `New ${manifest.name} instance`}</h3>
      <label>
        Instance name
        <input
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
          pattern="[a-z0-9][a-z0-9_\-]{0,63}"
          title="lowercase letters, digits, - and _"
          disabled={instance !== null}
          placeholder="prod"
        />
      </label>
      {fields.map((field) => {
        const stored = instance?.secrets[field.name] === 'set';
        const hint = `${prefix}-${field.name}-hint`;
        return field.secret ? (
          <div key={field.name} className="stack">
            <label>
              {field.label}
              {field.required ? '' : ' (optional)'}
              <input
                type="password"
                autoComplete="new-password"
                value={secrets[field.name] ?? ''}
                onChange={(e) => setSecrets((s) => ({ ...s, [field.name]: e.target.value }))}
                required={field.required && !stored}
                disabled={clear.includes(field.name)}
                placeholder={stored ? 'stored — leave empty to keep' : ''}
                aria-describedby={hint}
              />
            </label>
            <span id={hint} className="muted small">
              Secret, write-only: {stored ? 'a value is stored and never shown.' : 'nothing stored yet.'}
              {field.description ? ` ${field.description}` : ''}
            </span>
            {stored && !field.required && (
              <label className="inline small">
                <input
                  type="checkbox"
                  checked={clear.includes(field.name)}
                  onChange={(e) =>
                    setClear((c) =>
                      e.target.checked ? [...c, field.name] : c.filter((n) => n !== field.name),
                    )
                  }
                />
                Remove the stored {field.label.toLowerCase()}
              </label>
            )}
          </div>
        ) : (
          <label key={field.name}>
            {field.label}
            {field.required ? '' : ' (optional)'}
            <input
              value={values[field.name] ?? ''}
              onChange={(e) => setValues((v) => ({ ...v, [field.name]: e.target.value }))}
              required={field.required && !field.default}
              placeholder={field.default ?? field.description ?? ''}
              type={field.name === 'base_url' ? 'url' : 'text'}
            />
          </label>
        );
      })}
      <label className="inline">
        <input type="checkbox" checked={isDefault} onChange={(e) => setIsDefault(e.target.checked)} />
        Default instance of {manifest.name}
      </label>
      <ErrorBox error={action.error} />
      <div className="row">
        <button className="primary" type="submit" disabled={action.busy}>
          Save instance
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

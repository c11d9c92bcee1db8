import { useState } from 'react';
import { api, ApiError, errorText } from '../../api.ts';
import { ErrorBox } from '../../components/ui.tsx';
import { navigate } from '../../router.tsx';

interface CacaoIssue {
  path: string;
  message: string;
}

interface ImportAnswer {
  playbookId: string;
  cacaoId: string | null;
  dryRun: boolean;
  changed: boolean;
  source: string;
  warnings: CacaoIssue[];
}

function Issues({ label, issues }: { label: string; issues: CacaoIssue[] }) {
  if (issues.length === 0) return null;
  return (
    <ul aria-label={label} className="small">
      {issues.map((issue, index) => (
        <li key={index}>
          <span className="mono">{issue.path || '/'}</span>: {issue.message}
        </li>
      ))}
    </ul>
  );
}

/**
 * "Import CACAO": a CACAO v2.0 playbook (JSON file) previewed as the Riposte playbook it becomes —
 * its warnings, or its errors at JSON Pointers — then imported and opened in the editor.
 */
export function CacaoImport({ onClose }: { onClose: () => void }) {
  const [text, setText] = useState<string | null>(null);
  const [fileName, setFileName] = useState('');
  const [profile, setProfile] = useState<'lenient' | 'strict'>('lenient');
  const [preview, setPreview] = useState<ImportAnswer | null>(null);
  const [errors, setErrors] = useState<CacaoIssue[]>([]);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function send(dryRun: boolean) {
    if (text === null) return;
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch (error) {
      setFailure(`${fileName} is not JSON: ${(error as Error).message}`);
      return;
    }
    setBusy(true);
    setFailure(null);
    setErrors([]);
    try {
      const query = new URLSearchParams({ profile, dry_run: String(dryRun) });
      const answer = await api.post<ImportAnswer>(`/api/v1/playbooks/import/cacao?${query}`, document);
      if (dryRun) setPreview(answer);
      else navigate(`/playbooks/${answer.playbookId}`);
    } catch (error) {
      setPreview(null);
      const listed =
        error instanceof ApiError ? (error.problem.errors as CacaoIssue[] | undefined) : undefined;
      if (Array.isArray(listed) && listed.length > 0) setErrors(listed);
      else setFailure(errorText(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="panel" aria-label="Import a CACAO playbook">
      <h2>Import a CACAO v2.0 playbook</h2>
      <p className="small muted">
        The playbook becomes a Riposte playbook you can read, edit, test and run. Commands Riposte does not
        run itself (ssh, bash, …) become tasks for an analyst; credentials in the file are never imported.
      </p>
      <div className="row">
        <label>
          CACAO file (JSON){' '}
          <input
            type="file"
            accept=".json,application/json"
            onChange={async (event) => {
              const file = event.target.files?.[0];
              setPreview(null);
              setErrors([]);
              setFileName(file?.name ?? '');
              setText(file ? await file.text() : null);
            }}
          />
        </label>
        <label>
          Profile{' '}
          <select
            value={profile}
            onChange={(event) => setProfile(event.target.value as 'lenient' | 'strict')}
          >
            <option value="lenient">lenient — read what can be read, with warnings</option>
            <option value="strict">strict — refuse any departure from CACAO 2.0</option>
          </select>
        </label>
      </div>
      <div className="row">
        <button type="button" disabled={text === null || busy} onClick={() => void send(true)}>
          Preview
        </button>
        <button
          type="button"
          className="primary"
          disabled={preview === null || busy}
          onClick={() => void send(false)}
        >
          Import as {preview?.playbookId ?? '…'}
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
      <ErrorBox error={failure} />
      {errors.length > 0 && (
        <div className="error" role="alert">
          {fileName} cannot be imported:
          <Issues label="Import errors" issues={errors} />
        </div>
      )}
      {preview && (
        <div>
          <p className="small">
            {preview.warnings.length === 0
              ? `Translates cleanly into ${preview.playbookId}.`
              : `Translates into ${preview.playbookId} with ${preview.warnings.length} warning(s):`}
          </p>
          <Issues label="Import warnings" issues={preview.warnings} />
          <pre
            className="mono small"
            aria-label="Translated playbook"
            style={{ maxHeight: '24rem', overflow: 'auto' }}
          >
            {preview.source}
          </pre>
        </div>
      )}
    </section>
  );
}

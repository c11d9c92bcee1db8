import { useMemo, useState, type RefObject } from 'react';
import { ApiError, api, errorText } from '../../api.ts';
import type { CompletionResult } from '../../playbook-editor/completion-options.ts';
import { navigate } from '../../router.tsx';
import { IssueList } from './IssueList.tsx';
import type { Issue, PlaybookSummary, Validation } from './types.ts';
import { YamlEditor, type EditorIssue, type YamlEditorHandle } from './YamlEditor.tsx';

interface SaveResult {
  playbook: PlaybookSummary;
  changed: boolean;
  warnings: Issue[];
}

/** The YAML editor with inline validation, the problem list under it, and Save for roles that may edit. */
export function EditorTab({
  id,
  text,
  onText,
  validation,
  editor,
  complete,
  canEdit,
  onSaved,
  onIssue,
}: {
  id: string | null;
  text: string;
  onText: (text: string) => void;
  validation: Validation | null;
  editor: RefObject<YamlEditorHandle | null>;
  complete: (text: string, offset: number) => CompletionResult | null;
  canEdit: boolean;
  onSaved: () => void;
  onIssue: (issue: Issue) => void;
}) {
  const [busy, setBusy] = useState(false);
  const [refused, setRefused] = useState<{ message: string; errors: Issue[] } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const issues = useMemo<EditorIssue[]>(
    () => [
      ...(validation?.errors ?? []).map((e) => ({ ...e, severity: 'error' as const })),
      ...(validation?.warnings ?? []).map((w) => ({ ...w, severity: 'warning' as const })),
    ],
    [validation],
  );

  const save = async () => {
    setBusy(true);
    setRefused(null);
    setNotice(null);
    try {
      const result = id
        ? await api.put<SaveResult>(`/api/v1/playbooks/${encodeURIComponent(id)}`, { source: text })
        : await api.post<SaveResult>('/api/v1/playbooks', { source: text });
      if (!id) {
        navigate(`/playbooks/${result.playbook.id}`);
        return;
      }
      setNotice(
        result.changed
          ? `Saved as version ${result.playbook.version}.`
          : `Nothing to save: the text is version ${result.playbook.version}.`,
      );
      onSaved();
    } catch (error) {
      const errors =
        error instanceof ApiError && Array.isArray(error.problem.errors) ? error.problem.errors : [];
      setRefused({ message: errorText(error), errors: errors as Issue[] });
    } finally {
      setBusy(false);
    }
  };

  const errors = validation?.errors ?? [];
  const warnings = validation?.warnings ?? [];
  return (
    <div className="stack">
      <div className="row spread">
        <p className="small" role="status" aria-live="polite">
          {validation === null
            ? 'Checking…'
            : validation.valid
              ? `Valid${warnings.length ? `, ${warnings.length} warning(s)` : ''}.`
              : `${errors.length} error(s).`}{' '}
          <span className="muted">Ctrl+Space offers what the schema allows at the cursor.</span>
        </p>
        {canEdit && (
          <button className="primary" type="button" onClick={save} disabled={busy}>
            {busy ? 'Saving…' : 'Save'}
          </button>
        )}
      </div>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {refused && (
        <div className="error" role="alert">
          <p>The server refused to save: {refused.message}</p>
          <IssueList issues={refused.errors} label="Why the save was refused" onSelect={onIssue} />
        </div>
      )}
      <YamlEditor
        label="Playbook YAML"
        value={text}
        onChange={onText}
        readOnly={!canEdit}
        complete={complete}
        issues={issues}
        handle={editor}
      />
      {errors.length > 0 && (
        <div role="alert">
          <h2>Errors</h2>
          <IssueList issues={errors} label="Errors" onSelect={onIssue} />
        </div>
      )}
      {warnings.length > 0 && (
        <div>
          <h2>Warnings</h2>
          <IssueList issues={warnings} label="Warnings" severity="warning" onSelect={onIssue} />
        </div>
      )}
    </div>
  );
}

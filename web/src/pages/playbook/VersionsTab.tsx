import { useEffect, useMemo, useState } from 'react';
import { api } from '../../api.ts';
import { ErrorBox, Loading, Time, useAction, useAsync } from '../../components/ui.tsx';
import { diffStats, lineDiff, withContext } from '../../playbook-editor/diff.ts';
import type { PlaybookDetail, VersionInfo } from './types.ts';

const EDITOR = 'editor';

/** The versions of a playbook, a line diff between any two (or against the editor), and restore. */
export function VersionsTab({
  playbook,
  editorText,
  canEdit,
  onRestored,
}: {
  playbook: PlaybookDetail;
  editorText: string;
  canEdit: boolean;
  onRestored: (source: string) => void;
}) {
  const versions = useAsync(
    () => api.get<{ items: VersionInfo[] }>(`/api/v1/playbooks/${playbook.id}/versions`).then((a) => a.items),
    [playbook.id, playbook.version],
  );
  const [from, setFrom] = useState<string>('');
  const [to, setTo] = useState<string>('');
  const [sources, setSources] = useState<Record<string, string>>({});
  const restore = useAction();

  // By default: the previous version against the current one.
  useEffect(() => {
    const items = versions.data;
    if (!items || items.length === 0) return;
    setTo(String(items[0]!.version));
    setFrom(String(items[1]?.version ?? items[0]!.version));
  }, [versions.data]);

  const sourceOf = async (version: string): Promise<string> => {
    if (version === EDITOR) return editorText;
    const known = sources[version];
    if (known !== undefined) return known;
    const answer = await api.get<{ source: string }>(`/api/v1/playbooks/${playbook.id}/versions/${version}`);
    setSources((s) => ({ ...s, [version]: answer.source }));
    return answer.source;
  };

  const [texts, setTexts] = useState<{ from: string; to: string } | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  useEffect(() => {
    if (!from || !to) return;
    let live = true;
    Promise.all([sourceOf(from), sourceOf(to)]).then(
      ([a, b]) => live && setTexts({ from: a, to: b }),
      (error: unknown) => live && setLoadError(String(error)),
    );
    return () => {
      live = false;
    };
    // sourceOf reads the cache; refetching on its identity would loop.
  }, [from, to, editorText]);

  const diff = useMemo(() => (texts ? lineDiff(texts.from, texts.to) : null), [texts]);

  if (versions.error) return <ErrorBox error={versions.error} />;
  if (!versions.data) return <Loading what="versions" />;
  const items = versions.data;
  const options = (
    <>
      {items.map((v) => (
        <option key={v.version} value={String(v.version)}>
          version {v.version}
          {v.version === playbook.version ? ' (current)' : ''}
        </option>
      ))}
      <option value={EDITOR}>the editor's text</option>
    </>
  );
  return (
    <div className="stack">
      <table>
        <caption className="muted small">
          Every saved change is a version; runs keep the version they started on.
        </caption>
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Saved</th>
            <th scope="col">By</th>
            {canEdit && <th scope="col">Restore</th>}
          </tr>
        </thead>
        <tbody>
          {items.map((v) => (
            <tr key={v.version}>
              <td>
                {v.version}
                {v.version === playbook.version && <span className="badge state-ok"> current</span>}
              </td>
              <td>
                <Time value={v.createdAt} />
              </td>
              <td>{v.createdBy}</td>
              {canEdit && (
                <td>
                  {v.version !== playbook.version && (
                    <button
                      type="button"
                      disabled={restore.busy}
                      aria-label={`Restore version ${v.version}`}
                      onClick={() =>
                        restore.run(async () => {
                          const source = await sourceOf(String(v.version));
                          await api.put(`/api/v1/playbooks/${playbook.id}`, { source });
                          onRestored(source);
                        })
                      }
                    >
                      Restore
                    </button>
                  )}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      <ErrorBox error={restore.error ?? loadError} />
      <div className="row">
        <label>
          Compare
          <select value={from} onChange={(e) => setFrom(e.target.value)}>
            {options}
          </select>
        </label>
        <label>
          with
          <select value={to} onChange={(e) => setTo(e.target.value)}>
            {options}
          </select>
        </label>
        {diff && (
          <span className="small" aria-live="polite">
            {diffStats(diff).added} line(s) added, {diffStats(diff).removed} removed
          </span>
        )}
      </div>
      {diff && <DiffView lines={withContext(diff, 3)} />}
    </div>
  );
}

function DiffView({ lines }: { lines: ReturnType<typeof withContext> }) {
  if (lines.every((l) => l === null || l.op === 'same'))
    return <p className="muted">The two texts are the same.</p>;
  return (
    <table className="diff mono" aria-label="Differences">
      <thead>
        <tr>
          <th scope="col">Old line</th>
          <th scope="col">New line</th>
          <th scope="col">Change</th>
          <th scope="col">Text</th>
        </tr>
      </thead>
      <tbody>
        {lines.map((line, i) =>
          line === null ? (
            <tr key={i}>
              <td colSpan={4} className="muted">
                …
              </td>
            </tr>
          ) : (
            <tr key={i} className={line.op === 'same' ? undefined : line.op}>
              <td>{line.oldLine ?? ''}</td>
              <td>{line.newLine ?? ''}</td>
              <td aria-label={line.op === 'add' ? 'added' : line.op === 'del' ? 'removed' : 'unchanged'}>
                {line.op === 'add' ? '+' : line.op === 'del' ? '−' : ''}
              </td>
              <td style={{ whiteSpace: 'pre' }}>{line.text}</td>
            </tr>
          ),
        )}
      </tbody>
    </table>
  );
}

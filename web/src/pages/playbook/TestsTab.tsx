import { useEffect, useMemo, useRef, useState } from 'react';
import { ApiError, api, errorText } from '../../api.ts';
import { ErrorBox, Loading, Time, useAsync } from '../../components/ui.tsx';
import { IssueList } from './IssueList.tsx';
import type { Issue, PlaybookDetail } from './types.ts';
import { YamlEditor, type YamlEditorHandle } from './YamlEditor.tsx';

interface StoredTests {
  playbookId: string;
  source: string | null;
  updatedAt: string | null;
  updatedBy: string | null;
}

interface CaseReport {
  name: string;
  line: number;
  ok: boolean;
  failures: string[];
  run?: { status: string; path: string[] };
}

interface TestReport {
  playbookId: string | null;
  ok: boolean;
  errors: Issue[];
  cases: CaseReport[];
  passed: number;
  failed: number;
}

function starter(id: string): string {
  return `# Golden tests (docs/playbook-testing.md). On the server \`playbook:\` is not read:
# the cases run against this playbook, and every action result comes from mocks.
playbook: ${id}
unmocked: echo # an action without a mock returns its input; remove to require a mock for each read
cases:
  - name: describe what this case checks
    alert: { title: Example alert, severity: high, observables: [] }
    mocks: {}
    expect:
      status: succeeded
`;
}

/** The playbook's golden test file: edit, save, and run it (against the saved or the editor's playbook). */
export function TestsTab({
  playbook,
  editorText,
  dirty,
  canEdit,
  canRun,
  onPlaybookIssue,
}: {
  playbook: PlaybookDetail;
  editorText: string;
  dirty: boolean;
  canEdit: boolean;
  canRun: boolean;
  onPlaybookIssue: (issue: Issue) => void;
}) {
  const stored = useAsync(
    () => api.get<StoredTests>(`/api/v1/playbooks/${playbook.id}/tests`),
    [playbook.id],
  );
  const [text, setText] = useState<string | null>(null);
  const [unsaved, setUnsaved] = useState(true);
  const [busy, setBusy] = useState<'save' | 'run' | null>(null);
  const [problem, setProblem] = useState<{ message: string; errors: Issue[] } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [report, setReport] = useState<TestReport | null>(null);
  const editor = useRef<YamlEditorHandle>(null);

  useEffect(() => {
    if (stored.data) setText((current) => current ?? stored.data!.source ?? starter(playbook.id));
  }, [stored.data, playbook.id]);

  const testIssues = useMemo(
    () =>
      (report?.errors ?? problem?.errors ?? [])
        .filter((e) => e.file !== `${playbook.id}.yaml`)
        .map((e) => ({ ...e, severity: 'error' as const })),
    [report, problem, playbook.id],
  );

  if (stored.error) return <ErrorBox error={stored.error} />;
  if (!stored.data || text === null) return <Loading what="the tests" />;

  const refuse = (error: unknown) => {
    const errors =
      error instanceof ApiError && Array.isArray(error.problem.errors) ? error.problem.errors : [];
    setProblem({ message: errorText(error), errors: errors as Issue[] });
  };
  const save = async () => {
    setBusy('save');
    setProblem(null);
    setNotice(null);
    try {
      await api.put(`/api/v1/playbooks/${playbook.id}/tests`, { source: text });
      setNotice('Tests saved.');
      stored.reload();
    } catch (error) {
      refuse(error);
    } finally {
      setBusy(null);
    }
  };
  const run = async () => {
    setBusy('run');
    setProblem(null);
    setNotice(null);
    setReport(null);
    try {
      setReport(
        await api.post<TestReport>(`/api/v1/playbooks/${playbook.id}/tests/run`, {
          tests: text,
          ...(dirty && unsaved ? { source: editorText } : {}),
        }),
      );
    } catch (error) {
      refuse(error);
    } finally {
      setBusy(null);
    }
  };
  const jump = (issue: Issue) => {
    if (issue.file === `${playbook.id}.yaml`) onPlaybookIssue(issue);
    else editor.current?.focusAt(issue.line, issue.column);
  };

  return (
    <div className="stack">
      <p className="small muted">
        {stored.data.source === null ? (
          'No tests are stored for this playbook yet; the text below is a starting point.'
        ) : (
          <>
            Saved <Time value={stored.data.updatedAt} /> by {stored.data.updatedBy}.
          </>
        )}{' '}
        Cases run in memory: nothing is written and no action runs.
      </p>
      <YamlEditor
        label="Golden tests YAML"
        value={text}
        onChange={setText}
        readOnly={!canEdit}
        handle={editor}
        issues={testIssues}
      />
      <div className="row">
        {canRun && (
          <button type="button" className="primary" onClick={run} disabled={busy !== null}>
            {busy === 'run' ? 'Running…' : 'Run tests'}
          </button>
        )}
        {canEdit && (
          <button type="button" onClick={save} disabled={busy !== null}>
            {busy === 'save' ? 'Saving…' : 'Save tests'}
          </button>
        )}
        {canRun && dirty && (
          <label className="inline">
            <input type="checkbox" checked={unsaved} onChange={(e) => setUnsaved(e.target.checked)} />
            Test the editor's unsaved playbook
          </label>
        )}
      </div>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {problem && (
        <div className="error" role="alert">
          <p>{problem.message}</p>
          <IssueList issues={problem.errors} label="Problems of the test file" onSelect={jump} showFile />
        </div>
      )}
      {report && <Results report={report} onIssue={jump} />}
    </div>
  );
}

function Results({ report, onIssue }: { report: TestReport; onIssue: (issue: Issue) => void }) {
  return (
    <section aria-label="Test results" className="stack">
      <p role="status" className={report.ok ? 'state-ok' : 'state-bad'}>
        {report.errors.length > 0
          ? 'The test file or the playbook is invalid; no case ran.'
          : `${report.passed} passed, ${report.failed} failed`}
      </p>
      {report.errors.length > 0 && (
        <div role="alert">
          <IssueList issues={report.errors} label="Problems" onSelect={onIssue} showFile />
        </div>
      )}
      <ul className="results">
        {report.cases.map((c) => (
          <li key={c.name}>
            <span className={`badge ${c.ok ? 'state-ok' : 'state-bad'}`}>{c.ok ? 'passed' : 'failed'}</span>{' '}
            {c.name} <span className="muted small">(line {c.line})</span>
            {c.run && <div className="small muted">path: {c.run.path.join(' → ') || '—'}</div>}
            {c.failures.length > 0 && <pre>{c.failures.join('\n')}</pre>}
          </li>
        ))}
      </ul>
    </section>
  );
}

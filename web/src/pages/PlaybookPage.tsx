import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../api.ts';
import { PlanGraph, type PlanGraphData } from '../components/PlanGraph.tsx';
import { ErrorBox, Loading, Tabs, useAsync } from '../components/ui.tsx';
import {
  completionsAt,
  stepLine,
  type ActionInfo,
  type CompletionSources,
} from '../playbook-editor/completion-options.ts';
import type { JsonSchema } from '../playbook-editor/schema-lookup.ts';
import { Link } from '../router.tsx';
import { useSession } from '../session.tsx';
import { DryRunTab } from './playbook/DryRunTab.tsx';
import { MetricsTab } from './playbook/MetricsTab.tsx';
import { EditorTab } from './playbook/EditorTab.tsx';
import { RunsTab } from './playbook/RunsTab.tsx';
import { TestsTab } from './playbook/TestsTab.tsx';
import type { Issue, PlaybookDetail, PlaybookSummary, Validation } from './playbook/types.ts';
import { VersionsTab } from './playbook/VersionsTab.tsx';
import type { YamlEditorHandle } from './playbook/YamlEditor.tsx';

type TabId = 'editor' | 'graph' | 'versions' | 'runs' | 'metrics' | 'tests' | 'dryrun';

const TEMPLATE = `id: new_playbook
name: New playbook
description: What it does and why.
triggers:
  manual: true
steps:
  - id: first
    uses: core.echo
    with:
      message: hello
`;

const VALIDATE_DELAY_MS = 400;

/** /playbooks/:id and /playbooks/new: the editor with its validation, graph, versions, runs, tests, dry run. */
export function PlaybookPage({ id }: { id: string | null }) {
  return <PlaybookView key={id ?? 'new'} id={id} />;
}

function PlaybookView({ id }: { id: string | null }) {
  const { can } = useSession();
  const detail = useAsync(
    () =>
      id ? api.get<PlaybookDetail>(`/api/v1/playbooks/${encodeURIComponent(id)}`) : Promise.resolve(null),
    [id],
  );
  const sources = useCompletionSources();
  const [text, setText] = useState<string | null>(id ? null : TEMPLATE);
  const [tab, setTab] = useState<TabId>('editor');
  const editor = useRef<YamlEditorHandle>(null);
  const saved = detail.data?.source ?? null;

  // The editor starts from the current version once it has loaded.
  useEffect(() => {
    if (saved !== null) setText((current) => current ?? saved);
  }, [saved]);

  const validation = useValidation(text);
  const [graph, setGraph] = useState<PlanGraphData | null>(null);
  useEffect(() => {
    if (validation?.graph) setGraph(validation.graph);
  }, [validation]);

  const dirty = text !== null && text !== (saved ?? TEMPLATE);
  useEffect(() => {
    if (!dirty) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  const jump = useCallback((line: number, column = 1) => {
    setTab('editor');
    // The editor panel is only hidden, never unmounted: it can take the cursor at once.
    requestAnimationFrame(() => editor.current?.focusAt(line, column));
  }, []);
  const jumpToIssue = useCallback((issue: Issue) => jump(issue.line, issue.column), [jump]);

  if (id && detail.error) return <ErrorBox error={detail.error} />;
  if (text === null || (id && !detail.data)) return <Loading what="the playbook" />;
  const playbook = detail.data ?? null;

  const tabs: { id: TabId; label: string }[] = [
    { id: 'editor', label: 'Editor' },
    { id: 'graph', label: 'Graph preview' },
    ...(playbook
      ? ([
          { id: 'versions', label: 'Versions' },
          { id: 'runs', label: 'Runs' },
          { id: 'metrics', label: 'Metrics' },
          { id: 'tests', label: 'Tests' },
          { id: 'dryrun', label: 'Dry run' },
        ] as const)
      : []),
  ];

  return (
    <div>
      <p className="small">
        <Link to="/playbooks">← Playbooks</Link>
      </p>
      <div className="row spread">
        <h1>{playbook ? `${playbook.name} (${playbook.id})` : 'New playbook'}</h1>
        {playbook && (
          <div className="row small">
            <span className={`badge ${playbook.enabled ? 'state-ok' : 'state-warn'}`}>
              {playbook.enabled ? 'enabled' : 'disabled'}
            </span>
            <span>version {playbook.version}</span>
            {dirty && <span className="badge state-info">unsaved changes</span>}
            <a
              href={`/api/v1/playbooks/${encodeURIComponent(playbook.id)}/cacao?version=${playbook.version}`}
              download={`${playbook.id}.cacao.json`}
            >
              Export as CACAO
            </a>
          </div>
        )}
      </div>
      <Tabs tabs={tabs} value={tab} onChange={setTab} label="Playbook" />
      <div role="tabpanel" aria-label="Editor" hidden={tab !== 'editor'}>
        <EditorTab
          id={id}
          text={text}
          onText={setText}
          validation={validation}
          editor={editor}
          complete={(t, offset) => completionsAt(t, offset, sources.current)}
          canEdit={can('editPlaybooks')}
          onSaved={() => detail.reload()}
          onIssue={jumpToIssue}
        />
      </div>
      <div role="tabpanel" aria-label="Graph preview" hidden={tab !== 'graph'}>
        {validation && !validation.valid && (
          <p className="notice">The text has errors; the graph shows the last text that compiled.</p>
        )}
        {graph ? (
          <PlanGraph
            graph={graph}
            label="Steps of the playbook being edited"
            onSelect={(stepId) => {
              const line = graph.nodes.find((n) => n.id === stepId)?.line ?? stepLine(text, stepId);
              if (line) jump(line);
            }}
          />
        ) : (
          <p className="muted">No graph yet: the text has not compiled.</p>
        )}
      </div>
      {playbook && (
        <>
          <div role="tabpanel" aria-label="Versions" hidden={tab !== 'versions'}>
            {tab === 'versions' && (
              <VersionsTab
                playbook={playbook}
                editorText={text}
                canEdit={can('editPlaybooks')}
                onRestored={(source) => {
                  setText(source);
                  detail.reload();
                }}
              />
            )}
          </div>
          <div role="tabpanel" aria-label="Runs" hidden={tab !== 'runs'}>
            {tab === 'runs' && <RunsTab playbookId={playbook.id} />}
          </div>
          <div role="tabpanel" aria-label="Metrics" hidden={tab !== 'metrics'}>
            {tab === 'metrics' && <MetricsTab playbookId={playbook.id} />}
          </div>
          <div role="tabpanel" aria-label="Tests" hidden={tab !== 'tests'}>
            <TestsTab
              playbook={playbook}
              editorText={text}
              dirty={dirty}
              canEdit={can('editPlaybooks')}
              canRun={can('runPlaybooks')}
              onPlaybookIssue={jumpToIssue}
            />
          </div>
          <div role="tabpanel" aria-label="Dry run" hidden={tab !== 'dryrun'}>
            {tab === 'dryrun' && (
              <DryRunTab
                playbook={playbook}
                editorText={text}
                dirty={dirty}
                canRun={can('runPlaybooks')}
                onPlaybookIssue={jumpToIssue}
              />
            )}
          </div>
        </>
      )}
    </div>
  );
}

/** The schema, actions and playbooks completion draws on; loaded once, read at each keystroke. */
function useCompletionSources(): { current: CompletionSources } {
  const sources = useRef<CompletionSources>({ schema: {}, actions: [], playbooks: [] });
  useEffect(() => {
    api.get<JsonSchema>('/api/v1/schemas/playbook.json').then(
      (schema) => (sources.current = { ...sources.current, schema }),
      () => undefined,
    );
    api.get<{ items: ActionInfo[] }>('/api/v1/actions').then(
      (answer) => (sources.current = { ...sources.current, actions: answer.items }),
      () => undefined,
    );
    api.get<{ items: PlaybookSummary[] }>('/api/v1/playbooks').then(
      (answer) => (sources.current = { ...sources.current, playbooks: answer.items }),
      () => undefined,
    );
  }, []);
  return sources;
}

/** The server's validation of the text, asked for once typing pauses; answers to older texts are dropped. */
function useValidation(text: string | null): Validation | null {
  const [validation, setValidation] = useState<Validation | null>(null);
  const latest = useRef(0);
  useEffect(() => {
    if (text === null) return;
    const ticket = ++latest.current;
    const timer = setTimeout(() => {
      api.post<Validation>('/api/v1/playbooks/validate', { source: text }).then(
        (answer) => {
          if (ticket === latest.current) setValidation(answer);
        },
        (error: unknown) => {
          if (ticket !== latest.current) return;
          const message = error instanceof Error ? error.message : String(error);
          setValidation({ valid: false, errors: [{ line: 1, column: 1, message }], warnings: [] });
        },
      );
    }, VALIDATE_DELAY_MS);
    return () => clearTimeout(timer);
  }, [text]);
  return validation;
}

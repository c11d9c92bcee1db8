import { autocompletion, completionKeymap, type CompletionSource } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { yaml } from '@codemirror/lang-yaml';
import {
  bracketMatching,
  defaultHighlightStyle,
  indentOnInput,
  syntaxHighlighting,
} from '@codemirror/language';
import { lintGutter, lintKeymap, setDiagnostics, type Diagnostic } from '@codemirror/lint';
import { EditorState, type Text } from '@codemirror/state';
import {
  EditorView,
  drawSelection,
  highlightActiveLine,
  highlightActiveLineGutter,
  keymap,
  lineNumbers,
} from '@codemirror/view';
import { useEffect, useImperativeHandle, useRef, type Ref } from 'react';
import type { CompletionResult } from '../../playbook-editor/completion-options.ts';
import type { Issue } from './types.ts';

export interface YamlEditorHandle {
  /** Puts the cursor at a 1-based line and column, scrolls there and focuses the editor. */
  focusAt(line: number, column?: number): void;
}

export interface EditorIssue extends Issue {
  severity: 'error' | 'warning';
}

const theme = EditorView.theme({
  '&': { color: 'var(--text)', backgroundColor: 'var(--panel)' },
  '.cm-content': { fontFamily: 'var(--mono)', caretColor: 'var(--text)' },
  '.cm-gutters': { backgroundColor: 'var(--panel-2)', color: 'var(--muted)', border: 'none' },
  '.cm-activeLine, .cm-activeLineGutter': {
    backgroundColor: 'color-mix(in srgb, var(--accent) 8%, transparent)',
  },
  '&.cm-focused': { outline: '3px solid var(--focus)' },
});

function toDiagnostics(doc: Text, issues: readonly EditorIssue[]): Diagnostic[] {
  return issues.map((issue) => {
    const line = doc.line(Math.min(Math.max(1, issue.line), doc.lines));
    const from = line.from + Math.min(Math.max(0, issue.column - 1), line.length);
    // Underline the word at the position, or the rest of the line when none starts there.
    const word = /^[^\s:,[\]{}]+/.exec(doc.sliceString(from, line.to))?.[0] ?? '';
    const to = word ? from + word.length : line.to;
    return { from, to, severity: issue.severity, message: issue.message };
  });
}

/** CodeMirror 6 with YAML highlighting, optional completion and diagnostics pushed from outside. */
export function YamlEditor({
  label,
  value,
  onChange,
  readOnly = false,
  complete,
  issues = [],
  handle,
}: {
  label: string;
  value: string;
  onChange?: (text: string) => void;
  readOnly?: boolean;
  complete?: (text: string, offset: number) => CompletionResult | null;
  issues?: readonly EditorIssue[];
  handle?: Ref<YamlEditorHandle>;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const latest = useRef({ onChange, complete });
  latest.current = { onChange, complete };

  useEffect(() => {
    const source: CompletionSource = (context) => {
      const result = latest.current.complete?.(context.state.doc.toString(), context.pos);
      if (!result) return null;
      return { from: result.from, options: result.options, validFor: /^[\w.-]*$/ };
    };
    const created = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: value,
        extensions: [
          lineNumbers(),
          highlightActiveLineGutter(),
          history(),
          drawSelection(),
          indentOnInput(),
          bracketMatching(),
          highlightActiveLine(),
          syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
          yaml(),
          lintGutter(),
          autocompletion({ override: [source], icons: false }),
          keymap.of([...completionKeymap, ...defaultKeymap, ...historyKeymap, ...lintKeymap]),
          EditorState.tabSize.of(2),
          EditorState.readOnly.of(readOnly),
          EditorView.contentAttributes.of({ 'aria-label': label }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) latest.current.onChange?.(update.state.doc.toString());
          }),
          theme,
        ],
      }),
    });
    view.current = created;
    return () => {
      created.destroy();
      view.current = null;
    };
    // Created once: value changes are applied below, and callbacks are read through `latest`.
  }, []);

  useEffect(() => {
    const current = view.current;
    if (current && current.state.doc.toString() !== value)
      current.dispatch({ changes: { from: 0, to: current.state.doc.length, insert: value } });
  }, [value]);

  useEffect(() => {
    const current = view.current;
    if (current) current.dispatch(setDiagnostics(current.state, toDiagnostics(current.state.doc, issues)));
  }, [issues]);

  useImperativeHandle(
    handle,
    () => ({
      focusAt(line, column = 1) {
        const current = view.current;
        if (!current) return;
        const doc = current.state.doc;
        const target = doc.line(Math.min(Math.max(1, line), doc.lines));
        const anchor = target.from + Math.min(Math.max(0, column - 1), target.length);
        current.dispatch({ selection: { anchor }, scrollIntoView: true });
        current.focus();
      },
    }),
    [],
  );

  return <div ref={host} className="yaml-editor" />;
}

/**
 * Reading a golden test file (`*.test.yaml`): a playbook, and cases of input + mocked world + expected
 * run. Every mistake is reported with its line and column, never thrown. References to steps and
 * actions are only collected here; they are checked once the playbook is compiled (golden-references.ts).
 */
import { LineCounter, parseDocument, visit } from 'yaml';
import type { Node } from 'yaml';
import { ACTION_EFFECTS } from '../core/playbook.ts';
import type { CompileContext } from '../playbooks/compile-context.ts';
import { IssueCollector } from '../playbooks/issue-collector.ts';
import type { PlaybookIssue } from '../playbooks/playbook-issue.ts';
import type { Field } from '../playbooks/yaml-reader.ts';
import {
  childPath,
  fieldOffset,
  offsetOf,
  readEntries,
  readEnum,
  readMapping,
  readSequence,
  readString,
} from '../playbooks/yaml-reader.ts';
import { readCase } from './golden-case-reader.ts';
import { mapping, type GoldenCase, type GoldenFile, type GoldenReference } from './golden-case.ts';

export type * from './golden-case.ts';

export const MAX_TEST_FILE_BYTES = 1024 * 1024;

/**
 * `test` is null when the file cannot be used at all; otherwise it holds what could be read (invalid
 * cases left out), so the references of a file with errors can still be checked and reported together.
 */
export interface ReadGoldenResult {
  test: GoldenFile | null;
  errors: PlaybookIssue[];
}

const TOP_KEYS = ['playbook', 'playbooks', 'unmocked', 'actions', 'cases'];

export function readGoldenFile(text: string, file: string): ReadGoldenResult {
  const lines = new LineCounter();
  const issues = new IssueCollector(file, lines);
  const failed = (): ReadGoldenResult => ({ test: null, errors: issues.errors });
  if (Buffer.byteLength(text, 'utf8') > MAX_TEST_FILE_BYTES) {
    issues.error(0, '', `the test file is larger than ${MAX_TEST_FILE_BYTES} bytes`);
    return failed();
  }
  const doc = parseDocument(text, {
    lineCounter: lines,
    uniqueKeys: true,
    prettyErrors: false,
    strict: true,
  });
  const syntax = doc.errors.find((e) => e.code !== 'DUPLICATE_KEY');
  for (const e of doc.errors)
    if (e.code === 'DUPLICATE_KEY' || e === syntax)
      issues.error(
        e.pos[0],
        '',
        `YAML ${e.code === 'DUPLICATE_KEY' ? 'duplicate key' : 'syntax error'}: ${e.message.split('\n')[0]}`,
      );
  visit(doc, {
    Alias(_key, node) {
      issues.error(
        node.range?.[0] ?? 0,
        '',
        `aliases (*${node.source}) are not supported; write the value out`,
      );
    },
  });
  if (issues.errors.length > 0) return failed();
  const ctx = readerContext(text, issues);
  const test = readTop(ctx, doc.contents as Node | null, file);
  return { test, errors: issues.errors };
}

/** The playbook readers only report through `issues`; the rest of a compile context stays empty. */
function readerContext(text: string, issues: IssueCollector): CompileContext {
  return {
    text,
    issues,
    catalog: { get: () => undefined, list: () => [] },
    playbookId: null,
    steps: {},
    stepIds: new Map(),
    blocks: [],
    references: [],
    namedReads: [],
    secrets: new Set(),
  };
}

function readTop(ctx: CompileContext, root: Node | null, file: string): GoldenFile | null {
  const fields = readMapping(ctx, root, '', TOP_KEYS, ['playbook', 'cases']);
  if (fields === null) return null;
  const references: GoldenReference[] = [];
  const playbookField = fields.get('playbook');
  const playbook = playbookField && readString(ctx, playbookField);
  const unmockedField = fields.get('unmocked');
  const unmocked = unmockedField ? readEnum(ctx, unmockedField, ['strict', 'echo'] as const) : 'strict';
  const actions: GoldenFile['actions'] = [];
  const actionsField = fields.get('actions');
  if (actionsField) readStubs(ctx, actionsField, actions);
  const playbooks = new Map<string, { path: string; offset: number }>();
  const playbooksField = fields.get('playbooks');
  if (playbooksField && mapping(ctx, playbooksField))
    for (const [id, field] of readEntries(ctx, playbooksField.value as never, playbooksField.path)) {
      const path = readString(ctx, field);
      if (path !== null) playbooks.set(id, { path, offset: fieldOffset(field) });
    }
  const casesField = fields.get('cases');
  const cases: GoldenCase[] = [];
  const items = casesField ? readSequence(ctx, casesField) : null;
  items?.forEach((node, index) => {
    const read = readCase(ctx, node, childPath('cases', index), references);
    if (read === null) return;
    if (cases.some((c) => c.name === read.name))
      ctx.issues.error(offsetOf(node), childPath('cases', index), `two cases are named "${read.name}"`);
    cases.push(read);
  });
  if (!playbook || unmocked === null || !playbookField) return null;
  return {
    file,
    playbook: { path: playbook, offset: fieldOffset(playbookField) },
    playbooks,
    unmocked,
    actions,
    cases,
    references,
    issues: ctx.issues,
  };
}

function readStubs(ctx: CompileContext, field: Field, out: GoldenFile['actions']): void {
  if (!mapping(ctx, field)) return;
  for (const [id, stub] of readEntries(ctx, field.value as never, field.path)) {
    const fields = readMapping(ctx, stub.value, stub.path, ['effect'], ['effect']);
    const effectField = fields?.get('effect');
    const effect = effectField ? readEnum(ctx, effectField, ACTION_EFFECTS) : null;
    if (effect !== null) out.push({ id, effect, offset: offsetOf(stub.keyNode), path: stub.path });
  }
}

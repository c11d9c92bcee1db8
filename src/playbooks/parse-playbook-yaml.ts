/**
 * Reading playbook YAML into a node tree that keeps every offset, so each later error can name its
 * line and column. Hostile input is refused here: oversized documents, duplicate keys, aliases (the
 * classic expansion bomb), several documents, a root that is not a mapping.
 */
import { LineCounter, isAlias, isMap, parseDocument, visit } from 'yaml';
import type { YAMLMap } from 'yaml';
import { IssueCollector } from './issue-collector.ts';
import type { PlaybookIssue } from './playbook-issue.ts';

export const MAX_PLAYBOOK_BYTES = 1024 * 1024;

export interface PlaybookYaml {
  text: string;
  root: YAMLMap;
  issues: IssueCollector;
}

export type ParsePlaybookYamlResult =
  { ok: true; yaml: PlaybookYaml } | { ok: false; errors: PlaybookIssue[]; warnings: PlaybookIssue[] };

export function parsePlaybookYaml(text: string, file: string): ParsePlaybookYamlResult {
  const lines = new LineCounter();
  const issues = new IssueCollector(file, lines);
  const failed = (): ParsePlaybookYamlResult => ({
    ok: false,
    errors: issues.errors,
    warnings: issues.warnings,
  });
  if (Buffer.byteLength(text, 'utf8') > MAX_PLAYBOOK_BYTES) {
    issues.error(0, '', `the playbook is larger than ${MAX_PLAYBOOK_BYTES} bytes`);
    return failed();
  }
  const document = parseDocument(text, {
    lineCounter: lines,
    uniqueKeys: true,
    prettyErrors: false,
    strict: true,
    version: '1.2',
  });
  // After a syntax error the parser reports every later token as unexpected; only the first says
  // something. Duplicate keys do not cascade, so each is reported.
  const syntax = document.errors.find((error) => error.code !== 'DUPLICATE_KEY');
  for (const error of document.errors) {
    if (error.code !== 'DUPLICATE_KEY' && error !== syntax) continue;
    issues.error(error.pos[0], '', yamlMessage(error.code, error.message, text, error.pos[0]));
  }
  for (const warning of document.warnings) issues.warn(warning.pos[0], '', warning.message);
  visit(document, {
    Alias(_key, node) {
      issues.error(
        node.range?.[0] ?? 0,
        '',
        `aliases (*${node.source}) are not supported; write the value out`,
      );
    },
  });
  if (issues.errors.length > 0) return failed();
  const root = document.contents;
  if (root === null || isAlias(root)) {
    issues.error(0, '', 'the document is empty; a playbook is a mapping with id, name and steps');
    return failed();
  }
  if (!isMap(root)) {
    issues.error(root.range?.[0] ?? 0, '', 'a playbook is a mapping with id, name and steps');
    return failed();
  }
  return { ok: true, yaml: { text, root, issues } };
}

/** The library's message, first line only, plus a hint for the most common playbook mistake. */
function yamlMessage(code: string, message: string, text: string, offset: number): string {
  const first = (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const lineEnd = text.indexOf('\n', offset);
  const line = text.slice(lineStart, lineEnd === -1 ? undefined : lineEnd);
  const prefix = code === 'DUPLICATE_KEY' ? 'duplicate key' : 'YAML syntax error';
  const hint = line.includes('${{')
    ? ' — quote an expression that sits inside { } or [ ], or that contains ": " or " #"'
    : '';
  return `${prefix}: ${first}${hint}`;
}

/**
 * CEL's `matches` takes RE2 syntax, where case-insensitive matching is written with a leading flag
 * group, `(?i)…`. cel-js compiles the pattern as a JavaScript regular expression, which has no such
 * group but does have scoped modifiers, `(?i:…)` (ES2025, in Node 24). A pattern literal that
 * starts with `(?i)`, `(?s)`, `(?m)` or a mix of them is rewritten into that form before the
 * expression is parsed again; other RE2 syntax is not translated (docs/playbooks.md says what works).
 */
import type { ASTNode } from '@marcbachmann/cel-js';

const LEADING_FLAGS = /^\(\?([ims]+)\)/;

interface Node {
  op: string;
  args: unknown;
  start: number;
  end: number;
}

const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && 'op' in value && 'args' in value;

/** `(?i)abc` → `(?i:abc)`; null when the pattern has no leading flag group to translate. */
export function scopedFlags(pattern: string): string | null {
  const match = LEADING_FLAGS.exec(pattern);
  if (match === null || new Set(match[1]).size !== match[1]!.length) return null;
  return `(?${match[1]}:${pattern.slice(match[0].length)})`;
}

/**
 * The source with every `matches` pattern literal that starts with flags rewritten (as a JSON string
 * literal, which CEL reads the same); null when there is none.
 */
export function withScopedFlags(source: string, ast: ASTNode): string | null {
  const edits: { start: number; end: number; text: string }[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (!isNode(value)) return;
    if (value.op === 'rcall') {
      const [name, , args] = value.args as [string, unknown, unknown[]];
      const pattern = args?.length === 1 && isNode(args[0]) && args[0].op === 'value' ? args[0] : null;
      if (name === 'matches' && pattern && typeof pattern.args === 'string') {
        const scoped = scopedFlags(pattern.args);
        if (scoped !== null)
          edits.push({ start: pattern.start, end: pattern.end, text: JSON.stringify(scoped) });
      }
    }
    visit(value.args);
  };
  visit(ast);
  if (edits.length === 0) return null;
  let out = source;
  for (const edit of edits.sort((a, b) => b.start - a.start))
    out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  return out;
}

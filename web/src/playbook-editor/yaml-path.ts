/**
 * Where the cursor stands in a YAML document that is being typed (so often invalid): the path of keys
 * and list indexes leading to it, read from indentation, `- ` markers and `key:` alone. No parser can
 * be trusted on half-written text; this only needs to be right about block-style documents.
 */

export type PathSegment = string | number;

export interface YamlContext {
  /** `key`: a key is being typed (or nothing yet on the line); `value`: the value after `key:`. */
  kind: 'key' | 'value';
  /** For `key`, the mapping (or list item) the key goes in; for `value`, the value's own path. */
  path: PathSegment[];
  /** What is typed before the cursor (the word being completed). */
  prefix: string;
  /** The offset where `prefix` starts. */
  from: number;
  /** The value is an item of a flow sequence (`case: [created, sev|`); `path` ends with its index. */
  flow: boolean;
}

/** A scalar `key: value` found in the document, with the path of the mapping holding it. */
export interface YamlEntry {
  path: PathSegment[];
  key: string;
  /** The scalar value (quotes and a trailing comment removed); '' when the value is on later lines. */
  value: string;
  /** 1-based line of the key. */
  line: number;
}

interface Frame {
  col: number;
  kind: 'key' | 'item';
  segment: PathSegment;
}

interface LineTokens {
  /** Columns of the `- ` markers that open list items, left to right. */
  items: number[];
  key: { name: string; col: number; valueCol: number; value: string } | null;
  /** Content after the markers when it is not a key. */
  rest: { col: number; text: string };
}

const QUOTED_KEY = /^(?:"((?:[^"\\]|\\.)*)"|'((?:[^']|'')*)')\s*:(?=\s|$)/;
const PLAIN_KEY = /^([^\s[\]{},#'"&*!|>%@`](?:[^:\n]|:(?=\S))*?)\s*:(?=\s|$)/;
const BLOCK_SCALAR = /^[|>][-+0-9]*\s*(#.*)?$/;

function tokenize(line: string): LineTokens {
  let pos = 0;
  while (line[pos] === ' ') pos++;
  const items: number[] = [];
  while (line[pos] === '-' && (pos + 1 === line.length || line[pos + 1] === ' ')) {
    items.push(pos);
    pos++;
    while (line[pos] === ' ') pos++;
  }
  const content = line.slice(pos);
  const match = QUOTED_KEY.exec(content) ?? PLAIN_KEY.exec(content);
  if (!match) return { items, key: null, rest: { col: pos, text: content } };
  const name = match[1] ?? match[2]?.replace(/''/g, "'") ?? match[3] ?? '';
  let valueCol = pos + match[0].length;
  while (line[valueCol] === ' ') valueCol++;
  return {
    items,
    key: {
      name: match[3] === undefined ? name : name.trim(),
      col: pos,
      valueCol,
      value: line.slice(valueCol),
    },
    rest: { col: pos, text: content },
  };
}

function isIgnorable(line: string): boolean {
  const trimmed = line.trim();
  return trimmed === '' || trimmed.startsWith('#') || trimmed === '---' || trimmed === '...';
}

function indentOf(line: string): number {
  let n = 0;
  while (line[n] === ' ') n++;
  return n;
}

/** Walks block-style YAML line by line, keeping the stack of open mappings and list items. */
class Walker {
  readonly stack: Frame[] = [];
  /** Lines indented deeper than this belong to a block scalar (`|`, `>`) and are skipped. */
  #blockAbove: number | null = null;

  path(): PathSegment[] {
    return this.stack.map((f) => f.segment);
  }

  /** True when the line is the text of a block scalar. */
  inBlockScalar(line: string): boolean {
    if (this.#blockAbove === null) return false;
    if (line.trim() === '' || indentOf(line) > this.#blockAbove) return true;
    this.#blockAbove = null;
    return false;
  }

  openItem(col: number): void {
    let index = 0;
    for (;;) {
      const top = this.stack.at(-1);
      if (!top) break;
      if (top.col > col) this.stack.pop();
      else if (top.col === col && top.kind === 'item') {
        index = (top.segment as number) + 1;
        this.stack.pop();
        break;
      } else break;
    }
    this.stack.push({ col, kind: 'item', segment: index });
  }

  /** Closes what a key at `col` ends: everything at or right of it. */
  closeFor(col: number): void {
    while ((this.stack.at(-1)?.col ?? -1) >= col) this.stack.pop();
  }

  line(tokens: LineTokens, onEntry?: (entry: Omit<YamlEntry, 'line'>) => void): void {
    for (const col of tokens.items) this.openItem(col);
    const key = tokens.key;
    if (!key) return;
    this.closeFor(key.col);
    onEntry?.({ path: this.path(), key: key.name, value: scalarText(key.value) });
    this.stack.push({ col: key.col, kind: 'key', segment: key.name });
    if (BLOCK_SCALAR.test(key.value)) this.#blockAbove = key.col;
  }
}

function scalarText(value: string): string {
  const text = value.replace(/\s+#.*$/, '').trim();
  const quoted = /^"((?:[^"\\]|\\.)*)"$|^'((?:[^']|'')*)'$/.exec(text);
  if (quoted) return quoted[1] ?? quoted[2]!.replace(/''/g, "'");
  return text;
}

/** Every `key: value` of the document, with the path of its mapping (block style only). */
export function yamlEntries(text: string): YamlEntry[] {
  const walker = new Walker();
  const entries: YamlEntry[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    if (walker.inBlockScalar(line) || isIgnorable(line)) return;
    walker.line(tokenize(line), (entry) => entries.push({ ...entry, line: index + 1 }));
  });
  return entries;
}

/** What is being typed at `offset`; null inside a comment, a block scalar or a flow mapping. */
export function yamlContextAt(text: string, offset: number): YamlContext | null {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const before = text.slice(lineStart, offset);
  const walker = new Walker();
  const lines = text.slice(0, lineStart).split('\n');
  lines.pop(); // the empty tail after the last newline
  for (const raw of lines) {
    const line = raw.replace(/\r$/, '');
    if (walker.inBlockScalar(line) || isIgnorable(line)) continue;
    walker.line(tokenize(line));
  }
  if (walker.inBlockScalar(before) && before.trim() !== '') return null;
  if (before.trimStart().startsWith('#')) return null;
  const tokens = tokenize(before);
  if (tokens.key) {
    walker.line(tokens);
    const value = tokens.key.value;
    if (value.includes(' #')) return null;
    const path = walker.path();
    const from = lineStart + tokens.key.valueCol;
    if (value.startsWith('[')) {
      const inner = value.slice(1);
      const cut = inner.lastIndexOf(',');
      const item = inner.slice(cut + 1);
      const prefix = item.trimStart();
      const index = inner.split(',').length - 1;
      return { kind: 'value', path: [...path, index], prefix, from: offset - prefix.length, flow: true };
    }
    if (value.startsWith('{')) return null;
    return { kind: 'value', path, prefix: value, from, flow: false };
  }
  for (const col of tokens.items) walker.openItem(col);
  const word = tokens.rest.text;
  if (/\s/.test(word.trimEnd()) || /["'{[#]/.test(word)) return null;
  const col = word === '' ? before.length : tokens.rest.col;
  walker.closeFor(col);
  return { kind: 'key', path: walker.path(), prefix: word, from: lineStart + tokens.rest.col, flow: false };
}

/** Paths compare by their JSON text. */
export function pathKey(path: readonly PathSegment[]): string {
  return JSON.stringify(path);
}

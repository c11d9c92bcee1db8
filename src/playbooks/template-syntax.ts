/**
 * Finding `${{ … }}` in a string. The closing `}}` is searched for outside CEL string literals and
 * map braces, so `${{ {"a": {"b": 1}} }}` works; `$${{` writes a literal `${{`.
 */

export type TemplatePiece =
  | { kind: 'text'; text: string }
  /** `source` is the CEL between the braces; `offset` is where it starts in the whole string. */
  | { kind: 'expression'; source: string; offset: number };

export class TemplateSyntaxError extends Error {
  override readonly name = 'TemplateSyntaxError';
  readonly offset: number;

  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

const OPEN = '${{';

export function hasExpression(text: string): boolean {
  return text.includes(OPEN);
}

/** Splits a string into text and expressions; throws TemplateSyntaxError for an unclosed `${{`. */
export function splitTemplate(text: string): TemplatePiece[] {
  const pieces: TemplatePiece[] = [];
  let buffer = '';
  let index = 0;
  while (index < text.length) {
    const open = text.indexOf(OPEN, index);
    if (open === -1) {
      buffer += text.slice(index);
      break;
    }
    if (open > 0 && text[open - 1] === '$') {
      buffer += text.slice(index, open - 1) + OPEN;
      index = open + OPEN.length;
      continue;
    }
    buffer += text.slice(index, open);
    const start = open + OPEN.length;
    const close = findClose(text, start);
    if (close === -1) throw new TemplateSyntaxError('`${{` is not closed by `}}`', open);
    if (buffer !== '') pieces.push({ kind: 'text', text: buffer });
    buffer = '';
    pieces.push({ kind: 'expression', source: text.slice(start, close), offset: start });
    index = close + 2;
  }
  if (buffer !== '') pieces.push({ kind: 'text', text: buffer });
  return pieces;
}

function findClose(text: string, from: number): number {
  let depth = 0;
  let quote: string | null = null;
  for (let index = from; index < text.length; index++) {
    const char = text[index];
    if (quote !== null) {
      if (char === '\\') index++;
      else if (char === quote) quote = null;
    } else if (char === '"' || char === "'") {
      quote = char;
    } else if (char === '{') {
      depth++;
    } else if (char === '}') {
      if (depth > 0) depth--;
      else if (text[index + 1] === '}') return index;
    }
  }
  return -1;
}

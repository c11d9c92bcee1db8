/**
 * Values that may hold expressions (`with:`, `set:`, outputs, titles). A string that is exactly one
 * `${{ expr }}` keeps the expression's type; text around expressions makes an interpolated string;
 * objects and lists recurse. Everything is parsed here, once; evaluation only runs compiled CEL.
 */
import type { ExpressionScope, ValueTemplate } from '../core/playbook.ts';
import { VALUE_LIMITS } from './cel-value.ts';
import { ExpressionError, compileExpression } from './expression.ts';
import type { ExpressionOptions, PlaybookExpression } from './expression.ts';
import { TemplateSyntaxError, splitTemplate } from './template-syntax.ts';

/** A template and what compiling it learned. */
export interface PlaybookTemplate extends ValueTemplate {
  readonly expressions: readonly PlaybookExpression[];
  /** The value when there is no expression in it. */
  readonly literal?: unknown;
  /** For a whole-value expression, CEL's static type of its result; `string` for interpolations. */
  readonly type: string | null;
}

export function literalTemplate(value: unknown): PlaybookTemplate {
  // A copy per evaluation: the engine may keep or change what it gets, the compiled plan must not change.
  const evaluate = typeof value === 'object' && value !== null ? () => structuredClone(value) : () => value;
  return { expressions: [], literal: value, type: null, readsSecrets: false, evaluate };
}

/** Compiles one string; throws ExpressionError (offset relative to the string) on a bad expression. */
export function compileStringTemplate(text: string, options: ExpressionOptions = {}): PlaybookTemplate {
  const pieces = splitPieces(text);
  const parts = pieces.map((piece) => {
    if (piece.kind === 'text') return piece.text;
    // The source is kept trimmed (it is shown in errors and run views); offsets still count the spaces.
    const lead = piece.source.length - piece.source.trimStart().length;
    try {
      return compileExpression(piece.source.trim(), options);
    } catch (error) {
      if (!(error instanceof ExpressionError)) throw error;
      throw new ExpressionError(error.expression, {
        reason: error.reason,
        detail: error.detail,
        offset: piece.offset + lead + (error.offset ?? 0),
      });
    }
  });
  const expressions = parts.filter((part): part is PlaybookExpression => typeof part !== 'string');
  if (expressions.length === 0) return literalTemplate(parts.join(''));
  const readsSecrets = expressions.some((expression) => expression.readsSecrets);
  const [only] = parts;
  if (parts.length === 1 && only !== undefined && typeof only !== 'string') {
    return { expressions, type: only.type, readsSecrets, evaluate: (scope) => only.evaluate(scope) };
  }
  return { expressions, type: 'string', readsSecrets, evaluate: (scope) => interpolate(parts, scope) };
}

function splitPieces(text: string): ReturnType<typeof splitTemplate> {
  try {
    return splitTemplate(text);
  } catch (error) {
    if (!(error instanceof TemplateSyntaxError)) throw error;
    throw new ExpressionError(text.slice(error.offset), {
      reason: 'syntax',
      detail: error.message,
      offset: error.offset,
    });
  }
}

function interpolate(parts: readonly (string | PlaybookExpression)[], scope: ExpressionScope): string {
  let text = '';
  for (const part of parts) {
    text += typeof part === 'string' ? part : stringify(part.evaluate(scope));
    if (text.length > VALUE_LIMITS.maxBytes) {
      const source = typeof part === 'string' ? '' : part.source;
      throw new ExpressionError(source, {
        reason: 'bounds',
        detail: `the interpolated string is longer than ${VALUE_LIMITS.maxBytes} characters`,
      });
    }
  }
  return text;
}

/** How a value reads inside text: strings as they are, everything else as JSON (`null`, `[1,2]`). */
function stringify(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function objectTemplate(entries: ReadonlyMap<string, PlaybookTemplate>): PlaybookTemplate {
  const templates = [...entries.values()];
  const expressions = templates.flatMap((template) => template.expressions);
  if (expressions.length === 0) {
    return literalTemplate(
      Object.fromEntries([...entries].map(([key, template]) => [key, template.literal])),
    );
  }
  return {
    expressions,
    type: 'map',
    readsSecrets: templates.some((template) => template.readsSecrets),
    evaluate: (scope) => {
      const result: Record<string, unknown> = {};
      for (const [key, template] of entries) {
        Object.defineProperty(result, key, {
          value: template.evaluate(scope),
          enumerable: true,
          writable: true,
        });
      }
      return result;
    },
  };
}

export function listTemplate(items: readonly PlaybookTemplate[]): PlaybookTemplate {
  const expressions = items.flatMap((template) => template.expressions);
  if (expressions.length === 0) return literalTemplate(items.map((template) => template.literal));
  return {
    expressions,
    type: 'list',
    readsSecrets: items.some((template) => template.readsSecrets),
    evaluate: (scope) => items.map((template) => template.evaluate(scope)),
  };
}

/** Compiles a plain JSON-like value (strings anywhere in it may hold expressions). */
export function compileTemplate(value: unknown, options: ExpressionOptions = {}): PlaybookTemplate {
  if (typeof value === 'string') return compileStringTemplate(value, options);
  if (Array.isArray(value)) return listTemplate(value.map((item) => compileTemplate(item, options)));
  if (typeof value === 'object' && value !== null) {
    return objectTemplate(
      new Map(Object.entries(value).map(([key, item]) => [key, compileTemplate(item, options)])),
    );
  }
  return literalTemplate(value);
}

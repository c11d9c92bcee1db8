/**
 * Values crossing the CEL boundary. Results leave as JSON (CEL ints as numbers, maps as plain
 * objects); both what an expression reads and what it returns are bounded in size, so one playbook
 * cannot turn a large alert or a nested macro into an unbounded allocation stored with the run.
 */
import { Optional } from '@marcbachmann/cel-js';

export const VALUE_LIMITS = {
  /** Approximate JSON size of a value read from the scope or returned by an expression. */
  maxBytes: 1024 * 1024,
  maxListItems: 10_000,
  maxDepth: 64,
} as const;

/** A value over the bounds; the caller turns it into an ExpressionError of kind `bounds`. */
export class ValueBoundsError extends Error {
  override readonly name = 'ValueBoundsError';
}

/** A CEL result that JSON cannot carry (NaN, a 64-bit int beyond 2^53, a function). */
export class ValueConversionError extends Error {
  override readonly name = 'ValueConversionError';
}

interface Budget {
  bytes: number;
}

/** A JSON-safe copy of a CEL result; throws ValueBoundsError or ValueConversionError. */
export function toJsonValue(value: unknown): unknown {
  return convert(value, { bytes: 0 }, 0);
}

function charge(budget: Budget, bytes: number): void {
  budget.bytes += bytes;
  if (budget.bytes > VALUE_LIMITS.maxBytes) {
    throw new ValueBoundsError(`the value is larger than ${VALUE_LIMITS.maxBytes} bytes`);
  }
}

function convert(value: unknown, budget: Budget, depth: number): unknown {
  if (depth > VALUE_LIMITS.maxDepth) {
    throw new ValueBoundsError(`the value is nested deeper than ${VALUE_LIMITS.maxDepth} levels`);
  }
  if (value === null || value === undefined) {
    charge(budget, 4);
    return null;
  }
  switch (typeof value) {
    case 'string':
      charge(budget, value.length + 2);
      return value;
    case 'boolean':
      charge(budget, 5);
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new ValueConversionError('the result is not a finite number');
      charge(budget, 8);
      return value;
    case 'bigint':
      return convert(toSafeNumber(value), budget, depth);
    case 'object':
      return convertObject(value, budget, depth);
    default:
      throw new ValueConversionError(`a ${typeof value} cannot be a result`);
  }
}

function toSafeNumber(value: bigint): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number)) {
    throw new ValueConversionError('the integer result is beyond ±2^53 and would lose precision in JSON');
  }
  return number;
}

function convertObject(value: object, budget: Budget, depth: number): unknown {
  if (Array.isArray(value)) {
    checkListLength(value.length);
    charge(budget, 2);
    return value.map((item) => convert(item, budget, depth + 1));
  }
  if (value instanceof Optional) return convert(value.hasValue() ? value.value() : null, budget, depth);
  if (value instanceof Date) return convert(value.toISOString(), budget, depth);
  if (value instanceof Uint8Array) return convert(Buffer.from(value).toString('base64'), budget, depth);
  if (value instanceof Map) return convertEntries([...value.entries()], budget, depth);
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype === Object.prototype || prototype === null) {
    return convertEntries(Object.entries(value), budget, depth);
  }
  if ('value' in value && typeof value.value === 'bigint') return convert(value.value, budget, depth);
  // CEL durations and types print as CEL writes them (`5400s`, `Type<int>`).
  return convert(String(value), budget, depth);
}

function convertEntries(
  entries: [unknown, unknown][],
  budget: Budget,
  depth: number,
): Record<string, unknown> {
  checkListLength(entries.length);
  charge(budget, 2);
  const result: Record<string, unknown> = {};
  for (const [key, item] of entries) {
    const name = String(key);
    charge(budget, name.length + 3);
    Object.defineProperty(result, name, {
      value: convert(item, budget, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return result;
}

function checkListLength(length: number): void {
  if (length > VALUE_LIMITS.maxListItems) {
    throw new ValueBoundsError(`a list or map has ${length} items; at most ${VALUE_LIMITS.maxListItems}`);
  }
}

/**
 * Throws ValueBoundsError when a scope value an expression reads is over the bounds; stops early.
 * Returns how many values it holds, itself included (a list of two strings: 3).
 */
export function checkScopeValue(value: unknown): number {
  const budget = { bytes: 0, values: 0 };
  measure(value, budget, 0);
  return budget.values;
}

function measure(value: unknown, budget: Budget & { values: number }, depth: number): void {
  if (depth > VALUE_LIMITS.maxDepth) {
    throw new ValueBoundsError(`the value is nested deeper than ${VALUE_LIMITS.maxDepth} levels`);
  }
  budget.values++;
  if (typeof value === 'string') return charge(budget, value.length + 2);
  if (value === null || typeof value !== 'object') return charge(budget, 8);
  const items = Array.isArray(value) ? value : value instanceof Map ? [...value.values()] : null;
  if (items !== null) {
    checkListLength(items.length);
    charge(budget, 2);
    for (const item of items) measure(item, budget, depth + 1);
    return;
  }
  const keys = Object.keys(value);
  checkListLength(keys.length);
  charge(budget, 2);
  for (const key of keys) {
    charge(budget, key.length + 3);
    measure((value as Record<string, unknown>)[key], budget, depth + 1);
  }
}

const SHAPE_KEYS = 12;

/** A short type description for error reports: `map{score: double, tags: list(2)}`. Never values. */
export function describeShape(value: unknown, nested = false): string {
  if (value === undefined) return 'absent';
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'number':
      return 'double';
    case 'bigint':
      return 'int';
    case 'object':
      break;
    default:
      return typeof value;
  }
  if (Array.isArray(value)) return `list(${value.length})`;
  if (value instanceof Date) return 'timestamp';
  if (value instanceof Uint8Array) return 'bytes';
  if (nested) return 'map';
  const entries: [unknown, unknown][] = value instanceof Map ? [...value.entries()] : Object.entries(value);
  const fields = entries
    .slice(0, SHAPE_KEYS)
    .map(([key, item]) => `${String(key)}: ${describeShape(item, true)}`);
  if (entries.length > SHAPE_KEYS) fields.push(`…${entries.length - SHAPE_KEYS} more`);
  return `map{${fields.join(', ')}}`;
}

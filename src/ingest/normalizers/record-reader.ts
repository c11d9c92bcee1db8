import type { Severity } from '../../core/alert.ts';
import { RiposteError } from '../../core/riposte-error.ts';

/**
 * Safe reads from an untrusted vendor record: a path that is missing or of the wrong type reads as
 * undefined, never throws; `need*` readers throw `invalid_record` naming the path and what was expected.
 */
export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function asRecord(record: unknown, label: string): Json {
  if (!isObject(record)) {
    throw new RiposteError(
      'invalid_record',
      `a ${label} record must be a JSON object, got ${Array.isArray(record) ? 'an array' : typeof record}`,
      { path: '/' },
    );
  }
  return record;
}

/** Reads `a.b.c`; a key may itself contain dots when it is present literally (ECS flattened keys). */
export function get(record: unknown, path: string): unknown {
  if (!isObject(record)) return undefined;
  if (path in record) return record[path];
  let current: unknown = record;
  const { parts, rests } = compiledPath(path);
  for (let i = 0; i < parts.length; i++) {
    if (!isObject(current)) return undefined;
    const rest = rests[i]!;
    if (i > 0 && rest in current) return current[rest];
    current = current[parts[i]!];
  }
  return current;
}

/** Paths are the normalizers' own literals: split once, with each suffix ("b.c", "c") ready. */
const paths = new Map<string, { parts: string[]; rests: string[] }>();

function compiledPath(path: string): { parts: string[]; rests: string[] } {
  let compiled = paths.get(path);
  if (!compiled) {
    const parts = path.split('.');
    compiled = { parts, rests: parts.map((_, i) => parts.slice(i).join('.')) };
    if (paths.size < 5000) paths.set(path, compiled);
  }
  return compiled;
}

export function str(record: unknown, ...paths: string[]): string | undefined {
  for (const path of paths) {
    const value = get(record, path);
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  }
  return undefined;
}

export function num(record: unknown, ...paths: string[]): number | undefined {
  for (const path of paths) {
    const value = get(record, path);
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
      return Number(value);
  }
  return undefined;
}

export function list(record: unknown, path: string): unknown[] {
  const value = get(record, path);
  return Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
}

export function strings(record: unknown, path: string): string[] {
  return list(record, path).filter((v): v is string => typeof v === 'string' && v.trim() !== '');
}

export function needString(record: unknown, path: string, label: string): string {
  const value = str(record, path);
  if (value === undefined) {
    const actual = get(record, path);
    const has =
      actual === undefined
        ? 'no'
        : typeof actual === 'string'
          ? 'an empty'
          : `a non-text (${actual === null ? 'null' : Array.isArray(actual) ? 'array' : typeof actual})`;
    throw new RiposteError('invalid_record', `${label} record has ${has} ${path}: expected a string`, {
      path: `/${path.replace(/\./g, '/')}`,
    });
  }
  return value;
}

/**
 * An event time as ISO 8601: ISO strings (with or without zone, Suricata's +0000), epoch seconds or
 * milliseconds (number or numeric string), "YYYY-MM-DD hh:mm:ss[.fff]" as UTC. Undefined when unreadable.
 */
export function isoTime(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) {
    const ms = value > 1e12 ? value : value * 1000;
    const date = new Date(ms);
    return Number.isNaN(date.getTime()) || ms < 0 ? undefined : date.toISOString();
  }
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d{9,13}(\.\d+)?$/.test(v)) return isoTime(Number(v));
  const fixed = v
    .replace(/^(\d{4}-\d{2}-\d{2}) (\d)/, '$1T$2')
    .replace(/([+-]\d{2})(\d{2})$/, '$1:$2')
    .replace(/(\.\d{3})\d+/, '$1');
  const withZone = /[zZ]|[+-]\d{2}:\d{2}$/.test(fixed) || !/T\d/.test(fixed) ? fixed : `${fixed}Z`;
  const ms = Date.parse(withZone);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

export function firstTime(record: unknown, ...paths: string[]): string | undefined {
  for (const path of paths) {
    const time = isoTime(get(record, path));
    if (time) return time;
  }
  return undefined;
}

/** Severity from a word most vendors use (Low, MEDIUM, high, Critical, informational, info …). */
export function severityFromWord(value: unknown): Severity | undefined {
  if (typeof value !== 'string') return undefined;
  switch (value.trim().toLowerCase()) {
    case 'info':
    case 'informational':
    case 'information':
    case 'none':
      return 'informational';
    case 'low':
      return 'low';
    case 'medium':
    case 'moderate':
    case 'warning':
      return 'medium';
    case 'high':
    case 'severe':
    case 'error':
      return 'high';
    case 'critical':
    case 'very-high':
    case 'very high':
    case 'veryhigh':
    case 'fatal':
    case 'emergency':
      return 'critical';
    case 'unknown':
    case 'unspecified':
      return 'unknown';
    default:
      return undefined;
  }
}

/** Severity from a 0–10 score (CEF, GuardDuty, ASFF normalized/10 …): bands as CEF documents them. */
export function severityFromTen(score: number | undefined): Severity {
  if (score === undefined || Number.isNaN(score)) return 'unknown';
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  if (score >= 1) return 'low';
  return 'informational';
}

/** MITRE ATT&CK technique ids (T1110, T1110.001) found in a string. */
export function techniqueIds(text: unknown): string[] {
  if (typeof text !== 'string') return [];
  return [...text.matchAll(/\bT\d{4}(?:\.\d{3})?\b/g)].map((m) => m[0]);
}

/** Text of at most n characters, for titles built from free text. */
export function clip(text: string, n = 200): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > n ? `${oneLine.slice(0, n - 1)}…` : oneLine;
}

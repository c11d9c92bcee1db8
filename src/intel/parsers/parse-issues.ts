import { canonicalObservable } from '../../core/observable.ts';
import type { IndicatorType, ParsedIndicator, ParseIssue, ParseResult } from '../indicator.ts';

const TYPE_NAMES: Record<IndicatorType, string> = {
  ipv4: 'an IPv4 address',
  ipv6: 'an IPv6 address',
  domain: 'a registrable domain name',
  url: 'an absolute URL',
  email: 'an e-mail address',
  md5: 'an MD5 hash (32 hex digits)',
  sha1: 'a SHA-1 hash (40 hex digits)',
  sha256: 'a SHA-256 hash (64 hex digits)',
  filename: 'a file name',
};

/** Quotes a value from the input for a message, shortened so one bad record cannot flood a report. */
export function shown(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

/** Collects what a parser reads, so every parser reports errors and warnings the same way. */
export class ParseCollector {
  readonly indicators: ParsedIndicator[] = [];
  readonly errors: ParseIssue[] = [];
  readonly warnings: ParseIssue[] = [];
  records = 0;

  error(record: string, field: string, problem: string): void {
    this.errors.push({ record, field, problem });
  }

  warn(record: string, field: string, problem: string): void {
    this.warnings.push({ record, field, problem });
  }

  /**
   * The canonical value of a type, or null after recording the problem: an error when the format
   * promises a value of that type, a warning when `lenient` (the value is the format's free text).
   */
  canonical(
    type: IndicatorType,
    raw: unknown,
    where: { record: string; field: string },
    lenient = false,
  ): string | null {
    const value = typeof raw === 'string' ? canonicalObservable(type, raw) : null;
    if (value !== null) return value;
    const problem = `expected ${TYPE_NAMES[type]}, got ${shown(raw)}`;
    if (lenient) this.warn(where.record, where.field, `${problem}; skipped`);
    else this.error(where.record, where.field, problem);
    return null;
  }

  result(): ParseResult {
    return {
      indicators: this.indicators,
      errors: this.errors,
      warnings: this.warnings,
      records: this.records,
    };
  }
}

/** An ISO 8601 time from the formats feeds use (`2024-04-04 07:03:03`, `… UTC`, unix seconds), or null. */
export function feedTime(raw: unknown): string | null {
  if (typeof raw === 'number' && Number.isFinite(raw)) return new Date(raw * 1000).toISOString();
  if (typeof raw !== 'string' || raw.trim() === '') return null;
  const text = raw.trim();
  if (/^\d{9,11}$/.test(text)) return new Date(Number(text) * 1000).toISOString();
  const m =
    /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?\s*(UTC|Z|[+-]\d{2}:?\d{2})?$/i.exec(
      text,
    );
  if (!m) return null;
  const zone = !m[3] || /^(utc|z)$/i.test(m[3]) ? 'Z' : m[3];
  const at = Date.parse(`${m[1]}T${m[2] ?? '00:00:00'}${zone}`);
  return Number.isNaN(at) ? null : new Date(at).toISOString();
}

/** A confidence 0–100 from a number or numeric string; undefined when absent, null when invalid. */
export function confidenceOf(raw: unknown): number | null | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : NaN;
  return Number.isInteger(n) && n >= 0 && n <= 100 ? n : null;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function stringList(value: unknown): string[] {
  if (typeof value === 'string')
    return value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v !== '') : [];
}

/** The file parsed as JSON, or undefined after recording why it is not JSON. */
export function jsonDocument(text: string, out: ParseCollector): { doc: unknown } | undefined {
  try {
    return { doc: JSON.parse(text) as unknown };
  } catch (error) {
    out.error('document', 'json', `expected JSON: ${(error as Error).message}`);
    return undefined;
  }
}

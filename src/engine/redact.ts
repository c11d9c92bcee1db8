/**
 * Secret redaction: every occurrence of a secret value in a string, anywhere in a JSON-like value, is
 * replaced by `***`. The engine redacts everything it stores (inputs, outputs, errors, vars), so the
 * stored run never holds a secret even when a template or an integration echoes one.
 */
import { MIN_SECRET_LENGTH } from '../core/secret-rules.ts';

export const REDACTED = '***';

/** The secret values worth matching, longest first (so a secret containing another is replaced whole). */
export function secretValues(secrets: Record<string, string>): string[] {
  const values = new Set<string>();
  for (const v of Object.values(secrets))
    if (typeof v === 'string' && v.length >= MIN_SECRET_LENGTH) values.add(v);
  return [...values].sort((a, b) => b.length - a.length);
}

/** The value with secrets replaced; the same reference when nothing had to change. */
export function redact<T>(value: T, secrets: readonly string[]): T {
  if (secrets.length === 0) return value;
  return redactValue(value, secrets) as T;
}

function redactString(s: string, secrets: readonly string[]): string {
  let out = s;
  for (const secret of secrets) if (out.includes(secret)) out = out.replaceAll(secret, REDACTED);
  return out;
}

function redactValue(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return redactString(value, secrets);
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const v = redactValue(value[i], secrets);
      if (v !== value[i]) (copy ??= value.slice())[i] = v;
    }
    return copy ?? value;
  }
  // Keys too: an integration may echo a secret as a key. (Too-short secrets are never matched.)
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const rk = redactString(k, secrets);
    const rv = redactValue(v, secrets);
    if (rk !== k || rv !== v) changed = true;
    out[rk] = rv;
  }
  return changed ? out : value;
}

import type { ParseResult } from '../indicator.ts';
import { confidenceOf, isObject, ParseCollector, shown, stringList, jsonDocument } from './parse-issues.ts';
import { mapPattern, parsePattern, PatternError } from './stix-pattern.ts';

/** STIX timestamps are RFC 3339 in UTC (`2014-05-08T09:00:00.000000Z`). */
function stixTime(raw: unknown): string | null {
  if (typeof raw !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(raw)) return null;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? null : new Date(at).toISOString();
}

function objectsOf(doc: unknown, out: ParseCollector): { objects: unknown[]; prefix: string } | undefined {
  if (Array.isArray(doc)) return { objects: doc, prefix: '' };
  if (isObject(doc) && doc['type'] === 'bundle') {
    if (!Array.isArray(doc['objects'])) {
      out.error('bundle', 'objects', 'expected the list of STIX objects');
      return undefined;
    }
    return { objects: doc['objects'], prefix: 'objects' };
  }
  if (isObject(doc) && doc['type'] === 'indicator') return { objects: [doc], prefix: '' };
  out.error(
    'document',
    'type',
    `expected a STIX bundle ({"type": "bundle", "objects": [ … ]}), got type ${shown(isObject(doc) ? doc['type'] : doc)}`,
  );
  return undefined;
}

function readIndicator(out: ParseCollector, o: Record<string, unknown>, record: string): void {
  out.records++;
  const pattern = o['pattern'];
  const patternType = o['pattern_type'] ?? 'stix';
  if (typeof pattern !== 'string' || pattern.trim() === '') {
    out.error(
      record,
      'pattern',
      `expected a STIX pattern such as "[ipv4-addr:value = '198.51.100.1']", got ${shown(pattern)}`,
    );
    return;
  }
  const validFrom = o['valid_from'] === undefined ? null : stixTime(o['valid_from']);
  if (o['valid_from'] !== undefined && validFrom === null)
    out.error(
      record,
      'valid_from',
      `expected a timestamp like 2024-01-31T12:00:00Z, got ${shown(o['valid_from'])}`,
    );
  const validUntil = o['valid_until'] === undefined ? null : stixTime(o['valid_until']);
  if (o['valid_until'] !== undefined && validUntil === null)
    out.error(
      record,
      'valid_until',
      `expected a timestamp like 2024-01-31T12:00:00Z, got ${shown(o['valid_until'])}`,
    );
  if (validFrom && validUntil && validUntil <= validFrom)
    out.error(record, 'valid_until', `expected a time after valid_from (${validFrom}), got ${validUntil}`);
  const confidence = confidenceOf(o['confidence']);
  if (confidence === null)
    out.error(record, 'confidence', `expected an integer 0–100, got ${shown(o['confidence'])}`);
  for (const field of ['labels', 'indicator_types'])
    if (
      o[field] !== undefined &&
      (!Array.isArray(o[field]) || (o[field] as unknown[]).some((l) => typeof l !== 'string'))
    )
      out.error(record, field, `expected a list of strings, got ${shown(o[field])}`);
  if (typeof patternType !== 'string') {
    out.error(record, 'pattern_type', `expected a string such as "stix", got ${shown(patternType)}`);
    return;
  }
  if (patternType !== 'stix') {
    out.warn(
      record,
      'pattern_type',
      `${shown(patternType)} patterns cannot be matched against observables; skipped`,
    );
    return;
  }
  let mapping;
  try {
    mapping = mapPattern(parsePattern(pattern));
  } catch (error) {
    if (!(error instanceof PatternError)) throw error;
    out.error(record, 'pattern', `expected a valid STIX pattern: ${error.message} in ${shown(pattern)}`);
    return;
  }
  if (o['revoked'] === true) {
    out.warn(record, 'revoked', 'the indicator is revoked; skipped');
    return;
  }
  for (const reason of mapping.unmapped)
    out.warn(record, 'pattern', `${reason}; that part of the pattern is skipped`);
  if (out.errors.some((e) => e.record === record)) return;
  const name = typeof o['name'] === 'string' && o['name'] !== '' ? o['name'] : null;
  const labels = [...new Set([...stringList(o['labels']), ...stringList(o['indicator_types'])])];
  for (const { type, value: raw } of mapping.values) {
    // Feeds write single hosts as CIDR blocks; a wider block is not one observable.
    const single =
      type === 'ipv4' ? raw.replace(/\/32$/, '') : type === 'ipv6' ? raw.replace(/\/128$/, '') : raw;
    const value = out.canonical(type, single, { record, field: 'pattern' }, true);
    if (value === null) continue;
    out.indicators.push({
      type,
      value,
      confidence: confidence ?? null,
      threat: name,
      labels,
      tags: [],
      firstSeen: validFrom,
      validUntil,
      reference: typeof o['id'] === 'string' ? o['id'] : null,
    });
  }
}

/**
 * A STIX 2.1 bundle: every `indicator` object with a STIX pattern becomes the observable values its
 * pattern is satisfied by. The other objects (malware, relationships, reports…) are context Riposte
 * does not store. A value the pattern holds but that is not a valid observable is a warning: STIX
 * patterns are free text to the producer, and one sloppy comparison should not cost the bundle.
 */
export function parseStixBundle(text: string): ParseResult {
  const out = new ParseCollector();
  const parsed = jsonDocument(text, out);
  if (!parsed) return out.result();
  const { doc } = parsed;
  const found = objectsOf(doc, out);
  if (!found) return out.result();
  found.objects.forEach((o, i) => {
    const record = found.prefix ? `${found.prefix}[${i}]` : `[${i}]`;
    if (!isObject(o) || typeof o['type'] !== 'string') {
      out.error(record, 'type', 'expected a STIX object with a type');
      return;
    }
    if (o['type'] === 'indicator')
      readIndicator(out, o, `${record} (${typeof o['id'] === 'string' ? o['id'] : 'indicator'})`);
  });
  return out.result();
}

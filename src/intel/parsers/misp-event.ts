import { isIP } from 'node:net';
import type { IndicatorType, ParseResult } from '../indicator.ts';
import { feedTime, isObject, ParseCollector, shown, jsonDocument } from './parse-issues.ts';
import { lookupTable } from '../../core/lookup-table.ts';

/** MISP attribute types and the observable type of each; `ip` is typed by its version. */
const TYPES = lookupTable<IndicatorType | 'ip'>({
  'ip-src': 'ip',
  'ip-dst': 'ip',
  domain: 'domain',
  hostname: 'domain',
  url: 'url',
  uri: 'url',
  md5: 'md5',
  sha1: 'sha1',
  sha256: 'sha256',
  'email-src': 'email',
  'email-dst': 'email',
  email: 'email',
  filename: 'filename',
});
/** Types whose values MISP takes loosely (a `uri` may be a bare path, a `hostname` a single label). */
const LOOSE = new Set(['uri', 'hostname']);

const THREAT_LEVEL_CONFIDENCE = lookupTable<number | null>({ '1': 85, '2': 70, '3': 50, '4': null });

interface EventContext {
  threat: string | null;
  confidence: number | null;
  tags: string[];
  firstSeen: string | null;
}

function tagNames(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list
    .map((t) => (isObject(t) ? (isObject(t['Tag']) ? t['Tag']['name'] : t['name']) : undefined))
    .filter((n): n is string => typeof n === 'string' && n !== '');
}

/** Skips of the same kind are reported once, with where the first one is and how many there are. */
class Skips {
  readonly #byReason = new Map<string, { field: string; records: string[] }>();

  add(record: string, field: string, reason: string): void {
    const key = `${field}\u0000${reason}`;
    const entry = this.#byReason.get(key);
    if (entry) entry.records.push(record);
    else this.#byReason.set(key, { field, records: [record] });
  }

  report(out: ParseCollector): void {
    for (const [key, { field, records }] of this.#byReason) {
      const reason = key.split('\u0000')[1]!;
      const more = records.length > 1 ? ` and ${records.length - 1} more` : '';
      out.warn(`${records[0]}${more}`, field, `${reason}; skipped`);
    }
  }
}

function readAttribute(
  out: ParseCollector,
  skips: Skips,
  a: unknown,
  record: string,
  event: EventContext,
): void {
  out.records++;
  if (!isObject(a)) {
    out.error(record, 'Attribute', 'expected an attribute object');
    return;
  }
  const type = a['type'];
  const raw = a['value'];
  if (typeof type !== 'string' || type === '') {
    out.error(record, 'type', `expected a MISP attribute type such as "ip-dst", got ${shown(type)}`);
    return;
  }
  if (typeof raw !== 'string') {
    out.error(record, 'value', `expected the attribute value as a string, got ${shown(raw)}`);
    return;
  }
  if (a['deleted'] === true || a['deleted'] === '1')
    return skips.add(record, 'deleted', 'deleted attributes');
  const parts = type.split('|');
  const values = parts.length > 1 ? raw.split('|') : [raw];
  if (values.length !== parts.length) {
    out.error(
      record,
      'value',
      `expected ${parts.length} values separated by "|" for type ${type}, got ${shown(raw)}`,
    );
    return;
  }
  if (!parts.some((p) => TYPES[p]))
    return skips.add(record, 'type', `type "${type}" has no Riposte observable type`);
  if (a['to_ids'] === false || a['to_ids'] === '0' || a['to_ids'] === 0)
    return skips.add(record, 'to_ids', 'attributes not meant for detection (to_ids false)');
  const firstSeen = feedTime(a['first_seen']) ?? feedTime(a['timestamp']) ?? event.firstSeen;
  const tags = [...new Set([...event.tags, ...tagNames(a['Tag'])])];
  const category = typeof a['category'] === 'string' ? a['category'] : null;
  parts.forEach((part, i) => {
    const mapped = TYPES[part];
    if (!mapped) return;
    const text = values[i]!.trim();
    const kind: IndicatorType = mapped === 'ip' ? (isIP(text) === 6 ? 'ipv6' : 'ipv4') : mapped;
    const value = out.canonical(kind, text, { record, field: 'value' }, LOOSE.has(part));
    if (value === null) return;
    out.indicators.push({
      type: kind,
      value,
      confidence: event.confidence,
      threat: event.threat,
      labels: category ? [category] : [],
      tags,
      firstSeen,
      validUntil: null,
      reference: typeof a['uuid'] === 'string' ? a['uuid'] : null,
    });
  });
}

function readEvent(out: ParseCollector, skips: Skips, e: Record<string, unknown>, record: string): void {
  const level = e['threat_level_id'];
  const levelText = typeof level === 'number' || typeof level === 'string' ? String(level) : undefined;
  if (level !== undefined && !(levelText! in THREAT_LEVEL_CONFIDENCE))
    out.error(
      record,
      'threat_level_id',
      `expected 1 (high), 2 (medium), 3 (low) or 4 (undefined), got ${shown(level)}`,
    );
  const context: EventContext = {
    threat: typeof e['info'] === 'string' && e['info'] !== '' ? e['info'] : null,
    confidence: levelText ? (THREAT_LEVEL_CONFIDENCE[levelText] ?? null) : null,
    tags: [...new Set([...tagNames(e['Tag']), ...tagNames(e['EventTag'])])],
    firstSeen: feedTime(e['date']),
  };
  for (const field of ['Attribute', 'Object'])
    if (e[field] !== undefined && !Array.isArray(e[field]))
      out.error(record, field, `expected a list, got ${shown(e[field])}`);
  const attributes = Array.isArray(e['Attribute']) ? e['Attribute'] : [];
  attributes.forEach((a, i) => readAttribute(out, skips, a, `${record}.Attribute[${i}]`, context));
  const objects = Array.isArray(e['Object']) ? e['Object'] : [];
  objects.forEach((o, i) => {
    const where = `${record}.Object[${i}]`;
    if (!isObject(o) || (o['Attribute'] !== undefined && !Array.isArray(o['Attribute']))) {
      out.error(where, 'Attribute', 'expected an object with a list of attributes');
      return;
    }
    const list = (o['Attribute'] as unknown[] | undefined) ?? [];
    list.forEach((a, j) => readAttribute(out, skips, a, `${where}.Attribute[${j}]`, context));
  });
}

/** The events of a document: one `{"Event": …}`, a list of them, a `{"response": [ … ]}` search result, or bare events. */
function eventsOf(doc: unknown): { event: unknown; record: string }[] | undefined {
  const unwrap = (item: unknown, record: string) =>
    isObject(item) && 'Event' in item
      ? { event: item['Event'], record: `${record}.Event` }
      : { event: item, record };
  if (isObject(doc) && 'Event' in doc) return [{ event: doc['Event'], record: 'Event' }];
  if (isObject(doc) && Array.isArray(doc['response']))
    return doc['response'].map((item, i) => unwrap(item, `response[${i}]`));
  if (Array.isArray(doc)) return doc.map((item, i) => unwrap(item, `[${i}]`));
  if (isObject(doc) && typeof doc['info'] === 'string') return [{ event: doc, record: 'Event' }];
  return undefined;
}

/**
 * MISP event JSON: attributes of the event and of its objects, composite types split
 * (`filename|sha256`), only those meant for detection (`to_ids`). Event title, threat level and
 * tags travel with each indicator. An event index (events without attributes) holds no indicators.
 */
export function parseMispEvent(text: string): ParseResult {
  const out = new ParseCollector();
  const parsed = jsonDocument(text, out);
  if (!parsed) return out.result();
  const { doc } = parsed;
  const events = eventsOf(doc);
  if (!events) {
    out.error(
      'document',
      'Event',
      'expected a MISP event {"Event": { … }}, a list of events or {"response": [ … ]}',
    );
    return out.result();
  }
  const skips = new Skips();
  for (const { event, record } of events) {
    if (!isObject(event)) out.error(record, 'Event', `expected an event object, got ${shown(event)}`);
    else readEvent(out, skips, event, record);
  }
  skips.report(out);
  if (out.records === 0)
    out.warn('document', 'Attribute', 'the events carry no attributes (an event index?): no indicators');
  return out.result();
}

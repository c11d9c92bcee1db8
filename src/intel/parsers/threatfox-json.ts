import type { IndicatorType, ParseResult } from '../indicator.ts';
import {
  confidenceOf,
  feedTime,
  isObject,
  ParseCollector,
  shown,
  stringList,
  jsonDocument,
} from './parse-issues.ts';
import { lookupTable } from '../../core/lookup-table.ts';

const TYPES = lookupTable<IndicatorType | 'ip:port'>({
  'ip:port': 'ip:port',
  domain: 'domain',
  url: 'url',
  md5_hash: 'md5',
  sha1_hash: 'sha1',
  sha256_hash: 'sha256',
});

/** `1.2.3.4:443` or `[2001:db8::1]:443` → the address and its version. */
function splitIpPort(raw: string): { ip: string; type: 'ipv4' | 'ipv6' } {
  const bracketed = /^\[(.+)\](?::\d+)?$/.exec(raw);
  if (bracketed) return { ip: bracketed[1]!, type: 'ipv6' };
  const colons = raw.split(':').length - 1;
  if (colons === 1) return { ip: raw.slice(0, raw.lastIndexOf(':')), type: 'ipv4' };
  return colons === 0 ? { ip: raw, type: 'ipv4' } : { ip: raw, type: 'ipv6' };
}

function readEntry(out: ParseCollector, entry: unknown, record: string, idHint?: string): void {
  out.records++;
  if (!isObject(entry)) {
    out.error(record, 'ioc', 'expected an IOC object');
    return;
  }
  // The API says `ioc`, `first_seen`; the JSON export says `ioc_value`, `first_seen_utc`.
  const iocField = 'ioc' in entry ? 'ioc' : 'ioc_value';
  const ioc = entry[iocField];
  const kind = entry['ioc_type'];
  if (typeof ioc !== 'string' || ioc === '') {
    out.error(record, iocField, `expected the IOC value, got ${shown(ioc)}`);
    return;
  }
  if (typeof kind !== 'string' || kind === '') {
    out.error(record, 'ioc_type', `expected one of ${Object.keys(TYPES).join(', ')}, got ${shown(kind)}`);
    return;
  }
  const mapped = TYPES[kind];
  if (!mapped) {
    out.warn(record, 'ioc_type', `type ${shown(kind)} has no Riposte observable type; skipped`);
    return;
  }
  const confidence = confidenceOf(entry['confidence_level']);
  if (confidence === null) {
    out.error(
      record,
      'confidence_level',
      `expected an integer 0–100, got ${shown(entry['confidence_level'])}`,
    );
    return;
  }
  const firstSeenRaw = entry['first_seen'] ?? entry['first_seen_utc'];
  const firstSeen = feedTime(firstSeenRaw);
  if (firstSeenRaw !== undefined && firstSeenRaw !== null && firstSeen === null) {
    out.error(record, 'first_seen', `expected a time "YYYY-MM-DD hh:mm:ss UTC", got ${shown(firstSeenRaw)}`);
    return;
  }
  const address = mapped === 'ip:port' ? splitIpPort(ioc) : undefined;
  const type = address ? address.type : (mapped as IndicatorType);
  const value = out.canonical(type, address ? address.ip : ioc, { record, field: iocField });
  if (value === null) return;
  const threatType = typeof entry['threat_type'] === 'string' ? entry['threat_type'] : null;
  const malware = entry['malware_printable'] ?? entry['malware'];
  const id =
    typeof entry['id'] === 'string' || typeof entry['id'] === 'number' ? String(entry['id']) : idHint;
  out.indicators.push({
    type,
    value,
    confidence: confidence ?? null,
    threat: typeof malware === 'string' && malware !== '' ? malware : threatType,
    labels: threatType ? [threatType] : [],
    tags: [
      ...stringList(entry['tags']),
      ...(address && ioc !== address.ip ? [`port:${ioc.slice(ioc.lastIndexOf(':') + 1)}`] : []),
    ],
    firstSeen,
    validUntil: null,
    reference: id ? `https://threatfox.abuse.ch/ioc/${id}/` : null,
  });
}

/**
 * ThreatFox IOCs: the API's answer to a query (`{"query_status": "ok", "data": [ … ]}`) or the
 * JSON export (`{"<id>": [ { "ioc_value": … } ] }`). A submission receipt holds no IOCs.
 */
export function parseThreatfoxJson(text: string): ParseResult {
  const out = new ParseCollector();
  const parsed = jsonDocument(text, out);
  if (!parsed) return out.result();
  const { doc } = parsed;
  if (!isObject(doc)) {
    out.error(
      'document',
      'data',
      'expected a ThreatFox response {"query_status": …, "data": [ … ]} or the JSON export',
    );
    return out.result();
  }
  if (!('query_status' in doc)) {
    for (const [id, entries] of Object.entries(doc)) {
      if (!Array.isArray(entries)) {
        out.error(id, 'entries', 'expected the list of IOCs of this id (the ThreatFox JSON export shape)');
        continue;
      }
      entries.forEach((e, i) => readEntry(out, e, `${id}[${i}]`, id));
    }
    return out.result();
  }
  const status = doc['query_status'];
  const data = doc['data'];
  if (status === 'no_result') {
    out.warn('document', 'query_status', 'the query found nothing ("no_result"): no indicators');
    return out.result();
  }
  if (status !== 'ok') {
    out.error(
      'document',
      'query_status',
      `expected "ok" or "no_result", got ${shown(status)}${typeof data === 'string' ? ` (${data})` : ''}`,
    );
    return out.result();
  }
  if (isObject(data) && ('ok' in data || 'ignored' in data || 'duplicated' in data)) {
    out.warn(
      'document',
      'data',
      'this is the receipt of an IOC submission, not a list of IOCs: no indicators',
    );
    return out.result();
  }
  if (!Array.isArray(data)) {
    out.error('document', 'data', 'expected a list of IOCs');
    return out.result();
  }
  data.forEach((e, i) => readEntry(out, e, `data[${i}]`));
  return out.result();
}

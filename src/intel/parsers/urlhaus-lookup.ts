import type { ParseResult } from '../indicator.ts';
import { feedTime, isObject, ParseCollector, shown, stringList, jsonDocument } from './parse-issues.ts';

/**
 * The URLhaus API's answer to a URL lookup (`POST /v1/url/`): the URL, and the MD5 and SHA-256 of
 * each payload it served. `no_results` is an answer with nothing in it.
 */
export function parseUrlhausLookup(text: string): ParseResult {
  const out = new ParseCollector();
  const parsed = jsonDocument(text, out);
  if (!parsed) return out.result();
  const { doc } = parsed;
  if (!isObject(doc) || typeof doc['query_status'] !== 'string') {
    out.error('document', 'query_status', 'expected a URLhaus API response {"query_status": …, "url": …}');
    return out.result();
  }
  if (doc['query_status'] === 'no_results') {
    out.warn('document', 'query_status', 'the lookup found nothing ("no_results"): no indicators');
    return out.result();
  }
  if (doc['query_status'] !== 'ok') {
    out.error('document', 'query_status', `expected "ok" or "no_results", got ${shown(doc['query_status'])}`);
    return out.result();
  }
  out.records = 1;
  const url = out.canonical('url', doc['url'], { record: 'document', field: 'url' });
  const firstSeen = feedTime(doc['date_added']);
  const threat = typeof doc['threat'] === 'string' && doc['threat'] ? doc['threat'] : null;
  const tags = stringList(doc['tags']);
  const reference = typeof doc['urlhaus_reference'] === 'string' ? doc['urlhaus_reference'] : null;
  const base = { threat, labels: threat ? [threat] : [], tags, firstSeen, validUntil: null, reference };
  if (url !== null)
    out.indicators.push({
      ...base,
      type: 'url',
      value: url,
      confidence: doc['url_status'] === 'online' ? 80 : 60,
    });
  const payloads = doc['payloads'];
  if (payloads !== undefined && payloads !== null && !Array.isArray(payloads)) {
    out.error('document', 'payloads', 'expected a list of payloads');
    return out.result();
  }
  for (const [i, payload] of (payloads ?? []).entries()) {
    const record = `payloads[${i}]`;
    out.records++;
    if (!isObject(payload)) {
      out.error(record, 'payload', 'expected an object');
      continue;
    }
    const signature = typeof payload['signature'] === 'string' ? payload['signature'] : null;
    const payloadBase = {
      ...base,
      threat: signature ?? threat,
      firstSeen: feedTime(payload['firstseen']) ?? firstSeen,
    };
    for (const [field, type] of [
      ['response_md5', 'md5'],
      ['response_sha256', 'sha256'],
    ] as const) {
      if (payload[field] === undefined || payload[field] === null) continue;
      const value = out.canonical(type, payload[field], { record, field });
      if (value !== null) out.indicators.push({ ...payloadBase, type, value, confidence: 70 });
    }
  }
  return out.result();
}

import type { IntelFormat, IntelParser } from '../indicator.ts';
import { parseFeodoCsv } from './feodo-csv.ts';
import { parseMispEvent } from './misp-event.ts';
import { isObject } from './parse-issues.ts';
import { parseStixBundle } from './stix-bundle.ts';
import { parseThreatfoxJson } from './threatfox-json.ts';
import { parseUrlhausCsv } from './urlhaus-csv.ts';
import { parseUrlhausLookup } from './urlhaus-lookup.ts';

export const PARSERS: Record<IntelFormat, IntelParser> = {
  stix: parseStixBundle,
  misp: parseMispEvent,
  urlhaus: parseUrlhausCsv,
  'urlhaus-api': parseUrlhausLookup,
  feodo: parseFeodoCsv,
  threatfox: parseThreatfoxJson,
};

function looksLikeMispEvent(value: unknown): boolean {
  return (
    isObject(value) &&
    ('Event' in value ||
      (typeof value['info'] === 'string' && ('Attribute' in value || 'threat_level_id' in value)))
  );
}

function detectJson(doc: unknown): IntelFormat | undefined {
  if (isObject(doc)) {
    if (doc['type'] === 'bundle' || (doc['type'] === 'indicator' && 'pattern' in doc)) return 'stix';
    if (looksLikeMispEvent(doc)) return 'misp';
    if (Array.isArray(doc['response']) && doc['response'].every(looksLikeMispEvent)) return 'misp';
    if ('query_status' in doc)
      return 'urlhaus_reference' in doc || 'url_status' in doc ? 'urlhaus-api' : 'threatfox';
    const lists = Object.values(doc);
    if (
      lists.length > 0 &&
      lists.every((l) => Array.isArray(l) && l.every((e) => isObject(e) && 'ioc_value' in e))
    )
      return 'threatfox';
    return undefined;
  }
  if (Array.isArray(doc) && doc.length > 0) {
    if (doc.every(looksLikeMispEvent)) return 'misp';
    if (doc.every((o) => isObject(o) && typeof o['type'] === 'string' && 'spec_version' in o)) return 'stix';
  }
  return undefined;
}

/**
 * The format of a file from its content: JSON by its telling members, CSV by its column row. The
 * head of the text is enough for CSV; JSON is parsed whole (the parser would parse it anyway).
 */
export function detectFormat(text: string): IntelFormat | undefined {
  const start = text.trimStart();
  if (start.startsWith('{') || start.startsWith('[')) {
    try {
      return detectJson(JSON.parse(start));
    } catch {
      return undefined;
    }
  }
  const head = start.slice(0, 8192).toLowerCase();
  if (/first_seen_utc"?\s*,\s*"?dst_ip/.test(head) || /feodo tracker/.test(head)) return 'feodo';
  if (/dateadded[^,\n]*,\s*"?url"?\s*,/.test(head) || /urlhaus/.test(head)) return 'urlhaus';
  return undefined;
}

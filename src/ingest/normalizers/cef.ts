import type { Observable, Severity } from '../../core/alert.ts';
import {
  dedupeObservables,
  hashObservable,
  ipObservable,
  observable,
  urlObservables,
} from '../../core/observable.ts';
import { RiposteError } from '../../core/riposte-error.ts';
import type { Normalizer } from '../normalizer.ts';
import { splitLines } from '../split-body.ts';
import { isoTime, severityFromTen, severityFromWord, techniqueIds } from './record-reader.ts';

export interface CefEvent {
  version: string;
  vendor: string;
  product: string;
  productVersion: string;
  signatureId: string;
  name: string;
  severity: string;
  extension: Record<string, string>;
  /** The syslog header before `CEF:`, if any. */
  prefix: string;
}

/** Header fields: `|` separates, `\|` and `\\` escape. Returns the 7 header fields and the rest. */
function splitHeader(text: string): { fields: string[]; rest: string } | undefined {
  const fields: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && (text[i + 1] === '|' || text[i + 1] === '\\')) {
      current += text[++i];
    } else if (c === '|') {
      fields.push(current);
      current = '';
      if (fields.length === 7) return { fields, rest: text.slice(i + 1) };
    } else current += c;
  }
  return undefined;
}

/**
 * Extension `key=value` pairs separated by spaces; a value runs until the next unescaped ` key=`.
 * Escapes in values: `\=`, `\\`, `\n`, `\r`.
 */
export function parseCefExtension(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const keyAt = /(?:^|\s)([A-Za-z0-9_.[\]-]+)=/g;
  const starts: { key: string; valueStart: number; matchStart: number }[] = [];
  for (const m of text.matchAll(keyAt)) {
    const eq = (m.index ?? 0) + m[0].length - 1;
    let backslashes = 0;
    for (let j = eq - 1; j >= 0 && text[j] === '\\'; j--) backslashes++;
    if (backslashes % 2 === 1) continue;
    starts.push({ key: m[1]!, valueStart: eq + 1, matchStart: m.index ?? 0 });
  }
  starts.forEach((s, i) => {
    const end = i + 1 < starts.length ? starts[i + 1]!.matchStart : text.length;
    out[s.key] = text
      .slice(s.valueStart, end)
      .trim()
      .replace(/\\(.)/g, (_, ch: string) => (ch === 'n' ? '\n' : ch === 'r' ? '\r' : ch));
  });
  return out;
}

export function parseCef(line: string): CefEvent {
  const at = line.indexOf('CEF:');
  if (at === -1) throw new RiposteError('invalid_record', 'the line has no "CEF:" header', { path: '/' });
  const header = splitHeader(line.slice(at + 4));
  if (!header) {
    throw new RiposteError(
      'invalid_record',
      'a CEF header needs 7 "|"-separated fields: Version|Device Vendor|Device Product|Device Version|Signature ID|Name|Severity|',
      { path: '/header' },
    );
  }
  const [version, vendor, product, productVersion, signatureId, name, severity] = header.fields as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  return {
    version,
    vendor,
    product,
    productVersion,
    signatureId,
    name,
    severity,
    extension: parseCefExtension(header.rest),
    prefix: line.slice(0, at).trim(),
  };
}

/** CEF severity: 0–10 (0–3 low, 4–6 medium, 7–8 high, 9–10 very high) or the words. */
function cefSeverity(value: string): Severity {
  const word = severityFromWord(value);
  if (word) return word;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) return 'unknown';
  if (n <= 3) return 'low';
  return severityFromTen(n);
}

/** rt/start/end: epoch milliseconds or "MMM dd yyyy HH:mm:ss[.SSS][ zone]". */
export function cefTime(value: string | undefined): string | undefined {
  if (!value) return undefined;
  if (/^[A-Z][a-z]{2} \d{1,2}( \d{4})? \d{2}:\d{2}:\d{2}/.test(value)) {
    const hasZone = /\s([A-Z]{2,5}|[+-]\d{2}:?\d{2})$/.test(value);
    const ms = Date.parse(hasZone ? value : `${value} UTC`);
    return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
  }
  return isoTime(/^\d+$/.test(value) ? Number(value) : value);
}

function extensionObservables(x: Record<string, string>): (Observable | null)[] {
  return [
    ipObservable(x.src, 'source'),
    ipObservable(x.dst, 'destination'),
    observable('host', x.shost, 'source'),
    observable('host', x.dhost, 'destination'),
    observable('mac', x.smac, 'source'),
    observable('mac', x.dmac, 'destination'),
    observable('user', x.suser, 'actor'),
    observable('user', x.duser, 'target'),
    observable('filename', x.fname, 'file'),
    hashObservable(x.fileHash, 'file'),
    ...urlObservables(x.request, 'destination'),
    observable('domain', x.destinationDnsDomain, 'destination'),
    observable('process', x.sproc, 'related'),
    observable('process', x.dproc, 'related'),
    ipObservable(x.dvc, 'related'),
    observable('host', x.dvchost, 'related'),
  ];
}

/** ArcSight Common Event Format lines, with or without a syslog header before `CEF:`. */
export const cef: Normalizer = {
  format: 'cef',
  split: (body) => splitLines(body),
  normalize(record, ctx) {
    if (typeof record !== 'string')
      throw new RiposteError('invalid_record', 'a CEF record is one text line', { path: '/' });
    const e = parseCef(record);
    if (e.name.trim() === '')
      throw new RiposteError('invalid_record', 'the CEF Name field (6th) is empty', { path: '/header/name' });
    const x = e.extension;
    const labelled = Object.entries(x).filter(([k]) => /^c[sn]\d+Label$/.test(k));
    const mitre = labelled
      .filter(([, label]) => /mitre|technique|att&?ck/i.test(label))
      .flatMap(([k]) => techniqueIds(x[k.replace(/Label$/, '')]))
      .map((technique) => ({ technique }));
    return {
      ...(x.externalId ? { sourceRef: x.externalId } : {}),
      title: e.name,
      ...(x.msg ? { description: x.msg } : {}),
      severity: cefSeverity(e.severity),
      category: x.cat ?? `${e.vendor} ${e.product}`.trim().toLowerCase().replace(/\s+/g, '-'),
      rule: { id: e.signatureId || e.name, name: e.name },
      eventTime: cefTime(x.rt) ?? cefTime(x.start) ?? cefTime(x.end) ?? ctx.receivedAt,
      observables: dedupeObservables(extensionObservables(x)),
      mitre,
      raw: {
        line: record,
        header: {
          vendor: e.vendor,
          product: e.product,
          version: e.productVersion,
          signatureId: e.signatureId,
          name: e.name,
          severity: e.severity,
        },
        extension: x,
      },
    };
  },
};

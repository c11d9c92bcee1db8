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
import { cefTime } from './cef.ts';
import { severityFromTen } from './record-reader.ts';

export interface LeefEvent {
  version: string;
  vendor: string;
  product: string;
  productVersion: string;
  eventId: string;
  attributes: Record<string, string>;
}

/** LEEF 2.0 names its delimiter as one character or as hex (`x09`, `0x5E`); LEEF 1.0 uses a tab. */
function delimiter(spec: string): string {
  const hex = /^(?:0?x)([0-9a-f]{2,4})$/i.exec(spec);
  if (hex) return String.fromCharCode(parseInt(hex[1]!, 16));
  return spec === '' ? '\t' : spec[0]!;
}

export function parseLeef(line: string): LeefEvent {
  const at = line.indexOf('LEEF:');
  if (at === -1) throw new RiposteError('invalid_record', 'the line has no "LEEF:" header', { path: '/' });
  const parts = line.slice(at + 5).split('|');
  const [version, vendor, product, productVersion, eventId] = parts;
  if (
    version === undefined ||
    vendor === undefined ||
    product === undefined ||
    productVersion === undefined ||
    eventId === undefined ||
    parts.length < 6
  ) {
    throw new RiposteError(
      'invalid_record',
      'a LEEF header needs Version|Vendor|Product|Version|EventID| before the attributes',
      { path: '/header' },
    );
  }
  let rest: string;
  let separator = '\t';
  if (version.startsWith('2') && parts.length >= 7) {
    separator = delimiter(parts[5]!);
    rest = parts.slice(6).join('|');
  } else rest = parts.slice(5).join('|');
  const attributes: Record<string, string> = {};
  for (const pair of rest.split(separator)) {
    const eq = pair.indexOf('=');
    if (eq > 0) attributes[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return { version, vendor, product, productVersion, eventId, attributes };
}

/** IBM QRadar Log Event Extended Format, 1.0 (tab-separated) and 2.0 (declared delimiter). */
export const leef: Normalizer = {
  format: 'leef',
  split: (body) => splitLines(body),
  normalize(record, ctx) {
    if (typeof record !== 'string')
      throw new RiposteError('invalid_record', 'a LEEF record is one text line', { path: '/' });
    const e = parseLeef(record);
    if (e.eventId.trim() === '')
      throw new RiposteError('invalid_record', 'the LEEF EventID field (5th) is empty', {
        path: '/header/eventId',
      });
    const a = e.attributes;
    const sev = a.sev === undefined ? undefined : Number(a.sev);
    const title = a.name ?? a.msg ?? `${e.product} ${e.eventId}`;
    return {
      ...(a.externalId ? { sourceRef: a.externalId } : {}),
      title,
      ...(a.msg && a.msg !== title ? { description: a.msg } : {}),
      severity: sev === undefined || Number.isNaN(sev) ? 'unknown' : severityFromTen(sev),
      category: a.cat ?? `${e.vendor} ${e.product}`.trim().toLowerCase().replace(/\s+/g, '-'),
      rule: { id: e.eventId, name: a.cat ? `${e.eventId} (${a.cat})` : e.eventId },
      eventTime: cefTime(a.devTime) ?? ctx.receivedAt,
      observables: dedupeObservables([
        ipObservable(a.src, 'source'),
        ipObservable(a.dst, 'destination'),
        observable('user', a.usrName ?? a.accountName, 'actor'),
        observable('host', a.identHostName ?? a.srcHostName, 'source'),
        observable('host', a.dstHostName, 'destination'),
        observable('mac', a.srcMAC, 'source'),
        observable('mac', a.dstMAC, 'destination'),
        ...urlObservables(a.url, 'destination'),
        observable('filename', a.fileName ?? a.resource, 'file'),
        hashObservable(a.fileHash ?? a.sha256, 'file'),
        observable('email', a.sender, 'sender'),
        observable('email', a.recipient, 'recipient'),
      ]),
      mitre: [],
      raw: {
        line: record,
        header: {
          version: e.version,
          vendor: e.vendor,
          product: e.product,
          productVersion: e.productVersion,
          eventId: e.eventId,
        },
        attributes: a,
      },
    };
  },
};

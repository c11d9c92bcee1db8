import { TextDecoder } from 'node:util';
import { RiposteError } from '../core/riposte-error.ts';

/**
 * A small, synchronous RFC 5322 / MIME reader: enough of an e-mail to triage it (headers with
 * RFC 2047 encoded words, multipart trees, base64 and quoted-printable bodies, attachments, an
 * attached message/rfc822). Bounded: nesting depth and part count are capped.
 */
export interface MimePart {
  contentType: string;
  charset: string | undefined;
  filename: string | undefined;
  disposition: string | undefined;
  body: Buffer;
  /** Set when the part is an attached message (message/rfc822). */
  message?: MimeMessage;
}

export interface MimeMessage {
  headers: [string, string][];
  header(name: string): string | undefined;
  headersNamed(name: string): string[];
  parts: MimePart[];
  text: string;
  html: string;
}

const MAX_DEPTH = 8;
const MAX_PARTS = 200;

function decoder(charset: string | undefined): TextDecoder {
  try {
    return new TextDecoder(charset?.toLowerCase() === 'us-ascii' ? 'utf-8' : (charset ?? 'utf-8'));
  } catch {
    return new TextDecoder('latin1');
  }
}

/** `=?UTF-8?B?…?=` and `=?iso-8859-1?Q?…?=` words in a header. */
export function decodeWords(value: string): string {
  return value
    .replace(/(=\?[^?]+\?[bq]\?[^?]*\?=)\s+(?==\?)/gi, '$1')
    .replace(
      /=\?([^?*]+)(?:\*[^?]*)?\?([bq])\?([^?]*)\?=/gi,
      (_, charset: string, encoding: string, data: string) => {
        const bytes =
          encoding.toLowerCase() === 'b'
            ? Buffer.from(data, 'base64')
            : Buffer.from(
                data
                  .replace(/_/g, ' ')
                  .replace(/=([0-9a-f]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
                'latin1',
              );
        return decoder(charset).decode(bytes);
      },
    );
}

function quotedPrintable(text: string): Buffer {
  const soft = text.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    const c = soft[i]!;
    if (c === '=' && /^[0-9a-f]{2}$/i.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      const code = soft.charCodeAt(i);
      if (code < 256) bytes.push(code);
      else bytes.push(...Buffer.from(c, 'utf8'));
    }
  }
  return Buffer.from(bytes);
}

/** Splits on ";" outside double quotes, in one pass. */
function splitOutsideQuotes(value: string): string[] {
  const parts: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '"' && value[i - 1] !== '\\') quoted = !quoted;
    else if (c === ';' && !quoted) {
      parts.push(value.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(value.slice(start));
  return parts;
}

/** `type/subtype; key=value; key*=charset''value` → the type and its parameters. */
export function headerParameters(value: string): { value: string; params: Record<string, string> } {
  const [first, ...rest] = splitOutsideQuotes(value.slice(0, 64 * 1024));
  const params: Record<string, string> = {};
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq < 0) continue;
    let key = p.slice(0, eq).trim().toLowerCase();
    let v = p
      .slice(eq + 1)
      .trim()
      .replace(/^"|"$/g, '');
    if (key.endsWith('*')) {
      key = key.replace(/\*(\d+\*?)?$/, '');
      const m = /^([^']*)'[^']*'(.*)$/.exec(v);
      v = m
        ? decoder(m[1] || 'utf-8').decode(
            Buffer.from(
              decodeURIComponent(m[2]!)
                .split('')
                .map((ch) => ch.charCodeAt(0)),
            ),
          )
        : decodeURIComponent(v);
    }
    params[key] = (params[key] ?? '') + decodeWords(v);
  }
  return { value: (first ?? '').trim().toLowerCase(), params };
}

function splitHeaderBlock(raw: string): { headers: [string, string][]; body: string } {
  const match = /\r?\n\r?\n/.exec(raw);
  const head = match ? raw.slice(0, match.index) : raw;
  const body = match ? raw.slice(match.index + match[0].length) : '';
  const headers: [string, string][] = [];
  for (const line of head.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && headers.length > 0) {
      headers[headers.length - 1]![1] += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon > 0) headers.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]);
  }
  return { headers: headers.map(([k, v]) => [k, decodeWords(v)]), body };
}

function decodeBody(body: string, encoding: string | undefined): Buffer {
  switch (encoding?.toLowerCase()) {
    case 'base64':
      return Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
    case 'quoted-printable':
      return quotedPrintable(body);
    default:
      return Buffer.from(body, 'utf8');
  }
}

export function parseMessage(raw: string, depth = 0, budget = { parts: 0 }): MimeMessage {
  if (depth > MAX_DEPTH)
    throw new RiposteError(
      'invalid_record',
      `the message nests more than ${MAX_DEPTH} levels of MIME parts`,
      { path: '/' },
    );
  const { headers, body } = splitHeaderBlock(raw);
  const header = (name: string) => headers.find(([k]) => k === name)?.[1];
  const parts: MimePart[] = [];
  const walk = (partHeaders: [string, string][], partBody: string, level: number): void => {
    if (++budget.parts > MAX_PARTS)
      throw new RiposteError('invalid_record', `the message has more than ${MAX_PARTS} MIME parts`, {
        path: '/',
      });
    const get = (name: string) => partHeaders.find(([k]) => k === name)?.[1];
    const type = headerParameters(get('content-type') ?? 'text/plain');
    if (type.value.startsWith('multipart/') && type.params.boundary) {
      const boundary = `--${type.params.boundary}`;
      const sections = partBody.split(boundary).slice(1);
      for (const section of sections) {
        if (section.startsWith('--')) break;
        const child = splitHeaderBlock(section.replace(/^\r?\n/, ''));
        if (level + 1 > MAX_DEPTH)
          throw new RiposteError(
            'invalid_record',
            `the message nests more than ${MAX_DEPTH} levels of MIME parts`,
            { path: '/' },
          );
        walk(child.headers, child.body.replace(/\r?\n$/, ''), level + 1);
      }
      return;
    }
    const disposition = headerParameters(get('content-disposition') ?? '');
    const content = decodeBody(partBody, get('content-transfer-encoding'));
    const part: MimePart = {
      contentType: type.value,
      charset: type.params.charset,
      filename: disposition.params.filename ?? type.params.name,
      disposition: disposition.value || undefined,
      body: content,
    };
    if (type.value === 'message/rfc822')
      part.message = parseMessage(content.toString('utf8'), depth + level + 1, budget);
    parts.push(part);
  };
  walk(headers, body, 0);
  const inline = (kind: string) =>
    parts
      .filter((p) => p.contentType === kind && p.disposition !== 'attachment' && p.filename === undefined)
      .map((p) => decoder(p.charset).decode(p.body))
      .join('\n');
  return {
    headers,
    header,
    headersNamed: (name) => headers.filter(([k]) => k === name).map(([, v]) => v),
    parts,
    text: inline('text/plain'),
    html: inline('text/html'),
  };
}

/** Addresses in an address-list header: `"Name" <a@b>, c@d`. */
export function addresses(value: string | undefined): string[] {
  if (!value) return [];
  // A quoted display name is not an address, even when it looks like one ("PayPal <x@paypal.com>" <y@evil>).
  const unquoted = value.replace(/"(?:[^"\\]|\\.)*"/g, ' ');
  const angle = [...unquoted.matchAll(/<([^<>\s]+@[^<>\s]+)>/g)].map((m) => m[1]!);
  if (angle.length > 0) return angle;
  return [...unquoted.matchAll(/[^\s,;<>"]+@[^\s,;<>"]+/g)].map((m) => m[0]);
}

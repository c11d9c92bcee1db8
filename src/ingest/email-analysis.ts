import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import {
  canonicalDomain,
  extractObservablesFromText,
  hostFromUrl,
  urlObservables,
} from '../core/observable.ts';
import { addresses, parseMessage, type MimeMessage, type MimePart } from './mime-message.ts';

/**
 * What an analyst reads off a reported e-mail before opening a link: who it claims to be from and
 * who it really comes from (From against Reply-To and Return-Path, SPF, DKIM, DMARC, the Received
 * path), the links it carries (text, HTML and attachments) and the attachments' hashes. Pure; the
 * e-mail normalizer and `riposte.analyze_email` share it. Keys are snake_case: playbooks read them.
 */
export interface EmailAnalysis {
  message_id: string | null;
  subject: string;
  date: string | null;
  from: EmailParty | null;
  reply_to: EmailParty | null;
  return_path: EmailParty | null;
  /** Headers whose domain differs from From's: `reply_to`, `return_path`. */
  sender_mismatches: string[];
  /** The display name holds an e-mail address other than the sender's ("PayPal <x@evil>"). */
  display_name_spoof: boolean;
  authentication: { spf: string; dkim: string; dmarc: string };
  /** SPF fail or softfail, DKIM fail, or DMARC fail. */
  authentication_failed: boolean;
  /** Newest hop first, as the headers stand. */
  received: ReceivedHop[];
  /** The first public address in the path (the sending host), when there is one. */
  origin_ip: string | null;
  recipients: string[];
  urls: string[];
  /** The hosts of the URLs (registrable names or addresses), once each. */
  url_hosts: string[];
  attachments: EmailAttachment[];
  /** The message was reported as an attachment of another one, whose sender is the reporter. */
  forwarded: boolean;
  reporter: string | null;
}

export interface EmailParty {
  address: string;
  domain: string | null;
  display_name: string | null;
}

export interface ReceivedHop {
  from: string | null;
  by: string | null;
  ip: string | null;
  date: string | null;
}

export interface EmailAttachment {
  filename: string | null;
  content_type: string;
  size: number;
  sha256: string;
}

const MAX_URLS = 200;
const MAX_HOPS = 50;

/** The message a user reported: the attached original when they forwarded it as an attachment. */
export function reportedMessage(message: MimeMessage): { suspect: MimeMessage; forwarded: boolean } {
  const attached = message.parts.find((p) => p.message)?.message;
  return attached ? { suspect: attached, forwarded: true } : { suspect: message, forwarded: false };
}

/** SPF, DKIM and DMARC results from Authentication-Results (RFC 8601), Received-SPF for SPF otherwise. */
export function authenticationResults(message: MimeMessage): EmailAnalysis['authentication'] {
  const text = message.headersNamed('authentication-results').join('; ');
  const result = (method: string) => new RegExp(`\\b${method}=(\\w+)`, 'i').exec(text)?.[1]?.toLowerCase();
  const receivedSpf = /^(\w+)/.exec(message.header('received-spf') ?? '')?.[1]?.toLowerCase();
  return {
    spf: result('spf') ?? receivedSpf ?? 'none',
    dkim: result('dkim') ?? 'none',
    dmarc: result('dmarc') ?? 'none',
  };
}

export function hrefs(html: string): string[] {
  return [...html.matchAll(/\bhref\s*=\s*["']?([^"'\s>]+)/gi)].map((m) => m[1]!.replace(/&amp;/g, '&'));
}

function party(header: string | undefined): EmailParty | null {
  const address = addresses(header)[0]?.toLowerCase();
  if (!address || header === undefined) return null;
  const quoted = /"((?:[^"\\]|\\.)*)"/.exec(header)?.[1];
  const name = (quoted ?? header.slice(0, Math.max(0, header.lastIndexOf('<')))).trim();
  const domain = address.slice(address.lastIndexOf('@') + 1);
  return {
    address,
    domain: canonicalDomain(domain) ?? domain,
    display_name: name !== '' && name.toLowerCase() !== address ? name : null,
  };
}

/** `from a.example (a.example [192.0.2.1]) by b.example with ESMTP id …; Tue, 1 Jan 2030 …`. */
export function receivedHop(header: string): ReceivedHop {
  const semicolon = header.lastIndexOf(';');
  const date = semicolon >= 0 ? Date.parse(header.slice(semicolon + 1).trim()) : NaN;
  const ip =
    [...header.matchAll(/\[(?:IPv6:)?([0-9a-f.:]+)\]/gi)].map((m) => m[1]!).find((v) => isIP(v) !== 0) ??
    [...header.matchAll(/\(([0-9.]{7,15})\)/g)].map((m) => m[1]!).find((v) => isIP(v) === 4) ??
    null;
  return {
    from: /^\s*from\s+([^\s;()]+)/i.exec(header)?.[1] ?? null,
    by: /\bby\s+([^\s;()]+)/i.exec(header)?.[1] ?? null,
    ip,
    date: Number.isNaN(date) ? null : new Date(date).toISOString(),
  };
}

function isPublic(ip: string): boolean {
  if (isIP(ip) === 6) return !/^(::1$|fe80:|fc|fd)/i.test(ip);
  const [a = 0, b = 0] = ip.split('.').map(Number);
  return !(
    a === 10 ||
    a === 127 ||
    a === 0 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 169 && b === 254) ||
    (a === 100 && b >= 64 && b <= 127)
  );
}

function isAttachment(part: MimePart): boolean {
  return part.filename !== undefined || part.disposition === 'attachment';
}

/**
 * Links in one attachment: in HTML the links and form targets (a credential page posts somewhere),
 * in text every URL, in a PDF its `/URI (…)` link actions (uncompressed ones). Not every URL-shaped
 * string: markup and PDF metadata are full of namespace URLs nobody visits.
 */
function attachmentUrls(part: MimePart): string[] {
  const name = part.filename ?? '';
  const head = part.body.subarray(0, 2_000_000).toString('latin1');
  if (part.contentType === 'application/pdf' || /\.pdf$/i.test(name))
    return [...head.matchAll(/\/URI\s*\(([^)]{1,2000})\)/g)].map((m) => m[1]!);
  if (/html?|svg|xml/.test(part.contentType) || /\.(html?|svg|shtml)$/i.test(name)) return htmlLinks(head);
  if (part.contentType.startsWith('text/') || /\.txt$/i.test(name)) return textUrls(head);
  return [];
}

/** `href` and form `action` targets. */
export function htmlLinks(html: string): string[] {
  const actions = [...html.matchAll(/\baction\s*=\s*["']?([^"'\s>]+)/gi)].map((m) => m[1]!);
  return [...hrefs(html), ...actions.map((a) => a.replace(/&amp;/g, '&'))];
}

function textUrls(text: string): string[] {
  return extractObservablesFromText(text)
    .filter((o) => o.type === 'url')
    .map((o) => o.value);
}

function uniqueUrls(candidates: string[]): { urls: string[]; hosts: string[] } {
  const urls = new Set<string>();
  const hosts = new Set<string>();
  for (const candidate of candidates) {
    if (urls.size >= MAX_URLS) break;
    const [url] = urlObservables(candidate);
    if (!url || !/^https?:/i.test(url.value)) continue;
    urls.add(url.value);
    const host = hostFromUrl(url.value);
    if (host) hosts.add(isIP(host) ? host : (canonicalDomain(host) ?? host));
  }
  return { urls: [...urls], hosts: [...hosts] };
}

/** Analyses a raw RFC 822 message (the reported one inside a forward, when there is one). */
export function analyzeEmail(raw: string): EmailAnalysis {
  return analyzeMessage(parseMessage(raw));
}

export function analyzeMessage(outer: MimeMessage): EmailAnalysis {
  const { suspect, forwarded } = reportedMessage(outer);
  const from = party(suspect.header('from'));
  const replyTo = party(suspect.header('reply-to'));
  const returnPath = party(suspect.header('return-path'));
  const differs = (other: EmailParty | null) =>
    other !== null && from !== null && other.domain !== from.domain;
  const authentication = authenticationResults(suspect);
  const received = suspect
    .headersNamed('received')
    .slice(0, MAX_HOPS)
    .map((header) => receivedHop(header));
  const origin = [...received].reverse().find((hop) => hop.ip !== null && isPublic(hop.ip));
  const attachments = suspect.parts.filter(isAttachment);
  const { urls, hosts } = uniqueUrls([
    ...htmlLinks(suspect.html),
    ...textUrls(suspect.text),
    ...attachments.filter((p) => !p.message).flatMap(attachmentUrls),
  ]);
  const date = Date.parse(suspect.header('date') ?? '');
  const displayAddress = /[^\s<>"()]+@[^\s<>"()]+\.[a-z]{2,}/i
    .exec(from?.display_name ?? '')?.[0]
    ?.toLowerCase();
  return {
    message_id: suspect.header('message-id')?.trim().replace(/^<|>$/g, '') || null,
    subject: suspect.header('subject')?.trim() || '(no subject)',
    date: Number.isNaN(date) ? null : new Date(date).toISOString(),
    from,
    reply_to: replyTo,
    return_path: returnPath,
    sender_mismatches: [
      ...(differs(replyTo) ? ['reply_to'] : []),
      ...(differs(returnPath) ? ['return_path'] : []),
    ],
    display_name_spoof: displayAddress !== undefined && displayAddress !== from?.address,
    authentication,
    authentication_failed:
      authentication.spf === 'fail' ||
      authentication.spf === 'softfail' ||
      authentication.dkim === 'fail' ||
      authentication.dmarc === 'fail',
    received,
    origin_ip: origin?.ip ?? null,
    recipients: [...new Set([...addresses(suspect.header('to')), ...addresses(suspect.header('cc'))])].map(
      (a) => a.toLowerCase(),
    ),
    urls,
    url_hosts: hosts,
    attachments: attachments.map((part) => ({
      filename: part.filename ?? null,
      content_type: part.contentType,
      size: part.body.length,
      sha256: createHash('sha256').update(part.body).digest('hex'),
    })),
    forwarded,
    reporter: forwarded ? (addresses(outer.header('from'))[0]?.toLowerCase() ?? null) : null,
  };
}

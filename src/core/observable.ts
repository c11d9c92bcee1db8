import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { parse as parseDomain } from 'tldts';
import type { Observable, ObservableRole, ObservableType } from './alert.ts';

/**
 * Observable values in one canonical form, so the same indicator written two ways (defanged,
 * upper-case, with a trailing dot, an IPv6 address spelled long) is one value for dedup, grouping
 * and search. Pure functions; invalid values are dropped (null), never guessed at.
 */

const MAX_VALUE = 4096;

/** Undo the usual defanging: hxxp, [.] (.) {.}, [:], [@], [at], [dot]. */
export function refang(text: string): string {
  // Almost every value is not defanged: one cheap test spares it the six replacements.
  if (!/[[({]|hxxp/i.test(text)) return text;
  return text
    .replace(/\bhxxp(s?)(\[:\]|:)\/\//gi, 'http$1://')
    .replace(/\bhxxp(s?)\b/gi, 'http$1')
    .replace(/\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)/gi, '.')
    .replace(/\[:\]/g, ':')
    .replace(/\[@\]|\[at\]|\(at\)/gi, '@')
    .replace(/\[\/\]/g, '/');
}

function canonicalIp(value: string, version: 4 | 6): string | null {
  let v = value.trim();
  if (version === 6) v = v.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (isIP(v) !== version) return null;
  // Unspecified addresses are placeholders (vendors' samples use them), never an indicator.
  if (v === '0.0.0.0' || v === '::' || /^0+(:0+)*::?$/.test(v)) return null;
  if (version === 4)
    return v
      .split('.')
      .map((o) => String(Number(o)))
      .join('.');
  // The WHATWG URL parser prints IPv6 in its RFC 5952 canonical (compressed, lower-case) form.
  return new URL(`http://[${v}]/`).hostname.slice(1, -1);
}

// The same few hosts recur in every alert of a burst; their PSL verdicts are worth keeping.
const domainCache = new Map<string, string | null>();
const DOMAIN_CACHE_SIZE = 10_000;

/**
 * Names under the special-use TLDs that RFC 6761 says applications should treat as ordinary domain
 * names: `example` (documentation, RFC 2606) and `test` (testing). `invalid` (never resolves) and
 * `localhost` (this machine) name nothing on the internet, so they are not indicators.
 */
const ORDINARY_RESERVED_TLDS = new Set(['example', 'test']);

/**
 * A registrable host name with a public suffix (ICANN or private section of the PSL), or under one of
 * the reserved TLDs that are ordinary names (`login.paypa1-secure.example`).
 */
export function canonicalDomain(value: string): string | null {
  if (value.length > 253) return null;
  const hit = domainCache.get(value);
  if (hit !== undefined) return hit;
  const result = uncachedDomain(value);
  if (domainCache.size >= DOMAIN_CACHE_SIZE) domainCache.delete(domainCache.keys().next().value!);
  domainCache.set(value, result);
  return result;
}

function uncachedDomain(value: string): string | null {
  const v = refang(value.trim()).replace(/\.$/, '');
  if (v === '' || v.length > 253 || /[\s/@:]/.test(v) || isIP(v) !== 0) return null;
  const ascii = domainToASCII(v.toLowerCase());
  if (
    ascii === '' ||
    !/^[a-z0-9_.-]+$/.test(ascii) ||
    ascii.split('.').some((l) => l === '' || l.length > 63)
  )
    return null;
  const parsed = parseDomain(ascii, { allowPrivateDomains: true });
  if (!parsed.domain) return null;
  if (parsed.isIcann || parsed.isPrivate || ORDINARY_RESERVED_TLDS.has(parsed.publicSuffix ?? ''))
    return ascii;
  return null;
}

export function canonicalUrl(value: string): string | null {
  const v = refang(value.trim());
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) return null;
  const url = URL.parse(v);
  if (!url || !url.hostname) return null;
  return url.href;
}

export function hostFromUrl(url: string): string | null {
  return URL.parse(url)?.hostname.replace(/^\[|\]$/g, '') ?? null;
}

const HASH_LENGTH = { md5: 32, sha1: 40, sha256: 64 } as const;

/** Values that sensors write where a field has no value. */
function isPlaceholder(value: string): boolean {
  return value === '' || value === '-' || value === '(empty)';
}

/** The canonical form of a value of a type, or null when it is not a valid value of that type. */
export function canonicalObservable(type: ObservableType, raw: string): string | null {
  if (typeof raw !== 'string') return null;
  const value = raw.trim();
  if (isPlaceholder(value) || value.length > MAX_VALUE) return null;
  switch (type) {
    case 'ipv4':
      return canonicalIp(refang(value), 4);
    case 'ipv6':
      return canonicalIp(refang(value), 6);
    case 'domain':
      return canonicalDomain(value);
    case 'url':
      return canonicalUrl(value);
    case 'email': {
      const v = refang(value)
        .replace(/^mailto:/i, '')
        .replace(/^<|>$/g, '');
      const at = v.lastIndexOf('@');
      if (at < 1 || /\s/.test(v)) return null;
      const domain = canonicalDomain(v.slice(at + 1));
      return domain ? `${v.slice(0, at)}@${domain}` : null;
    }
    case 'md5':
    case 'sha1':
    case 'sha256': {
      const v = value.toLowerCase();
      return v.length === HASH_LENGTH[type] && /^[0-9a-f]+$/.test(v) && !/^0+$/.test(v) ? v : null;
    }
    case 'cve': {
      const m = /^cve-(\d{4})-(\d{4,})$/i.exec(value);
      return m ? `CVE-${m[1]}-${m[2]}` : null;
    }
    case 'mac': {
      const hex = value.toLowerCase().replace(/[^0-9a-f]/g, '');
      if (hex.length !== 12 || !/^([0-9a-f]{2}[:-]?){5}[0-9a-f]{2}$/i.test(value.replace(/\./g, ''))) {
        if (!/^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$/i.test(value)) return null;
      }
      return hex.match(/../g)!.join(':');
    }
    case 'host': {
      const host = value.toLowerCase().replace(/\.+$/, '');
      return /\s/.test(host) || isPlaceholder(host) ? null : host;
    }
    case 'user':
    case 'filename':
    case 'process':
    case 'registry':
      return value;
  }
}

/** An observable with its value canonicalized, or null when the value is not valid for the type. */
export function observable(type: ObservableType, raw: unknown, role?: ObservableRole): Observable | null {
  if (typeof raw !== 'string' && typeof raw !== 'number') return null;
  const value = canonicalObservable(type, String(raw));
  if (value === null) return null;
  return role === undefined ? { type, value } : { type, value, role };
}

/** An IP of either version, typed by what it is. */
export function ipObservable(raw: unknown, role?: ObservableRole): Observable | null {
  if (typeof raw !== 'string') return null;
  const v = raw.trim().replace(/^\[|\]$/g, '');
  const version = isIP(v);
  return version === 4 ? observable('ipv4', v, role) : version === 6 ? observable('ipv6', v, role) : null;
}

/** A URL, plus its host as a domain (or IP) observable: a person reading the URL names both. */
export function urlObservables(raw: unknown, role?: ObservableRole): Observable[] {
  const url = observable('url', raw, role);
  if (!url) return [];
  const host = hostFromUrl(url.value);
  const hostObservable = host ? (ipObservable(host, role) ?? observable('domain', host, role)) : null;
  return hostObservable ? [url, hostObservable] : [url];
}

/** A file hash typed by its length. */
export function hashObservable(raw: unknown, role?: ObservableRole): Observable | null {
  if (typeof raw !== 'string') return null;
  const v = raw.trim();
  const type = v.length === 32 ? 'md5' : v.length === 40 ? 'sha1' : v.length === 64 ? 'sha256' : null;
  return type ? observable(type, v, role) : null;
}

/** Keeps the first of each type+value; drops nulls. */
export function dedupeObservables(list: readonly (Observable | null | undefined)[]): Observable[] {
  const seen = new Set<string>();
  const out: Observable[] = [];
  for (const o of list) {
    if (!o) continue;
    const key = `${o.type}\u0001${o.value}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(o);
  }
  return out;
}

const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]{1,15}:\/\/[^\s"'<>()[\]{}|\\^`]{1,2000}/gi;
/** Characters that end a token in prose; none of them can be inside an IP, domain, e-mail or hash. */
const TOKEN_BREAK = /[\s"'<>()[\]{},;|\\^`!?*=]+/;
const MAX_TOKEN = 320;
/** Extensions that make "invoice.zip" or "setup.exe" a file name, not a domain, in prose. */
const FILE_EXTENSIONS =
  /\.(zip|mov|exe|dll|doc|docx|xls|xlsx|pdf|js|ps1|bat|sh|py|txt|log|png|jpg|gif|htm|html|php|json|xml|iso|rar|7z|msi|lnk|vbs|hta|scr)$/i;
const MAX_TEXT = 200_000;

function tokenObservable(token: string, role: ObservableRole | undefined): Observable | null {
  if (/^cve-\d{4}-\d{4,}$/i.test(token)) return observable('cve', token, role);
  if (/^[0-9a-f]{32}$|^[0-9a-f]{40}$|^[0-9a-f]{64}$/i.test(token)) return hashObservable(token, role);
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(token)) return observable('ipv4', token, role);
  if (token.includes(':') && /^[0-9a-f:]+$/i.test(token)) return observable('ipv6', token, role);
  if (token.includes('@')) return observable('email', token.replace(/^mailto:/i, ''), role);
  if (
    token.includes('.') &&
    /^[a-z0-9.-]+$/i.test(token) &&
    /[a-z]/i.test(token) &&
    !FILE_EXTENSIONS.test(token)
  ) {
    return observable('domain', token, role);
  }
  return null;
}

/**
 * Indicators named in free text (an e-mail body, a log message), refanged and validated. Linear in
 * the text: URLs by one bounded pattern, everything else token by token (no backtracking patterns
 * over attacker-controlled text).
 */
export function extractObservablesFromText(text: string, role?: ObservableRole): Observable[] {
  const source = refang(text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) : text);
  const found: (Observable | null)[] = [];
  for (const match of source.matchAll(URL_IN_TEXT)) {
    found.push(...urlObservables(match[0].replace(/[.,;:!?]+$/, ''), role));
  }
  const rest = source.replace(URL_IN_TEXT, ' ');
  for (const raw of rest.split(TOKEN_BREAK)) {
    if (raw.length < 4 || raw.length > MAX_TOKEN) continue;
    const token = raw.replace(/^[.:]+|[.:]+$/g, '');
    if (token.length >= 4) found.push(tokenObservable(token, role));
  }
  return dedupeObservables(found);
}

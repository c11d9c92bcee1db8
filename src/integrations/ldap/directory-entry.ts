import type { Entry } from 'ldapts';

/**
 * A search result with attribute names matched case-insensitively: servers answer with the
 * schema's spelling (`memberOf`, `memberof`, `mail`), not necessarily the one requested.
 */
export interface DirectoryEntry {
  dn: string;
  values(name: string): string[];
  first(name: string): string | null;
}

export function directoryEntry(entry: Entry): DirectoryEntry {
  const byName = new Map<string, string[]>();
  for (const [key, raw] of Object.entries(entry)) {
    if (key === 'dn') continue;
    const list = Array.isArray(raw) ? raw : [raw];
    const texts = list.map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : v));
    byName.set(key.toLowerCase(), [...(byName.get(key.toLowerCase()) ?? []), ...texts]);
  }
  return {
    dn: entry.dn,
    values: (name) => byName.get(name.toLowerCase()) ?? [],
    first: (name) => byName.get(name.toLowerCase())?.[0] ?? null,
  };
}

/**
 * The value of a DN's first RDN, unescaped (RFC 4514): `cn=Finance\2C EU,ou=groups,…` →
 * `Finance, EU`. Used as a group's name when only its DN is known (from `memberOf`).
 */
export function rdnValue(dn: string): string {
  let i = dn.indexOf('=');
  if (i < 0) return dn;
  let out = '';
  const bytes: number[] = [];
  const flush = () => {
    if (bytes.length) out += Buffer.from(bytes.splice(0)).toString('utf8');
  };
  for (i += 1; i < dn.length; i++) {
    const ch = dn[i]!;
    if (ch === ',' || ch === '+') break;
    if (ch === '\\' && i + 1 < dn.length) {
      const hex = dn.slice(i + 1, i + 3);
      if (/^[0-9a-fA-F]{2}$/.test(hex)) {
        bytes.push(parseInt(hex, 16));
        i += 2;
      } else {
        flush();
        out += dn[i + 1];
        i += 1;
      }
      continue;
    }
    flush();
    out += ch;
  }
  flush();
  return out.trim();
}

import { isIP } from 'node:net';
import { invalidField } from '../core/riposte-error.ts';

/**
 * Inventory records as teams keep them — a host with its addresses, owner, criticality and tags — in
 * JSON or CSV, turned into the asset rows priority and playbooks look up (one per host name and per
 * address, sharing owner, criticality and tags). Errors name the record (JSON index or CSV line) and
 * the field.
 */
export interface InventoryRecord {
  host?: string;
  ips?: string[];
  owner?: string | null;
  criticality?: string;
  tags?: string[];
}

/** Splits one CSV line (RFC 4180 quoting). */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(field);
      field = '';
    } else field += c;
  }
  out.push(field);
  return out.map((f) => f.trim());
}

const list = (text: string | undefined) =>
  (text ?? '')
    .split(/[;|\s]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');

/** CSV with a header naming `host`, `ips` (or `ip`), `owner`, `criticality`, `tags` (lists separated by `;`). */
export function parseInventoryCsv(text: string): { records: InventoryRecord[]; at: string[] } {
  const lines = text.split(/\r?\n/);
  const headerIndex = lines.findIndex((l) => l.trim() !== '' && !l.startsWith('#'));
  if (headerIndex < 0) throw invalidField('/', 'the CSV has no header line');
  const header = csvFields(lines[headerIndex]!).map((h) => h.toLowerCase());
  const column = (name: string) => header.indexOf(name);
  const ipColumn = column('ips') >= 0 ? column('ips') : column('ip');
  if (column('host') < 0 && ipColumn < 0)
    throw invalidField('/line 1', 'the header needs a host or an ips column');
  if (column('criticality') < 0)
    throw invalidField(`/line ${headerIndex + 1}`, 'the header needs a criticality column');
  const records: InventoryRecord[] = [];
  const at: string[] = [];
  lines.forEach((line, i) => {
    if (i <= headerIndex || line.trim() === '' || line.startsWith('#')) return;
    const f = csvFields(line);
    const get = (c: number) => (c >= 0 ? f[c] : undefined);
    records.push({
      ...(get(column('host')) ? { host: get(column('host'))! } : {}),
      ips: list(get(ipColumn)),
      owner: get(column('owner')) || null,
      criticality: get(column('criticality')) ?? '',
      tags: list(get(column('tags'))),
    });
    at.push(`/line ${i + 1}`);
  });
  return { records, at };
}

/** Rows for the asset list: `{ type, value, criticality, owner, tags }`, each with where it came from. */
export function inventoryRows(
  records: readonly unknown[],
  at: readonly string[],
): { row: Record<string, unknown>; at: string }[] {
  const rows: { row: Record<string, unknown>; at: string }[] = [];
  records.forEach((input, i) => {
    const where = at[i] ?? `/${i}`;
    if (input === null || typeof input !== 'object' || Array.isArray(input))
      throw invalidField(where, 'an asset must be an object');
    const r = input as Record<string, unknown>;
    // The asset list's own shape passes through unchanged.
    if (r['type'] !== undefined) {
      rows.push({ row: r, at: where });
      return;
    }
    const shared = { criticality: r['criticality'], owner: r['owner'] ?? null, tags: r['tags'] ?? [] };
    const ips = r['ips'] ?? (r['ip'] === undefined ? [] : [r['ip']]);
    if (!Array.isArray(ips) || ips.some((ip) => typeof ip !== 'string'))
      throw invalidField(`${where}/ips`, 'ips must be a list of addresses');
    if (r['host'] === undefined && ips.length === 0)
      throw invalidField(where, 'an asset needs a host or at least one IP');
    if (r['host'] !== undefined) rows.push({ row: { type: 'host', value: r['host'], ...shared }, at: where });
    (ips as string[]).forEach((ip, k) => {
      const family = isIP(ip);
      if (family === 0) throw invalidField(`${where}/ips/${k}`, `"${ip}" is not an IP address`);
      rows.push({
        row: { type: family === 4 ? 'ipv4' : 'ipv6', value: ip, ...shared },
        at: `${where}/ips/${k}`,
      });
    });
  });
  return rows;
}

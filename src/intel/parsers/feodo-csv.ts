import { isIP } from 'node:net';
import type { ParseResult } from '../indicator.ts';
import { columnName, readCsv } from './csv-lines.ts';
import { feedTime, ParseCollector, shown } from './parse-issues.ts';

const COLUMNS = ['first_seen_utc', 'dst_ip', 'dst_port', 'c2_status', 'last_online', 'malware'] as const;
/** Confirmed botnet C2s; one that has gone offline is still worth knowing, a little less. */
const CONFIDENCE = { online: 80, offline: 60 } as const;

/**
 * The Feodo Tracker botnet C2 IP blocklist (CSV): `#` comment header, the column row, one C2 per
 * line, and a `# END n entries` footer. A file without the footer, or with a different count, was
 * cut short on its way here and is refused.
 */
export function parseFeodoCsv(text: string): ParseResult {
  const out = new ParseCollector();
  const csv = readCsv(text);
  for (const b of csv.broken) out.error(`line ${b.line}`, 'csv', b.problem);
  const [header, ...rows] = csv.rows;
  const columns = header?.fields.map(columnName) ?? [];
  const index = Object.fromEntries(COLUMNS.map((c) => [c, columns.indexOf(c)])) as Record<
    (typeof COLUMNS)[number],
    number
  >;
  const missing = COLUMNS.filter((c) => index[c] === -1);
  if (!header || missing.length > 0) {
    out.error(
      header ? `line ${header.line}` : 'line 1',
      'header',
      `expected the column row ${COLUMNS.map((c) => `"${c}"`).join(',')}${missing.length > 0 ? `; missing ${missing.join(', ')}` : ''}`,
    );
    return out.result();
  }
  out.records = rows.length + csv.broken.length;
  for (const row of rows) {
    const record = `line ${row.line}`;
    if (row.fields.length !== columns.length) {
      out.error(record, 'csv', `expected ${columns.length} fields, got ${row.fields.length}`);
      continue;
    }
    const get = (c: (typeof COLUMNS)[number]) => row.fields[index[c]]!;
    const ip = get('dst_ip');
    const version = isIP(ip.replace(/^\[|\]$/g, ''));
    const type = version === 6 ? 'ipv6' : 'ipv4';
    const value = out.canonical(type, ip, { record, field: 'dst_ip' });
    const firstSeen = feedTime(get('first_seen_utc'));
    if (firstSeen === null)
      out.error(
        record,
        'first_seen_utc',
        `expected a time "YYYY-MM-DD hh:mm:ss", got ${shown(get('first_seen_utc'))}`,
      );
    const port = Number(get('dst_port'));
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      out.error(record, 'dst_port', `expected a port 1–65535, got ${shown(get('dst_port'))}`);
    const status = get('c2_status').toLowerCase();
    if (status !== 'online' && status !== 'offline')
      out.error(record, 'c2_status', `expected "online" or "offline", got ${shown(get('c2_status'))}`);
    if (value === null || firstSeen === null || (status !== 'online' && status !== 'offline')) continue;
    if (!Number.isInteger(port) || port < 1 || port > 65535) continue;
    out.indicators.push({
      type,
      value,
      confidence: CONFIDENCE[status],
      threat: get('malware') || null,
      labels: ['botnet_cc'],
      tags: [`c2_status:${status}`, `port:${port}`],
      firstSeen,
      validUntil: null,
      reference: `https://feodotracker.abuse.ch/browse/host/${value}/`,
    });
  }
  const end = csv.comments.map((c) => /^END\s+(\d+)\s+entries/i.exec(c.text)).find(Boolean);
  if (!end)
    out.error('end of file', '# END', 'expected the "# END n entries" footer: the file looks cut short');
  else if (Number(end[1]) !== out.records)
    out.error(
      'end of file',
      '# END',
      `the footer announces ${end[1]} entries but the file holds ${out.records}: the file looks cut short`,
    );
  return out.result();
}

import type { ParseResult } from '../indicator.ts';
import { columnName, readCsv, splitCsvLine, type CsvFile } from './csv-lines.ts';
import { feedTime, ParseCollector, shown, stringList } from './parse-issues.ts';
import { lookupTable } from '../../core/lookup-table.ts';

const CONFIDENCE = lookupTable<number>({ online: 80, offline: 60, unknown: 60 });

/**
 * The column row of a URLhaus CSV. It comes commented out in both variants abuse.ch publishes: the
 * main dump (`# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter`) and
 * the per-TLD/ASN/country feeds (`# Dateadded (UTC),URL,URL_status,Threat,Host,IPaddress,ASnumber,Country`).
 */
function findHeader(csv: CsvFile): { line: number; columns: string[]; commented: boolean } | undefined {
  const firstRow = csv.rows[0]?.line ?? Infinity;
  const commented = csv.comments
    .filter((c) => c.line < firstRow)
    .map((c) => ({ line: c.line, fields: splitCsvLine(c.text) }))
    .filter((c): c is { line: number; fields: string[] } => Array.isArray(c.fields))
    .map((c) => ({ line: c.line, columns: c.fields.map(columnName), commented: true }))
    .findLast((c) => c.columns.includes('url') && c.columns.includes('dateadded'));
  if (commented) return commented;
  const first = csv.rows[0];
  const columns = first?.fields.map(columnName) ?? [];
  return first && columns.includes('url') && columns.includes('dateadded')
    ? { line: first.line, columns, commented: false }
    : undefined;
}

/** A URLhaus CSV feed (either header variant): one malware URL per line. */
export function parseUrlhausCsv(text: string): ParseResult {
  const out = new ParseCollector();
  const csv = readCsv(text);
  for (const b of csv.broken) out.error(`line ${b.line}`, 'csv', b.problem);
  const header = findHeader(csv);
  if (!header) {
    out.error(
      'line 1',
      'header',
      'expected a column row naming at least dateadded and url, such as "# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter"',
    );
    return out.result();
  }
  const col = (name: string) => header.columns.indexOf(name);
  const at = { url: col('url'), dateadded: col('dateadded'), status: col('url_status') };
  const at2 = { threat: col('threat'), tags: col('tags'), link: col('urlhaus_link'), id: col('id') };
  const rows = header.commented ? csv.rows : csv.rows.slice(1);
  out.records = rows.length + csv.broken.length;
  for (const row of rows) {
    const record = `line ${row.line}`;
    if (row.fields.length !== header.columns.length) {
      out.error(record, 'csv', `expected ${header.columns.length} fields, got ${row.fields.length}`);
      continue;
    }
    const field = (i: number) => (i === -1 ? '' : row.fields[i]!);
    const value = out.canonical('url', field(at.url), { record, field: 'url' });
    const firstSeen = feedTime(field(at.dateadded));
    if (firstSeen === null)
      out.error(
        record,
        'dateadded',
        `expected a time "YYYY-MM-DD hh:mm:ss", got ${shown(field(at.dateadded))}`,
      );
    const status = field(at.status).toLowerCase();
    if (at.status !== -1 && !(status in CONFIDENCE))
      out.error(record, 'url_status', `expected online, offline or unknown, got ${shown(field(at.status))}`);
    if (value === null || firstSeen === null || (at.status !== -1 && !(status in CONFIDENCE))) continue;
    const threat = field(at2.threat) || null;
    const id = field(at2.id);
    out.indicators.push({
      type: 'url',
      value,
      confidence: CONFIDENCE[status] ?? 60,
      threat,
      labels: threat ? [threat] : [],
      tags: stringList(field(at2.tags)),
      firstSeen,
      validUntil: null,
      reference: field(at2.link) || (id ? `https://urlhaus.abuse.ch/url/${id}/` : null),
    });
  }
  return out.result();
}

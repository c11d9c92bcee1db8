import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { ActionError } from '../../core/action.ts';
import type { EnrichmentFinding } from '../sdk/integration.ts';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const CvssScore = Type.Object({
  version: Type.String(),
  /** 0.0–10.0 */
  score: Type.Number(),
  /** NONE, LOW, MEDIUM, HIGH or CRITICAL (CVSS v2 has no CRITICAL). */
  severity: Nullable(Type.String()),
  vector: Nullable(Type.String()),
  /** Who scored it: nvd@nist.gov (Primary) or the CNA (Secondary). */
  source: Nullable(Type.String()),
  type: Nullable(Type.String()),
});
export type CvssScore = Static<typeof CvssScore>;

export const CveRecord = Type.Object({
  cve: Type.String(),
  /** False when the NVD has no record of this id (totalResults 0). */
  found: Type.Boolean(),
  /** The NVD's analysis status: Analyzed, Awaiting Analysis, Modified, Rejected … */
  status: Nullable(Type.String()),
  published: Nullable(Type.String()),
  last_modified: Nullable(Type.String()),
  description: Nullable(Type.String()),
  /** The score playbooks should read: CVSS v3.1, else v4.0, else v3.0, else v2.0; the NVD's own (Primary) first. */
  cvss: Nullable(CvssScore),
  cvss_v31: Nullable(CvssScore),
  cvss_v40: Nullable(CvssScore),
  /** `cvss.score` and `cvss.severity`, or null. */
  score: Nullable(Type.Number()),
  severity: Nullable(Type.String()),
  cwes: Type.Array(Type.String()),
  /** The NVD copies CISA's KEV entry into the record (cisaExploitAdd …). */
  known_exploited: Type.Boolean(),
  cisa: Nullable(
    Type.Object({
      date_added: Type.String(),
      action_due: Nullable(Type.String()),
      required_action: Nullable(Type.String()),
      name: Nullable(Type.String()),
    }),
  ),
  references: Type.Array(Type.String()),
  link: Type.String(),
});
export type CveRecord = Static<typeof CveRecord>;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export const detailLink = (cve: string) => `https://nvd.nist.gov/vuln/detail/${cve}`;

function invalid(message: string): ActionError {
  return new ActionError('invalid_response', `the NVD answered ${message}`, { retryable: false });
}

/** One metric list (`cvssMetricV31` …) → the NVD's own score when it has one, else the first. */
function pickMetric(metrics: Json, key: string): CvssScore | null {
  const entries = list(metrics[key]).filter(isObject);
  const metric = entries.find((m) => m['type'] === 'Primary') ?? entries[0];
  if (!metric || !isObject(metric['cvssData'])) return null;
  const data = metric['cvssData'];
  const score = data['baseScore'];
  if (typeof score !== 'number' || score < 0 || score > 10)
    throw invalid(`${key} without a baseScore in 0–10`);
  return {
    version: text(data['version']) ?? key.replace('cvssMetricV', '').replace(/^(\d)(\d)$/, '$1.$2'),
    score,
    // v3.x and v4.0 keep baseSeverity in cvssData; v2 keeps it beside it.
    severity: text(data['baseSeverity']) ?? text(metric['baseSeverity']),
    vector: text(data['vectorString']),
    source: text(metric['source']),
    type: text(metric['type']),
  };
}

export function notFound(cve: string): CveRecord {
  return {
    cve,
    found: false,
    status: null,
    published: null,
    last_modified: null,
    description: null,
    cvss: null,
    cvss_v31: null,
    cvss_v40: null,
    score: null,
    severity: null,
    cwes: [],
    known_exploited: false,
    cisa: null,
    references: [],
    link: detailLink(cve),
  };
}

/** The CVE API 2.0 answer for `?cveId=` → the record, or `found: false` for an id it does not hold. */
export function parseCveAnswer(cve: string, body: unknown): CveRecord {
  if (!isObject(body) || !Array.isArray(body['vulnerabilities']))
    throw invalid('without a "vulnerabilities" list');
  const item = body['vulnerabilities'].map((v) => (isObject(v) ? v['cve'] : null)).find(isObject);
  if (!item) return notFound(cve);
  if (item['id'] !== cve) throw invalid(`${String(item['id'])} when asked for ${cve}`);
  const metrics = isObject(item['metrics']) ? item['metrics'] : {};
  const v40 = pickMetric(metrics, 'cvssMetricV40');
  const v31 = pickMetric(metrics, 'cvssMetricV31');
  const cvss = v31 ?? v40 ?? pickMetric(metrics, 'cvssMetricV30') ?? pickMetric(metrics, 'cvssMetricV2');
  const english = list(item['descriptions']).filter(isObject);
  const description = english.find((d) => d['lang'] === 'en') ?? english[0];
  const cwes = list(item['weaknesses'])
    .filter(isObject)
    .flatMap((w) => list(w['description']).filter(isObject))
    .map((d) => text(d['value']))
    .filter((v): v is string => v !== null && /^CWE-\d+$/.test(v));
  const added = text(item['cisaExploitAdd']);
  return {
    cve,
    found: true,
    status: text(item['vulnStatus']),
    published: text(item['published']),
    last_modified: text(item['lastModified']),
    description: description ? text(description['value']) : null,
    cvss,
    cvss_v31: v31,
    cvss_v40: v40,
    score: cvss?.score ?? null,
    severity: cvss?.severity ?? null,
    cwes: [...new Set(cwes)],
    known_exploited: added !== null,
    cisa: added
      ? {
          date_added: added,
          action_due: text(item['cisaActionDue']),
          required_action: text(item['cisaRequiredAction']),
          name: text(item['cisaVulnerabilityName']),
        }
      : null,
    references: list(item['references'])
      .filter(isObject)
      .map((r) => text(r['url']))
      .filter((u): u is string => u !== null)
      .slice(0, 20),
    link: detailLink(cve),
  };
}

/** "CVSS 3.1 9.8 CRITICAL, CWE-502, known exploited": context for the case, never a verdict. */
export function cveFinding(record: CveRecord): EnrichmentFinding {
  if (!record.found) return { verdict: 'unknown', score: null, summary: 'not in the NVD' };
  const parts = [
    record.cvss
      ? `CVSS ${record.cvss.version} ${record.cvss.score} ${record.cvss.severity ?? ''}`.trim()
      : 'no CVSS yet',
    record.cwes.slice(0, 3).join(' '),
    record.known_exploited && 'known exploited (CISA)',
    record.status === 'Rejected' && 'rejected',
  ].filter((p): p is string => typeof p === 'string' && p !== '');
  return { verdict: 'unknown', score: null, summary: parts.join(', ') };
}

import { sql, type Kysely } from 'kysely';
import type { ObservableType, Severity } from '../core/alert.ts';
import type { CaseStatus, Resolution } from '../core/case.ts';
import type { Dialect } from '../store/database.ts';
import type { DatabaseSchema } from '../store/schema.ts';
import { parseLimit } from '../store/cursor.ts';
import { valueParts } from '../store/value-lists.ts';

/**
 * Other cases that saw what this case saw, with how they ended: "have we seen this before, and what
 * was it?". A case's observables are probed most telling type first (hashes, URLs, domains, people,
 * hosts, then addresses), at most PROBED of them; each probe reads the newest PER_VALUE cases holding
 * the value from the (type, value, last_seen) index, so the cost is bounded however big the case or
 * however common the value. A case's score is the sum over the values it shares of
 * 1 / log2(2 + how many cases hold the value): an address every case has counts for little, a hash
 * two cases share for much.
 */
const PROBE_ORDER: readonly ObservableType[] = [
  'sha256',
  'sha1',
  'md5',
  'url',
  'domain',
  'email',
  'user',
  'host',
  'filename',
  'process',
  'registry',
  'cve',
  'ipv4',
  'ipv6',
  'mac',
];
export const PROBED = 200;
export const PER_VALUE = 200;
const SHARED_SHOWN = 5;
export const RELATED_LIMIT_MAX = 50;
/** A suggestion needs this many closed related cases, and this share of them agreeing. */
const SUGGEST_MIN_CLOSED = 2;
const SUGGEST_SHARE = 2 / 3;

export interface RelatedCase {
  id: string;
  title: string;
  status: CaseStatus;
  severity: Severity;
  resolution: Resolution | null;
  resolutionNote: string | null;
  createdAt: string;
  closedAt: string | null;
  alertCount: number;
  /** The sum of the shared values' weights (see above), two decimals. */
  score: number;
  /** How many of the probed values it shares. */
  sharedCount: number;
  /** The most telling of them. */
  shared: { type: string; value: string }[];
}

export interface RelatedCases {
  items: RelatedCase[];
  /** How many of the case's observables were looked up (at most PROBED). */
  probed: number;
  /** The resolution most of the related closed cases got, when they mostly agree; null otherwise. */
  suggestion: { resolution: Resolution; agreeing: number; closed: number } | null;
}

type Probe = { type: string; value: string };

export async function relatedCases(
  db: Kysely<DatabaseSchema>,
  dialect: Dialect,
  caseId: string,
  limitValue?: unknown,
): Promise<RelatedCases> {
  const limit = parseLimit(limitValue, 10, RELATED_LIMIT_MAX);
  const probes: Probe[] = [];
  for (const type of PROBE_ORDER) {
    if (probes.length >= PROBED) break;
    probes.push(
      ...(await db
        .selectFrom('case_observables')
        .select(['type', 'value'])
        .where('case_id', '=', caseId)
        .where('type', '=', type)
        .orderBy('value')
        .limit(PROBED - probes.length)
        .execute()),
    );
  }
  const hits = await holders(db, dialect, caseId, probes);
  const byValue = new Map<string, string[]>();
  for (const h of hits) {
    const key = `${h.type}\u0001${h.value}`;
    const list = byValue.get(key);
    if (list) list.push(h.case_id);
    else byValue.set(key, [h.case_id]);
  }
  const scored = new Map<string, { score: number; shared: { probe: Probe; weight: number }[] }>();
  for (const probe of probes) {
    const cases = byValue.get(`${probe.type}\u0001${probe.value}`) ?? [];
    const weight = 1 / Math.log2(2 + cases.length);
    for (const id of cases) {
      const entry = scored.get(id) ?? { score: 0, shared: [] };
      entry.score += weight;
      entry.shared.push({ probe, weight });
      scored.set(id, entry);
    }
  }
  if (scored.size === 0) return { items: [], probed: probes.length, suggestion: null };
  // Cases merged into this one share everything it took from them: they are listed as merged, not here.
  const merged = new Set(
    (await db.selectFrom('cases').select('id').where('merged_into', '=', caseId).execute()).map((r) => r.id),
  );
  const ranked = [...scored.entries()]
    .filter(([id]) => !merged.has(id))
    .sort((a, b) => b[1].score - a[1].score || (a[0] < b[0] ? 1 : -1))
    .slice(0, limit);
  const rows =
    ranked.length === 0
      ? []
      : await db
          .selectFrom('cases')
          .select([
            'id',
            'title',
            'status',
            'severity',
            'resolution',
            'resolution_note',
            'created_at',
            'closed_at',
            'alert_count',
          ])
          .where(
            'id',
            'in',
            ranked.map(([id]) => id),
          )
          .execute();
  const rowOf = new Map(rows.map((r) => [r.id, r]));
  const items = ranked.flatMap(([id, entry]): RelatedCase[] => {
    const row = rowOf.get(id);
    if (!row) return [];
    return [
      {
        id,
        title: row.title,
        status: row.status as CaseStatus,
        severity: row.severity as Severity,
        resolution: row.resolution as Resolution | null,
        resolutionNote: row.resolution_note,
        createdAt: row.created_at,
        closedAt: row.closed_at,
        alertCount: Number(row.alert_count),
        score: Math.round(entry.score * 100) / 100,
        sharedCount: entry.shared.length,
        shared: [...entry.shared]
          .sort((a, b) => b.weight - a.weight)
          .slice(0, SHARED_SHOWN)
          .map((s) => ({ type: s.probe.type, value: s.probe.value })),
      },
    ];
  });
  return { items, probed: probes.length, suggestion: suggestion(items) };
}

/**
 * What the related closed cases were resolved as, when most of them agree. A duplicate says nothing
 * about what the activity was, so those are left out.
 */
export function suggestion(
  items: readonly Pick<RelatedCase, 'status' | 'resolution'>[],
): RelatedCases['suggestion'] {
  const closed = items.filter((c) => c.status === 'closed' && c.resolution && c.resolution !== 'duplicate');
  if (closed.length < SUGGEST_MIN_CLOSED) return null;
  const tally = new Map<Resolution, number>();
  for (const c of closed) tally.set(c.resolution!, (tally.get(c.resolution!) ?? 0) + 1);
  const [resolution, agreeing] = [...tally.entries()].sort((a, b) => b[1] - a[1])[0]!;
  return agreeing / closed.length >= SUGGEST_SHARE ? { resolution, agreeing, closed: closed.length } : null;
}

/**
 * The other cases holding each probed value, the newest PER_VALUE of each. PostgreSQL probes the
 * index once per pair in one statement per part (LATERAL … LIMIT); SQLite, with no round trips to
 * save, one query per pair.
 */
async function holders(
  db: Kysely<DatabaseSchema>,
  dialect: Dialect,
  caseId: string,
  probes: readonly Probe[],
): Promise<{ case_id: string; type: string; value: string }[]> {
  const found: { case_id: string; type: string; value: string }[] = [];
  if (dialect === 'postgres') {
    for (const part of valueParts(dialect, probes)) {
      const { rows } = await sql<{ case_id: string; type: string; value: string }>`
        SELECT o.case_id, k.type, k.value
        FROM unnest(${part.map((p) => p.type)}::text[], ${part.map((p) => p.value)}::text[]) AS k(type, value)
        CROSS JOIN LATERAL (
          SELECT case_id FROM case_observables
          WHERE type = k.type AND value = k.value AND case_id <> ${caseId}
          ORDER BY last_seen DESC
          LIMIT ${PER_VALUE}
        ) AS o`.execute(db);
      found.push(...rows);
    }
    return found;
  }
  for (const probe of probes) {
    const rows = await db
      .selectFrom('case_observables')
      .select('case_id')
      .where('type', '=', probe.type)
      .where('value', '=', probe.value)
      .where('case_id', '!=', caseId)
      .orderBy('last_seen', 'desc')
      .limit(PER_VALUE)
      .execute();
    for (const r of rows) found.push({ case_id: r.case_id, type: probe.type, value: probe.value });
  }
  return found;
}

import type { Transaction } from 'kysely';
import type { Dialect } from '../store/database.ts';
import type { CaseTable, DatabaseSchema, ObservableFindingTable } from '../store/schema.ts';
import { oneOf, valueParts } from '../store/value-lists.ts';
import { INDICATOR_TYPES } from './indicator.ts';

const CHUNK = 400;
/** Below this confidence a match is worth a look, not a verdict. */
export const MALICIOUS_CONFIDENCE = 50;

export interface IndicatorMatch {
  type: string;
  value: string;
  source: string;
  confidence: number;
  threat: string | null;
  labels: string[];
  validUntil: string;
}

/** The provider name of an intel source's findings: `intel:feodo`. */
export function findingProvider(source: string): string {
  return `intel:${source}`;
}

const key = (o: { type: string; value: string }) => `${o.type}\u0001${o.value}`;

/**
 * The live indicators (valid_until still ahead) among these observables, keyed `type\u0001value`:
 * one indexed query for the whole batch (valueParts: the values as one array on PostgreSQL, IN lists
 * of 400 on SQLite), whatever its size.
 */
export async function liveMatches(
  trx: Transaction<DatabaseSchema>,
  dialect: Dialect,
  observables: readonly { type: string; value: string }[],
  now: string,
): Promise<Map<string, IndicatorMatch[]>> {
  const wanted = observables.filter((o) => (INDICATOR_TYPES as readonly string[]).includes(o.type));
  const types = [...new Set(wanted.map((o) => o.type))];
  const values = [...new Set(wanted.map((o) => o.value))];
  const found = new Map<string, IndicatorMatch[]>();
  const keys = new Set(wanted.map(key));
  for (const part of valueParts(dialect, values)) {
    const rows = await trx
      .selectFrom('intel_indicators')
      .select(['type', 'value', 'source', 'confidence', 'threat', 'labels', 'valid_until'])
      .where('type', 'in', types)
      .where(oneOf(dialect, 'value', part))
      .where('valid_until', '>', now)
      .execute();
    for (const r of rows) {
      const k = key(r);
      if (!keys.has(k)) continue;
      const match: IndicatorMatch = {
        type: r.type,
        value: r.value,
        source: r.source,
        confidence: Number(r.confidence),
        threat: r.threat,
        labels: JSON.parse(r.labels) as string[],
        validUntil: r.valid_until,
      };
      const list = found.get(k);
      if (list) list.push(match);
      else found.set(k, [match]);
    }
  }
  return found;
}

function summary(m: IndicatorMatch): string {
  const parts = [m.threat, m.labels.length > 0 ? `labels: ${m.labels.join(', ')}` : null];
  return [...parts.filter(Boolean), `confidence ${m.confidence}, valid until ${m.validUntil}`]
    .join('; ')
    .slice(0, 500);
}

/** Each match as a finding of provider `intel:<source>`, so alerts and cases show it in their enrichment. */
export async function recordMatchFindings(
  trx: Transaction<DatabaseSchema>,
  matches: ReadonlyMap<string, IndicatorMatch[]>,
  now: string,
): Promise<void> {
  const rows: ObservableFindingTable[] = [...matches.values()].flat().map((m) => ({
    type: m.type,
    value: m.value,
    provider: findingProvider(m.source),
    verdict: m.confidence >= MALICIOUS_CONFIDENCE ? 'malicious' : 'suspicious',
    score: m.confidence,
    summary: summary(m),
    action: 'intel.match',
    at: now,
  }));
  for (let i = 0; i < rows.length; i += CHUNK) {
    await trx
      .insertInto('observable_findings')
      .values(rows.slice(i, i + CHUNK))
      .onConflict((oc) =>
        oc.columns(['type', 'value', 'provider']).doUpdateSet((eb) => ({
          verdict: eb.ref('excluded.verdict'),
          score: eb.ref('excluded.score'),
          summary: eb.ref('excluded.summary'),
          action: eb.ref('excluded.action'),
          at: eb.ref('excluded.at'),
        })),
      )
      .execute();
  }
}

export interface CaseIntel {
  matches: number;
  sources: string[];
  confidence: number | null;
  /** The matched observables' keys, the first MAX_KEPT. */
  observables: string[];
}

/** Enough to recognise the matches of any realistic case; beyond it only new observables count. */
const MAX_KEPT = 100;

export const NO_INTEL: CaseIntel = { matches: 0, sources: [], confidence: null, observables: [] };

type IntelColumns = Pick<
  CaseTable,
  'intel_matches' | 'intel_sources' | 'intel_confidence' | 'intel_observables'
>;

/** A case row's intel summary. */
export function intelOfRow(row: IntelColumns): CaseIntel {
  return {
    matches: Number(row.intel_matches),
    sources: JSON.parse(row.intel_sources) as string[],
    confidence: row.intel_confidence === null ? null : Number(row.intel_confidence),
    observables: JSON.parse(row.intel_observables) as string[],
  };
}

/** The summary as the case row keeps it. */
export function intelColumns(intel: CaseIntel): IntelColumns {
  return {
    intel_matches: intel.matches,
    intel_sources: JSON.stringify(intel.sources),
    intel_confidence: intel.confidence,
    intel_observables: JSON.stringify(intel.observables),
  };
}

/**
 * Two cases' summaries as one (a merge): a matched observable both kept is counted once, the feeds of
 * both, the best confidence.
 */
export function combinedIntel(a: CaseIntel, b: CaseIntel): CaseIntel {
  const shared = b.observables.filter((key) => a.observables.includes(key)).length;
  const confidences = [a.confidence, b.confidence].filter((c): c is number => c !== null);
  return {
    matches: a.matches + b.matches - shared,
    sources: [...new Set([...a.sources, ...b.sources])].sort().slice(0, 20),
    confidence: confidences.length === 0 ? null : Math.max(...confidences),
    observables: [...new Set([...a.observables, ...b.observables])].slice(0, MAX_KEPT),
  };
}

/**
 * A case's intel summary after these observables joined it: each matching observable counts once.
 * `fresh` tells whether the case had not held the observable before (one it held can still match
 * now, if the indicator arrived in between; the kept list says whether it was already counted).
 */
export function caseIntel(
  keys: Iterable<string>,
  matches: ReadonlyMap<string, IndicatorMatch[]>,
  before: CaseIntel = NO_INTEL,
  fresh: (key: string) => boolean = () => true,
): CaseIntel {
  const sources = new Set(before.sources);
  const counted = new Set(before.observables);
  const complete = before.observables.length < MAX_KEPT;
  const observables = [...before.observables];
  let count = before.matches;
  let confidence = before.confidence;
  for (const k of keys) {
    const list = matches.get(k);
    if (!list || counted.has(k) || (!complete && !fresh(k))) continue;
    counted.add(k);
    count++;
    if (observables.length < MAX_KEPT) observables.push(k);
    for (const m of list) {
      sources.add(m.source);
      if (confidence === null || m.confidence > confidence) confidence = m.confidence;
    }
  }
  return { matches: count, sources: [...sources].sort().slice(0, 20), confidence, observables };
}

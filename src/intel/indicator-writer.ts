import { sql, type Transaction } from 'kysely';
import { newId } from '../core/ids.ts';
import type { DatabaseSchema, IntelIndicatorTable } from '../store/schema.ts';
import type { ParsedIndicator } from './indicator.ts';
import { storable } from '../core/storable-text.ts';

const CHUNK = 300;
/** Without a confidence of its own an indicator is as good as a coin toss, and says so. */
export const DEFAULT_CONFIDENCE = 50;

/** The same value listed twice in one file is one indicator: the strongest claim, all the labels. */
export function mergeDuplicates(indicators: readonly ParsedIndicator[]): ParsedIndicator[] {
  const byKey = new Map<string, ParsedIndicator>();
  for (const i of indicators) {
    const key = `${i.type}\u0001${i.value}`;
    const known = byKey.get(key);
    if (!known) {
      byKey.set(key, { ...i, labels: [...i.labels], tags: [...i.tags] });
      continue;
    }
    if (i.confidence !== null && (known.confidence === null || i.confidence > known.confidence))
      known.confidence = i.confidence;
    known.threat ??= i.threat;
    known.reference ??= i.reference;
    known.labels = [...new Set([...known.labels, ...i.labels])];
    known.tags = [...new Set([...known.tags, ...i.tags])];
    if (i.firstSeen && (!known.firstSeen || i.firstSeen < known.firstSeen)) known.firstSeen = i.firstSeen;
    if (i.validUntil && known.validUntil && i.validUntil > known.validUntil) known.validUntil = i.validUntil;
    if (!i.validUntil) known.validUntil = null;
  }
  return [...byKey.values()];
}

export interface WriteCounts {
  created: number;
  updated: number;
}

/**
 * Upserts one source's indicators inside the caller's transaction. A re-import moves last_seen and
 * valid_until and takes the feed's current confidence, labels and tags; first_seen only moves back.
 */
export async function writeIndicators(
  trx: Transaction<DatabaseSchema>,
  source: string,
  indicators: readonly ParsedIndicator[],
  options: { now: string; defaultValidUntil: string },
): Promise<WriteCounts> {
  const counts: WriteCounts = { created: 0, updated: 0 };
  // Feeds are outside text: a value with a NUL character would fail the whole import on PostgreSQL.
  const all = indicators.some((p) => storable(p.value) !== p.value)
    ? mergeDuplicates(indicators.map((p) => ({ ...p, value: storable(p.value) })))
    : indicators;
  for (let i = 0; i < all.length; i += CHUNK) {
    const part = all.slice(i, i + CHUNK);
    const existing = await trx
      .selectFrom('intel_indicators')
      .select(['type', 'value'])
      .where('source', '=', source)
      .where('value', 'in', [...new Set(part.map((p) => p.value))])
      .execute();
    const known = new Set(existing.map((e) => `${e.type}\u0001${e.value}`));
    const rows: IntelIndicatorTable[] = part.map((p) => {
      if (known.has(`${p.type}\u0001${p.value}`)) counts.updated++;
      else counts.created++;
      return {
        id: newId('ind_'),
        type: p.type,
        value: p.value,
        source,
        confidence: p.confidence ?? DEFAULT_CONFIDENCE,
        threat: p.threat === null ? null : storable(p.threat.slice(0, 500)),
        labels: JSON.stringify(p.labels.slice(0, 50)),
        tags: JSON.stringify(p.tags.slice(0, 50)),
        first_seen: p.firstSeen && p.firstSeen < options.now ? p.firstSeen : options.now,
        last_seen: options.now,
        valid_until: p.validUntil ?? options.defaultValidUntil,
        reference: p.reference === null ? null : storable(p.reference.slice(0, 500)),
      };
    });
    await trx
      .insertInto('intel_indicators')
      .values(rows)
      .onConflict((oc) =>
        oc.columns(['type', 'value', 'source']).doUpdateSet((eb) => ({
          confidence: eb.ref('excluded.confidence'),
          threat: eb.ref('excluded.threat'),
          labels: eb.ref('excluded.labels'),
          tags: eb.ref('excluded.tags'),
          last_seen: eb.ref('excluded.last_seen'),
          valid_until: eb.ref('excluded.valid_until'),
          reference: eb.ref('excluded.reference'),
          first_seen: sql<string>`CASE WHEN excluded.first_seen < intel_indicators.first_seen THEN excluded.first_seen ELSE intel_indicators.first_seen END`,
        })),
      )
      .execute();
  }
  return counts;
}

import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { ObservableType } from '../core/alert.ts';
import { nowDate, nowIso } from '../core/clock.ts';
import { canonicalObservable } from '../core/observable.ts';
import type { EnrichmentFinding, Verdict } from '../integrations/sdk/integration.ts';
import type { DatabaseSchema } from '../store/schema.ts';

export interface ObservableEnrichment {
  type: string;
  value: string;
  /** The most severe verdict among the sources. */
  verdict: Verdict;
  /** The highest score among the sources (null when none gave one). */
  score: number | null;
  sources: {
    provider: string;
    verdict: Verdict;
    score: number | null;
    summary: string | null;
    action: string;
    at: string;
  }[];
}

const SEVERITY: Record<Verdict, number> = { malicious: 3, suspicious: 2, benign: 1, unknown: 0 };

/** Stable JSON (sorted keys), so the same input always makes the same cache key. */
function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * The enrichment cache (per provider instance, action and input, with a TTL, shared by every run) and
 * the findings per observable that alerts and cases show: verdict, score, sources, when.
 */
export class EnrichmentStore {
  readonly #db: Kysely<DatabaseSchema>;

  constructor(db: Kysely<DatabaseSchema>) {
    this.#db = db;
  }

  cacheKey(instance: string, action: string, input: unknown): string {
    return createHash('sha256')
      .update(`${instance}\u0000${action}\u0000${canonicalJson(input)}`)
      .digest('hex');
  }

  async cached(key: string): Promise<unknown> {
    const row = await this.#db
      .selectFrom('enrichment_cache')
      .select(['output', 'expires_at'])
      .where('key', '=', key)
      .executeTakeFirst();
    if (!row || row.expires_at <= nowIso()) return undefined;
    return JSON.parse(row.output) as unknown;
  }

  async cache(key: string, action: string, output: unknown, ttlSeconds: number): Promise<void> {
    const now = nowDate();
    const row = {
      key,
      action,
      output: JSON.stringify(output ?? null),
      fetched_at: now.toISOString(),
      expires_at: new Date(now.getTime() + ttlSeconds * 1000).toISOString(),
    };
    await this.#db
      .insertInto('enrichment_cache')
      .values(row)
      .onConflict((oc) =>
        oc
          .column('key')
          .doUpdateSet({ output: row.output, fetched_at: row.fetched_at, expires_at: row.expires_at }),
      )
      .execute();
  }

  /** Drops expired cache entries; returns how many. */
  async sweep(): Promise<number> {
    const result = await this.#db
      .deleteFrom('enrichment_cache')
      .where('expires_at', '<=', nowIso())
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Records what a provider said about an observable (the latest word of each provider counts). */
  async record(
    observable: { type: ObservableType; value: string },
    provider: string,
    action: string,
    finding: EnrichmentFinding,
  ): Promise<void> {
    const value = canonicalObservable(observable.type, observable.value);
    if (value === null) return;
    const row = {
      type: observable.type,
      value,
      provider,
      verdict: finding.verdict,
      score: finding.score === null ? null : Math.round(Math.max(0, Math.min(100, finding.score))),
      summary: finding.summary?.slice(0, 500) ?? null,
      action,
      at: nowIso(),
    };
    await this.#db
      .insertInto('observable_findings')
      .values(row)
      .onConflict((oc) =>
        oc.columns(['type', 'value', 'provider']).doUpdateSet({
          verdict: row.verdict,
          score: row.score,
          summary: row.summary,
          action: row.action,
          at: row.at,
        }),
      )
      .execute();
  }

  /** The enrichment summary of each observable that has findings, most severe first. */
  async summaries(observables: readonly { type: string; value: string }[]): Promise<ObservableEnrichment[]> {
    if (observables.length === 0) return [];
    const values = [...new Set(observables.map((o) => o.value))].slice(0, 2000);
    const rows = [];
    for (let i = 0; i < values.length; i += 500)
      rows.push(
        ...(await this.#db
          .selectFrom('observable_findings')
          .selectAll()
          .where('value', 'in', values.slice(i, i + 500))
          .orderBy('at', 'desc')
          .execute()),
      );
    const wanted = new Set(observables.map((o) => `${o.type}\u0000${o.value}`));
    const byObservable = new Map<string, ObservableEnrichment>();
    for (const row of rows) {
      const key = `${row.type}\u0000${row.value}`;
      if (!wanted.has(key)) continue;
      const verdict = row.verdict as Verdict;
      const score = row.score === null ? null : Number(row.score);
      let entry = byObservable.get(key);
      if (!entry) {
        entry = { type: row.type, value: row.value, verdict: 'unknown', score: null, sources: [] };
        byObservable.set(key, entry);
      }
      entry.sources.push({
        provider: row.provider,
        verdict,
        score,
        summary: row.summary,
        action: row.action,
        at: row.at,
      });
      if (SEVERITY[verdict] > SEVERITY[entry.verdict]) entry.verdict = verdict;
      if (score !== null && (entry.score === null || score > entry.score)) entry.score = score;
    }
    return [...byObservable.values()].sort(
      (a, b) => SEVERITY[b.verdict] - SEVERITY[a.verdict] || (b.score ?? -1) - (a.score ?? -1),
    );
  }
}

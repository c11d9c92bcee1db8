import type { Actor } from '../audit/audit-log.ts';
import { RiposteError } from '../core/riposte-error.ts';
import type { IngestService } from '../ingest/ingest-service.ts';
import type { Source } from '../sources/source-service.ts';
import type { PageCounts } from './pull-state-store.ts';

/**
 * Hands a pulled page to the ingest pipeline as one request to the source's endpoint would go
 * (normalizer, dedup, grouping, triggers; audited as `pull:<source>`), and answers after the commit.
 * Records the normalizer cannot read are counted and logged, not retried: no retry makes them readable.
 */
export async function ingestPage(
  ingest: IngestService,
  source: Source,
  records: unknown[],
  onError: (error: unknown, message: string) => void,
): Promise<PageCounts> {
  const counts = { records: records.length, stored: 0, duplicates: 0, rejected: 0 };
  if (records.length === 0) return counts;
  const actor: Actor = { id: `pull:${source.name}`, type: 'source' };
  try {
    const result = await ingest.ingest(source, JSON.stringify(records), 'application/json', actor);
    counts.stored = result.accepted;
    counts.duplicates = result.duplicates;
    counts.rejected = result.rejected.length;
    const first = result.rejected[0];
    if (first)
      onError(
        new Error(`record ${first.index}: ${first.error}`),
        `${counts.rejected} of ${records.length} records pulled for source ${source.name} could not be read; skipped`,
      );
  } catch (error) {
    if (!(error instanceof RiposteError) || error.code !== 'no_valid_records') throw error;
    counts.rejected = records.length;
    onError(
      error,
      `none of the ${records.length} records pulled for source ${source.name} could be read; skipped`,
    );
  }
  return counts;
}

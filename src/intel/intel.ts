import type { Kysely } from 'kysely';
import type { AuditLog } from '../audit/audit-log.ts';
import type { OutboundHttp } from '../integrations/http/outbound-http.ts';
import type { DatabaseSchema } from '../store/schema.ts';
import { FeedRefresher } from './feed-refresher.ts';
import { IntelService } from './intel-service.ts';

/** The threat-intelligence store as the composition root hands it out. */
export interface Intel {
  indicators: IntelService;
  /** Scheduled feeds; the run worker calls `feeds.refreshDue(now)` on its slow tick. */
  feeds: FeedRefresher;
}

export function openIntel(db: Kysely<DatabaseSchema>, audit: AuditLog, http: OutboundHttp): Intel {
  const indicators = new IntelService(db, audit);
  return { indicators, feeds: new FeedRefresher(db, audit, indicators, http) };
}

import type { Kysely } from 'kysely';

/**
 * A source may be limited to a number of alerts a minute (`alertLimitPerMinute`): past it, what it
 * sends waits — an HTTP sender is answered 429 with Retry-After, a syslog listener or a pull holds
 * its batch and tries again (src/ingest/source-alert-limit.ts). Null: no limit.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sources').addColumn('alert_limit_per_minute', 'integer').execute();
}

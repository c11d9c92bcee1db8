import { RiposteError } from './riposte-error.ts';

/** The highest alert limit a source or tenant may be given: far above what one process can store. */
export const MAX_ALERT_LIMIT_PER_MINUTE = 100_000_000;

/**
 * `alertLimitPerMinute` of a source or a tenant as given: a whole number of alerts from 1, or null (no
 * limit). What the limit does is src/ingest/source-alert-limit.ts.
 */
export function checkAlertLimit(value: unknown): number | null {
  if (value === null) return null;
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < 1 ||
    value > MAX_ALERT_LIMIT_PER_MINUTE
  )
    throw new RiposteError(
      'validation_failed',
      `alertLimitPerMinute must be a whole number of alerts from 1 to ${MAX_ALERT_LIMIT_PER_MINUTE}, or null (no limit); got ${JSON.stringify(value)}`,
      { path: '/alertLimitPerMinute' },
    );
  return value;
}

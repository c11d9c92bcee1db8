import { ActionError } from '../../core/action.ts';

/** Helpers for integrations' feeds (`AlertFeed`, declared with the definition in integration.ts). */
export type { AlertFeed, FeedPage, FeedRequest } from './integration.ts';

/**
 * A page link the vendor returned (`@odata.nextLink`, `Link: rel="next"`), checked: it must be on the
 * instance's own origin, since the request that follows it carries the instance's credentials.
 */
export function sameOriginLink(link: string, baseUrl: string, vendor: string): string {
  const url = URL.parse(link);
  const base = URL.parse(baseUrl);
  if (!url || !base || url.origin !== base.origin)
    throw new ActionError(
      'invalid_response',
      `${vendor} returned a next-page link off the instance's origin (${base?.origin ?? baseUrl}); not followed`,
      { retryable: false },
    );
  return url.toString();
}

/** An ISO-8601 time as milliseconds, or undefined when it is not one. */
export function timeOf(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

/** A body that is not what the vendor documents: the page is not taken, and the poll is tried again later. */
export function unexpectedBody(vendor: string, what: string): ActionError {
  return new ActionError('invalid_response', `${vendor} answered ${what}`, { retryable: true });
}

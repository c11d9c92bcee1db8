import { ActionError } from '../../core/action.ts';
import type { HttpRequest } from '../sdk/http-client.ts';
import type { IntegrationContext } from '../sdk/integration.ts';
import { graphRequest } from './graph-request.ts';

/** A bound on one listing, so a server that keeps answering `@odata.nextLink` cannot hold a step forever. */
const MAX_PAGES = 100;

/**
 * The pages of a Graph collection: `value` of each answer, following `@odata.nextLink` as a whole URL
 * (Graph keeps its own `$skip` in it; the docs say not to rebuild it). A link to another origin is
 * refused rather than followed, since the bearer token would go with it.
 */
export async function* graphPages<T>(
  context: IntegrationContext,
  request: HttpRequest,
): AsyncGenerator<T[], void, undefined> {
  let next: HttpRequest | undefined = request;
  let origin: string | undefined;
  for (let page = 1; next; page++) {
    if (page > MAX_PAGES)
      throw new ActionError(
        'invalid_response',
        `Microsoft Graph still had more pages of ${request.path} after ${MAX_PAGES}`,
        { retryable: false },
      );
    const response = await graphRequest(context, next);
    origin ??= new URL(response.url).origin;
    const body = response.json<{ value?: unknown; '@odata.nextLink'?: unknown } | null>();
    if (!Array.isArray(body?.value))
      throw new ActionError(
        'invalid_response',
        `Microsoft Graph answered ${request.path} without a value list`,
        {
          retryable: false,
        },
      );
    yield body.value as T[];
    const link = body['@odata.nextLink'];
    if (typeof link !== 'string') return;
    let target: URL;
    try {
      target = new URL(link);
    } catch {
      throw new ActionError('invalid_response', 'Microsoft Graph sent an @odata.nextLink that is not a URL', {
        retryable: false,
      });
    }
    if (target.origin !== origin)
      throw new ActionError(
        'invalid_response',
        `Microsoft Graph sent an @odata.nextLink to ${target.origin}; not followed (the token would go along)`,
        { retryable: false },
      );
    next = { path: target.toString() };
  }
}

import type { OutboundHttp } from './outbound-http.ts';

/** A request's answer read whatever its status (4xx included): the caller reads the error itself. */
export interface PlainResponse {
  status: number;
  /** Lowercased, without parameters; '' when absent. */
  contentType: string;
  text: string;
}

/** Statuses handed back as answers: every 4xx (a 5xx is retried, for GETs, then thrown). */
const CLIENT_ERRORS = Array.from({ length: 100 }, (_, i) => 400 + i);

/**
 * GETs and form POSTs to absolute URLs through Riposte's outbound path (the SSRF guard after DNS,
 * the proxy, the size cap, scrubbed errors), for callers that are not integrations: the OIDC client
 * talking to the identity provider (src/auth/oidc/oidc-http.ts has the same shape).
 */
export function plainHttp(
  outbound: OutboundHttp,
  options: { timeoutMs: number; secrets: readonly string[] },
): {
  get(url: string): Promise<PlainResponse>;
  postForm(
    url: string,
    form: Record<string, string>,
    headers: Record<string, string>,
  ): Promise<PlainResponse>;
} {
  const client = outbound.client({
    baseUrl: 'http://invalid',
    auth: { kind: 'none' },
    fields: {},
    timeoutMs: options.timeoutMs,
    secrets: options.secrets,
  });
  const read = (response: { status: number; headers: Headers; text(): string }): PlainResponse => ({
    status: response.status,
    contentType: (response.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase(),
    text: response.text(),
  });
  return {
    get: async (url) => read(await client.request({ path: url, accept: CLIENT_ERRORS })),
    postForm: async (url, form, headers) =>
      read(await client.request({ method: 'POST', path: url, form, headers, accept: CLIENT_ERRORS })),
  };
}

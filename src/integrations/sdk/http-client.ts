/**
 * The one outbound HTTP client integrations get (through their context), already pointed at the
 * instance's base URL with its authorization applied. Implemented in src/integrations/http/.
 */
export interface HttpRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  /** Relative to the instance's base URL (`/api/v3/ip_addresses/1.2.3.4`), or an absolute URL. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  /** Sent as JSON (`content-type: application/json`). */
  json?: unknown;
  /** Sent as `application/x-www-form-urlencoded`. */
  form?: Record<string, string>;
  /** Sent as multipart/form-data (file submissions). */
  multipart?: FormData;
  /** Raw body with its own content-type header. */
  body?: string | Uint8Array;
  /**
   * Statuses that are answers rather than errors for this call (a lookup's 404 "not found").
   * Any other status ≥ 400 becomes an ActionError (401/403 not retryable, 429 and 5xx retryable).
   */
  accept?: number[];
  /** Overrides the integration's per-request timeout. */
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  url: string;
  /** The body, capped in size (a larger body fails the request with `response_too_large`). */
  text(): string;
  /** The body parsed as JSON; a body that is not JSON fails with `invalid_response` naming the content type. */
  json<T = unknown>(): T;
  bytes(): Uint8Array;
}

export interface HttpClient {
  request(request: HttpRequest): Promise<HttpResponse>;
  /** GET and parse JSON. */
  getJson<T = unknown>(
    path: string,
    query?: HttpRequest['query'],
    accept?: number[],
  ): Promise<{ status: number; body: T }>;
  /** POST JSON and parse the JSON answer. */
  postJson<T = unknown>(path: string, json: unknown, accept?: number[]): Promise<{ status: number; body: T }>;
}

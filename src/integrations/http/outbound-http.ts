import { Agent, ProxyAgent, request as undiciRequest, type Dispatcher } from 'undici';
import { isIP } from 'node:net';
import { ActionError } from '../../core/action.ts';
import type { HttpClient, HttpRequest, HttpResponse } from '../sdk/http-client.ts';
import type { AuthScheme } from '../sdk/integration.ts';
import { pause } from '../sdk/pause.ts';
import { SsrfGuard } from './ssrf-guard.ts';
import { TokenBucket } from './token-bucket.ts';

export interface OutboundHttpOptions {
  /** Private or loopback destinations allowed anyway (CIDRs or host names): `RIPOSTE_OUTBOUND_ALLOW`. */
  allow?: readonly string[];
  /** An HTTP(S) proxy every request goes through: `RIPOSTE_OUTBOUND_PROXY`. */
  proxyUrl?: string;
  /** Largest response body accepted, bytes (default 8 MiB). */
  maxResponseBytes?: number;
  /** In-client retries of 429, 5xx and network errors before the step's own retry policy takes over. */
  attempts?: number;
  /** A Retry-After longer than this is handed to the engine (a durable timer) instead of waited out here. */
  maxInlineWaitMs?: number;
}

export interface ClientOptions {
  baseUrl: string;
  auth: AuthScheme;
  fields: Readonly<Record<string, string>>;
  /** One bucket per provider instance; shared by every run using it. */
  bucket?: TokenBucket;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Values masked in every error message (default: every field value). */
  secrets?: readonly string[];
}

const USER_AGENT = 'Riposte/0.1 (+https://github.com/riposte-soar)';

/**
 * The one outbound HTTP path for all integrations: SSRF guard after DNS resolution, per-provider
 * token buckets, timeouts, a response size cap, retries on 429 and 5xx honouring Retry-After, and
 * errors that say what happened without carrying credentials.
 */
export class OutboundHttp {
  readonly #guard: SsrfGuard;
  readonly #dispatcher: Dispatcher;
  readonly #proxied: boolean;
  readonly #maxBytes: number;
  readonly #attempts: number;
  readonly #maxInlineWaitMs: number;
  readonly #buckets = new Map<string, TokenBucket>();

  constructor(options: OutboundHttpOptions = {}) {
    this.#guard = new SsrfGuard(options.allow ?? []);
    this.#proxied = Boolean(options.proxyUrl);
    this.#dispatcher = options.proxyUrl
      ? new ProxyAgent({ uri: options.proxyUrl })
      : new Agent({ connect: { lookup: this.#guard.lookup }, keepAliveTimeout: 10_000 });
    this.#maxBytes = options.maxResponseBytes ?? 8 * 1024 * 1024;
    this.#attempts = options.attempts ?? 3;
    this.#maxInlineWaitMs = options.maxInlineWaitMs ?? 10_000;
  }

  /** The shared token bucket of a provider instance. */
  bucket(key: string, limit: { requests: number; perSeconds: number } | undefined): TokenBucket | undefined {
    if (!limit) return undefined;
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(limit.requests, limit.perSeconds);
      this.#buckets.set(key, bucket);
    }
    return bucket;
  }

  client(options: ClientOptions): HttpClient {
    const secrets = (options.secrets ?? Object.values(options.fields)).filter((v) => v.length >= 4);
    const request = (r: HttpRequest) => this.#send(r, options, secrets);
    return {
      request,
      getJson: async <T>(path: string, query?: HttpRequest['query'], accept?: number[]) => {
        const response = await request({ path, ...(query ? { query } : {}), ...(accept ? { accept } : {}) });
        return { status: response.status, body: response.json<T>() };
      },
      postJson: async <T>(path: string, json: unknown, accept?: number[]) => {
        const response = await request({ method: 'POST', path, json, ...(accept ? { accept } : {}) });
        return { status: response.status, body: response.json<T>() };
      },
    };
  }

  async close(): Promise<void> {
    await this.#dispatcher.close();
  }

  async #send(r: HttpRequest, options: ClientOptions, secrets: string[]): Promise<HttpResponse> {
    const url = buildUrl(options.baseUrl, r, options.auth, options.fields);
    const shown = scrub(url.toString(), secrets);
    const { headers, body } = await encodeBody(r);
    headers['user-agent'] ??= USER_AGENT;
    headers['accept'] ??= 'application/json';
    applyAuth(headers, options.auth, options.fields);
    const method = r.method ?? (body === undefined ? 'GET' : 'POST');
    const idempotent = method === 'GET' || method === 'HEAD' || method === 'PUT' || method === 'DELETE';
    for (let attempt = 1; ; attempt++) {
      await this.#admit(url, options);
      let response: Dispatcher.ResponseData;
      try {
        response = await undiciRequest(url, {
          method,
          headers,
          body,
          dispatcher: this.#dispatcher,
          headersTimeout: r.timeoutMs ?? options.timeoutMs,
          bodyTimeout: r.timeoutMs ?? options.timeoutMs,
          ...(options.signal ? { signal: options.signal } : {}),
        });
      } catch (error) {
        const failure = networkError(error, shown, secrets);
        // A request that may have reached the server is repeated only when repeating it is harmless.
        if (!failure.retryable || !idempotent || attempt >= this.#attempts || options.signal?.aborted)
          throw failure;
        await pause(backoff(attempt), options.signal, `a retry of ${method} ${shown}`);
        continue;
      }
      const bytes = await readCapped(response, this.#maxBytes, shown);
      const status = response.statusCode;
      if (status < 400 || r.accept?.includes(status))
        return toResponse(status, response.headers, url, bytes, shown);
      const failure = statusError(status, response.headers, bytes, shown, secrets);
      const wait = failure.retryAfterMs ?? backoff(attempt);
      // A 429 was not processed and may be repeated; a 5xx may have been, so only idempotent methods repeat here.
      const repeatable = status === 429 || idempotent;
      if (!failure.retryable || !repeatable || attempt >= this.#attempts || wait > this.#maxInlineWaitMs)
        throw failure;
      await pause(wait, options.signal, `a retry of ${method} ${shown}`);
    }
  }

  /** Waits for the provider's token bucket, and refuses forbidden literal addresses (DNS names are checked at connect). */
  async #admit(url: URL, options: ClientOptions): Promise<void> {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) !== 0 || this.#proxied) {
      if (isIP(host) !== 0) this.#guard.check(host, host, portOf(url));
      else
        await new Promise<void>((resolve, reject) =>
          this.#guard.lookup(host, {}, (error) => (error ? reject(error) : resolve())),
        );
    }
    const wait = options.bucket?.take() ?? 0;
    if (wait > 0) await pause(wait, options.signal, `the rate limit of ${url.host}`);
  }
}

/** The port a URL connects to: its own, or its scheme's default. */
function portOf(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

function buildUrl(
  baseUrl: string,
  r: HttpRequest,
  auth: AuthScheme,
  fields: Readonly<Record<string, string>>,
): URL {
  const url = /^https?:\/\//i.test(r.path)
    ? new URL(r.path)
    : new URL(baseUrl.replace(/\/+$/, '') + (r.path.startsWith('/') ? r.path : `/${r.path}`));
  for (const [key, value] of Object.entries(r.query ?? {}))
    if (value !== undefined) url.searchParams.set(key, String(value));
  if (auth.kind === 'query' && fields[auth.field]) url.searchParams.set(auth.param, fields[auth.field]!);
  return url;
}

function applyAuth(
  headers: Record<string, string>,
  auth: AuthScheme,
  fields: Readonly<Record<string, string>>,
): void {
  if (auth.kind === 'header' && fields[auth.field])
    headers[auth.header.toLowerCase()] = `${auth.prefix ?? ''}${fields[auth.field]}`;
  if (auth.kind === 'basic')
    headers['authorization'] =
      `Basic ${Buffer.from(`${fields[auth.usernameField] ?? ''}:${fields[auth.passwordField] ?? ''}`).toString('base64')}`;
}

async function encodeBody(r: HttpRequest): Promise<{
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
}> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = v;
  if (r.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    return { headers, body: JSON.stringify(r.json) };
  }
  if (r.form) {
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
    return { headers, body: new URLSearchParams(r.form).toString() };
  }
  if (r.multipart) {
    // Encoded here (boundary and all) so the body is bytes like every other one.
    const encoded = new Response(r.multipart);
    headers['content-type'] = encoded.headers.get('content-type')!;
    return { headers, body: new Uint8Array(await encoded.arrayBuffer()) };
  }
  return { headers, body: r.body };
}

async function readCapped(
  response: Dispatcher.ResponseData,
  max: number,
  shown: string,
): Promise<Uint8Array> {
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) {
    response.body.destroy();
    throw tooLarge(shown, max);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += (chunk as Buffer).length;
    if (size > max) {
      response.body.destroy();
      throw tooLarge(shown, max);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function tooLarge(shown: string, max: number): ActionError {
  return new ActionError('response_too_large', `${shown} answered with more than ${max} bytes`, {
    retryable: false,
  });
}

function toResponse(
  status: number,
  raw: Dispatcher.ResponseData['headers'],
  url: URL,
  bytes: Uint8Array,
  shown: string,
): HttpResponse {
  const headers = new Headers();
  for (const [k, v] of Object.entries(raw))
    if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
  const text = () => Buffer.from(bytes).toString('utf8');
  return {
    status,
    headers,
    url: url.toString(),
    text,
    bytes: () => bytes,
    json: <T>() => {
      try {
        return JSON.parse(text()) as T;
      } catch {
        const type = headers.get('content-type') ?? 'no content type';
        throw new ActionError(
          'invalid_response',
          `${shown} answered ${status} with a body that is not JSON (${type}): ${snippet(text())}`,
          { retryable: false },
        );
      }
    },
  };
}

function statusError(
  status: number,
  headers: Dispatcher.ResponseData['headers'],
  bytes: Uint8Array,
  shown: string,
  secrets: string[],
): ActionError {
  const detail = scrub(snippet(Buffer.from(bytes).toString('utf8')), secrets);
  const message = `${shown} answered ${status}${detail ? `: ${detail}` : ''}`;
  if (status === 401 || status === 403) return new ActionError('unauthorized', message, { retryable: false });
  if (status === 404) return new ActionError('not_found', message, { retryable: false });
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(headers['retry-after']);
    return new ActionError('rate_limited', message, {
      retryable: true,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
  if (status >= 500) {
    const retryAfterMs = parseRetryAfter(headers['retry-after']);
    return new ActionError('server_error', message, {
      retryable: true,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
  return new ActionError('bad_request', message, { retryable: false });
}

function networkError(error: unknown, shown: string, secrets: string[]): ActionError {
  if (error instanceof ActionError) return error;
  const cause = (error as { cause?: unknown })?.cause;
  if (cause instanceof ActionError) return cause;
  const name = (error as { name?: string; code?: string })?.code ?? (error as Error)?.name ?? 'error';
  if (name === 'AbortError' || name === 'UND_ERR_ABORTED')
    return new ActionError('cancelled', `${shown}: the request was cancelled`, { retryable: false });
  const timeout = /TIMEOUT/i.test(name);
  const text = scrub(error instanceof Error ? error.message : String(error), secrets);
  return new ActionError(
    timeout ? 'timeout' : 'network',
    `${shown}: ${timeout ? 'no answer in time' : text} (${name})`,
    {
      retryable: true,
    },
  );
}

/** Seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return undefined;
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function backoff(attempt: number): number {
  return Math.min(2000, 200 * 2 ** (attempt - 1));
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 300)}…` : flat;
}

/** Credentials never travel into messages: query-string keys and any field value are masked. */
function scrub(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('***');
  return out;
}

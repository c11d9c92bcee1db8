import { connect, type Socket } from 'node:net';

export interface LoadOptions {
  url: string;
  headers: Record<string, string>;
  connections: number;
  warmupMs: number;
  durationMs: number;
  nextBody: () => string;
  /** Called when the measured window opens and closes (the caller samples CPU there). */
  onWindow?: (edge: 'start' | 'end') => void;
}

/** What the server said about the records of one request, read from its JSON answer. */
export interface Tally {
  accepted: number;
  duplicates: number;
  rejected: number;
}

export interface LoadResult {
  /** Responses that arrived inside the measured window (after the warm-up, before the deadline). */
  window: { seconds: number; responses: number; ok: number; accepted: number; latencyMs: Percentiles };
  /** The whole run, warm-up and drain included: every request sent was answered or failed. */
  total: { sent: number; ok: number; non202: number; errors: number } & Tally;
  /** Answers by HTTP status, the whole run. */
  statuses: Record<string, number>;
  firstFailure?: string;
}

export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/**
 * A closed-loop HTTP/1.1 load generator: `connections` keep-alive sockets, each sending its next
 * request as soon as the previous answer is complete. Unlike a generator that drops its sockets at
 * the deadline, it stops sending and waits for the answers in flight, so every request is accounted
 * for — which lets the caller compare the alerts acknowledged with the alerts stored, exactly.
 */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const target = new URL(options.url);
  const head =
    `POST ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\n` +
    Object.entries(options.headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
  const start = performance.now();
  const windowStart = start + options.warmupMs;
  const deadline = windowStart + options.durationMs;
  const latencies: number[] = [];
  const total = { sent: 0, ok: 0, non202: 0, errors: 0, accepted: 0, duplicates: 0, rejected: 0 };
  const statuses: Record<string, number> = {};
  let windowResponses = 0;
  let windowOk = 0;
  let windowAccepted = 0;
  let firstFailure: string | undefined;
  let open = options.connections;

  // Each edge fires once: on its timer, or at the latest when the run ends — the last answers can
  // all arrive in one group commit right after the deadline, before a late timer fires.
  const fired = new Set<'start' | 'end'>();
  const edge = (which: 'start' | 'end'): void => {
    if (fired.has(which)) return;
    fired.add(which);
    options.onWindow?.(which);
  };
  const windowTimers = [
    // With no warm-up the window starts now: a negative delay would draw a warning from Node.
    setTimeout(() => edge('start'), Math.max(0, windowStart - performance.now())),
    setTimeout(() => edge('end'), Math.max(0, deadline - performance.now())),
  ];

  return new Promise((resolve) => {
    const finish = (): void => {
      if (--open > 0) return;
      for (const t of windowTimers) clearTimeout(t);
      edge('start');
      edge('end');
      resolve({
        window: {
          seconds: options.durationMs / 1000,
          responses: windowResponses,
          ok: windowOk,
          accepted: windowAccepted,
          latencyMs: percentiles(latencies),
        },
        total,
        statuses,
        ...(firstFailure === undefined ? {} : { firstFailure }),
      });
    };

    const onResponse = (status: number, body: string, sentAt: number): void => {
      const now = performance.now();
      statuses[status] = (statuses[status] ?? 0) + 1;
      // The ingest contract: 202 once committed. Any other answer, 2xx or not, is a failure.
      const ok = status === 202;
      const tally = ok ? readTally(body) : undefined;
      if (tally) {
        total.ok++;
        total.accepted += tally.accepted;
        total.duplicates += tally.duplicates;
        total.rejected += tally.rejected;
      } else {
        total.non202++;
        firstFailure ??= `HTTP ${status}: ${body.slice(0, 300)}`;
      }
      if (now >= windowStart && now < deadline) {
        windowResponses++;
        if (tally) {
          windowOk++;
          windowAccepted += tally.accepted;
        }
        latencies.push(now - sentAt);
      }
    };

    for (let i = 0; i < options.connections; i++) {
      const socket = connect(Number(target.port), target.hostname);
      socket.setNoDelay(true);
      const nextBody = (): string => {
        total.sent++;
        return options.nextBody();
      };
      drive(socket, head, nextBody, deadline, onResponse, (error) => {
        if (error) {
          total.errors++;
          firstFailure ??= `connection: ${error.message}`;
        }
        finish();
      });
    }
  });
}

/** Runs one connection: write a request, read its answer, repeat until the deadline. */
function drive(
  socket: Socket,
  head: string,
  nextBody: () => string,
  deadline: number,
  onResponse: (status: number, body: string, sentAt: number) => void,
  done: (error?: Error) => void,
): void {
  let buffered: Buffer | undefined;
  let sentAt = 0;
  let waiting = false;
  let finished = false;
  const end = (error?: Error): void => {
    if (finished) return;
    finished = true;
    socket.destroy();
    done(error);
  };
  const send = (): void => {
    if (performance.now() >= deadline) return end();
    const body = nextBody();
    sentAt = performance.now();
    waiting = true;
    socket.write(`${head}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  };
  socket.on('connect', send);
  socket.on('data', (chunk: Buffer) => {
    buffered = buffered ? Buffer.concat([buffered, chunk]) : chunk;
    const headEnd = buffered.indexOf('\r\n\r\n');
    if (headEnd < 0) return;
    const headers = buffered.toString('latin1', 0, headEnd);
    const body = readBody(buffered, headEnd + 4, headers);
    if (body instanceof Error) return end(body);
    if (body === undefined) return;
    buffered = undefined;
    waiting = false;
    onResponse(Number(headers.slice(9, 12)), body, sentAt);
    send();
  });
  socket.on('error', (error) => end(error));
  socket.on('close', () => end(waiting ? new Error('the server closed the connection') : undefined));
}

/** The answer's body once complete (content-length or chunked), undefined while more is to come. */
function readBody(buffer: Buffer, start: number, headers: string): string | Error | undefined {
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(headers)?.[1];
  if (length !== undefined) {
    const end = start + Number(length);
    return buffer.length < end ? undefined : buffer.toString('utf8', start, end);
  }
  if (!/\r\ntransfer-encoding:\s*chunked/i.test(headers))
    return new Error(`an answer with neither content-length nor chunked encoding: ${headers}`);
  const parts: Buffer[] = [];
  for (let at = start; ;) {
    const lineEnd = buffer.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const size = parseInt(buffer.toString('latin1', at, lineEnd), 16);
    if (buffer.length < lineEnd + 2 + size + 2) return undefined;
    if (size === 0) return Buffer.concat(parts).toString('utf8');
    parts.push(buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

function readTally(body: string): Tally {
  try {
    const json = JSON.parse(body) as { accepted?: unknown; duplicates?: unknown; rejected?: unknown };
    return {
      accepted: typeof json.accepted === 'number' ? json.accepted : 0,
      duplicates: typeof json.duplicates === 'number' ? json.duplicates : 0,
      rejected: Array.isArray(json.rejected) ? json.rejected.length : 0,
    };
  } catch {
    return { accepted: 0, duplicates: 0, rejected: 0 };
  }
}

function percentiles(values: number[]): Percentiles {
  const sorted = Float64Array.from(values).sort();
  const at = (p: number): number => {
    const v = sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? 0;
    return Math.round(v * 100) / 100;
  };
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1) };
}

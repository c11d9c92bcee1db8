import type { ServerResponse } from 'node:http';
import { LIVE_EVENT_TYPES, type LiveEvent, type LiveEventType } from '../live/live-event.ts';
import type { LiveFeed } from '../live/live-feed.ts';

export interface LiveStreamsOptions {
  /** A comment line this often keeps proxies from closing an idle stream. */
  heartbeatMs?: number;
  /** A client this far behind (bytes queued on its socket) is disconnected; its EventSource reconnects. */
  maxQueuedBytes?: number;
}

export interface StreamRequest {
  /** Only these event types (all when absent). */
  types?: ReadonlySet<LiveEventType>;
  /** Close after this many events (0: right after the opening comment). */
  max?: number;
  /** Checked at each heartbeat: false (session expired, token revoked) ends the stream. */
  stillAllowed: () => Promise<boolean>;
}

interface Stream {
  response: ServerResponse;
  types: ReadonlySet<LiveEventType> | undefined;
  remaining: number;
  stillAllowed: () => Promise<boolean>;
}

/**
 * The open Server-Sent Events streams of this server: one subscription to the live feed for all of
 * them, each event serialized once, a heartbeat comment every 15 s, and an end to every stream when
 * the server shuts down (so a graceful shutdown never waits on a browser tab).
 */
export class LiveStreams {
  readonly #feed: LiveFeed;
  readonly #heartbeatMs: number;
  readonly #maxQueuedBytes: number;
  readonly #streams = new Set<Stream>();
  #unsubscribe: (() => void) | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(feed: LiveFeed, options: LiveStreamsOptions = {}) {
    this.#feed = feed;
    this.#heartbeatMs = options.heartbeatMs ?? 15_000;
    this.#maxQueuedBytes = options.maxQueuedBytes ?? 1 << 20;
  }

  get size(): number {
    return this.#streams.size;
  }

  open(response: ServerResponse, request: StreamRequest): void {
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: this.#closed ? 'close' : 'keep-alive',
      'x-accel-buffering': 'no',
    });
    response.write(`retry: 3000\n: riposte live updates (${LIVE_EVENT_TYPES.join(', ')})\n\n`);
    if (this.#closed || request.max === 0) {
      response.end();
      return;
    }
    const stream: Stream = {
      response,
      types: request.types,
      remaining: request.max ?? Infinity,
      stillAllowed: request.stillAllowed,
    };
    this.#streams.add(stream);
    response.on('close', () => this.#drop(stream));
    if (!this.#unsubscribe) this.#unsubscribe = this.#feed.subscribe((event) => this.#send(event));
    if (!this.#heartbeat) {
      this.#heartbeat = setInterval(() => void this.#beat(), this.#heartbeatMs);
      this.#heartbeat.unref();
    }
  }

  /** Ends every stream and refuses new ones (server shutdown). */
  closeAll(): void {
    this.#closed = true;
    for (const stream of [...this.#streams]) this.#end(stream);
  }

  #send(event: LiveEvent): void {
    let frame: string | undefined;
    for (const stream of this.#streams) {
      if (stream.types && !stream.types.has(event.type)) continue;
      if (stream.response.writableLength > this.#maxQueuedBytes) {
        this.#end(stream);
        continue;
      }
      if (frame === undefined) {
        const { type, ...body } = event;
        frame = `event: ${type}\ndata: ${JSON.stringify(body)}\n\n`;
      }
      stream.response.write(frame);
      if (--stream.remaining <= 0) this.#end(stream);
    }
  }

  async #beat(): Promise<void> {
    for (const stream of [...this.#streams]) {
      let allowed = false;
      try {
        allowed = await stream.stillAllowed();
      } catch {
        // The check could not run (database busy, shutting down): keep the stream until the next beat.
        allowed = true;
      }
      if (!allowed) this.#end(stream);
      else if (this.#streams.has(stream)) stream.response.write(': heartbeat\n\n');
    }
  }

  #end(stream: Stream): void {
    this.#drop(stream);
    stream.response.end();
  }

  #drop(stream: Stream): void {
    if (!this.#streams.delete(stream) || this.#streams.size > 0) return;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
  }
}

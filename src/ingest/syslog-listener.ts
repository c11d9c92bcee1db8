import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import type { Actor } from '../audit/audit-log.ts';
import type { SyslogListenerConfig } from '../config.ts';
import { RiposteError } from '../core/riposte-error.ts';
import { storageTrouble } from '../store/storage-errors.ts';
import type { Source, SourceService } from '../sources/source-service.ts';
import type { IngestService } from './ingest-service.ts';
import { parseSyslog, SyslogFramer, SYSLOG_MAX_MESSAGE } from './syslog-frame.ts';

/** Formats whose records are text lines that may keep their syslog header (their normalizers skip it). */
const LINE_FORMATS: ReadonlySet<string> = new Set(['cef', 'leef']);
/** A format a syslog message cannot carry. */
const NOT_OVER_SYSLOG: ReadonlySet<string> = new Set(['email']);
/** A batch is committed when it holds this many messages, or this long after its first. */
const BATCH_MESSAGES = 1000;
const BATCH_MS = 50;
/** Messages waiting beyond this: TCP senders are paused, UDP datagrams dropped (and counted). */
const MAX_PENDING = 20_000;
/** How long a TCP sender has to close its side at shutdown. */
const CLOSE_GRACE_MS = 2_000;
/** The longest wait before trying a database that could not take a batch again. */
const MAX_HOLD_MS = 5_000;

export interface SyslogStats {
  received: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  dropped: number;
  /** Times a batch was held back because the database could not take it (and tried again later). */
  held: number;
}

/**
 * One syslog listener (UDP or TCP) feeding one source. Messages are gathered into batches — up to
 * 1,000, or 50 ms after the first — and each batch is ingested as one body through the same pipeline
 * as the HTTP API (normalized, deduplicated, grouped, committed durably, audited as the source).
 * CEF and LEEF lines are passed whole (their normalizers read past the syslog header, which stays in
 * the raw event); other formats get the message after the header, one JSON document per message.
 * Syslog has no acknowledgement: what is lost before a commit (UDP dropped under load, a crash with a
 * batch in memory) is lost, and the counters say how much was dropped. A batch the database cannot
 * take (full, read-only, out of reach) is held and tried again, with TCP senders paused meanwhile.
 */
export class SyslogListener {
  readonly #config: SyslogListenerConfig;
  readonly #ingest: IngestService;
  readonly #sources: SourceService;
  readonly #onError: (error: unknown, what: string) => void;
  readonly #actor: Actor;
  #udp: UdpSocket | undefined;
  #tcp: Server | undefined;
  readonly #connections = new Set<Socket>();
  #pending: string[] = [];
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #closed = false;
  /** Set while the database cannot take a batch: no flush before this time (ms). */
  #holdUntil = 0;
  readonly stats: SyslogStats = {
    received: 0,
    accepted: 0,
    duplicates: 0,
    rejected: 0,
    dropped: 0,
    held: 0,
  };

  constructor(
    config: SyslogListenerConfig,
    ingest: IngestService,
    sources: SourceService,
    onError: (error: unknown, what: string) => void,
  ) {
    this.#config = config;
    this.#ingest = ingest;
    this.#sources = sources;
    this.#onError = onError;
    this.#actor = { id: `syslog:${config.source}`, type: 'source' };
  }

  get config(): SyslogListenerConfig {
    return this.#config;
  }

  /** Binds the port; fails if the source is missing or cannot come over syslog. Returns the address. */
  async start(): Promise<{ host: string; port: number }> {
    const source = await this.#sources.get(this.#config.source).catch(() => {
      throw new RiposteError(
        'validation_failed',
        `RIPOSTE_SYSLOG names the source "${this.#config.source}", which does not exist: create it first (riposte source create --name ${this.#config.source} --format cef)`,
        { path: 'RIPOSTE_SYSLOG' },
      );
    });
    if (NOT_OVER_SYSLOG.has(source.format))
      throw new RiposteError(
        'validation_failed',
        `source "${source.name}" reads ${source.format}, which syslog does not carry`,
        { path: 'RIPOSTE_SYSLOG' },
      );
    const { host, port } = this.#config;
    if (this.#config.protocol === 'udp') {
      const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
      this.#udp = socket;
      socket.on('message', (datagram) => this.#receive([datagram.toString('utf8').replace(/\r?\n$/, '')]));
      socket.on('error', (error) => this.#onError(error, `syslog listener udp://${host}:${port}`));
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(port, host, () => {
          socket.off('error', reject);
          resolve();
        });
      });
      const bound = socket.address();
      return { host: bound.address, port: bound.port };
    }
    const server = createServer((connection) => this.#connect(connection));
    this.#tcp = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const bound = server.address();
    return typeof bound === 'object' && bound ? { host: bound.address, port: bound.port } : { host, port };
  }

  #connect(connection: Socket): void {
    this.#connections.add(connection);
    if (this.#holdUntil > 0) connection.pause();
    const framer = new SyslogFramer();
    connection.on('data', (chunk: Buffer) => {
      const messages = framer.push(chunk);
      this.stats.dropped += framer.dropped;
      framer.dropped = 0;
      this.#receive(messages, connection);
    });
    connection.on('end', () => this.#receive(framer.end()));
    connection.on('error', () => connection.destroy());
    connection.on('close', () => this.#connections.delete(connection));
  }

  #receive(messages: string[], from?: Socket): void {
    for (const message of messages) {
      if (message.trim() === '') continue;
      this.stats.received++;
      if (message.length > SYSLOG_MAX_MESSAGE || (this.#pending.length >= MAX_PENDING && !from)) {
        this.stats.dropped++;
        continue;
      }
      this.#pending.push(message);
    }
    // A TCP sender waits while the backlog drains (UDP cannot be told to).
    if (from && this.#pending.length >= MAX_PENDING) from.pause();
    if (this.#pending.length >= BATCH_MESSAGES) this.#flushSoon(0);
    else if (this.#pending.length > 0) this.#flushSoon(BATCH_MS);
  }

  #flushSoon(delay: number): void {
    // While a batch is held, nothing is flushed before the database is tried again.
    const wait = Math.max(delay, this.#holdUntil - Date.now());
    if (this.#timer && wait > 0) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#flushing = this.#flushing.then(() => this.#flush());
    }, wait);
  }

  async #flush(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0, BATCH_MESSAGES);
      try {
        const source = await this.#sources.get(this.#config.source);
        const result = await this.#ingest.ingest(
          source,
          this.#body(source, batch),
          'text/plain',
          this.#actor,
        );
        this.stats.accepted += result.accepted;
        this.stats.duplicates += result.duplicates;
        this.stats.rejected += result.rejected.length;
        this.#holdUntil = 0;
      } catch (error) {
        const trouble = this.#closed ? undefined : storageTrouble(error);
        if (trouble) {
          // The database cannot take it now (full, out of reach): the batch goes back to the front,
          // TCP senders wait (their own queues hold what they send meanwhile), and it is tried again.
          this.#pending.unshift(...batch);
          if (this.#holdUntil === 0)
            this.#onError(
              error,
              `syslog for ${this.#config.source}: the database ${trouble.what}; holding the messages and trying again`,
            );
          this.stats.held++;
          this.#holdUntil = Date.now() + Math.min(trouble.retryAfterSeconds * 1000, MAX_HOLD_MS);
          for (const c of this.#connections) c.pause();
          // A flush messages set going during this one would come before the hold is over.
          clearTimeout(this.#timer);
          this.#timer = undefined;
          this.#flushSoon(0);
          return;
        }
        if (error instanceof RiposteError && error.code === 'no_valid_records')
          this.stats.rejected += batch.length;
        else
          this.#onError(error, `ingesting ${batch.length} syslog messages as ${this.#config.source} failed`);
      }
      if (this.#pending.length < MAX_PENDING / 2) for (const c of this.#connections) c.resume();
    }
  }

  /** The batch as one body the source's format splits: its lines, or one JSON document per line. */
  #body(source: Source, batch: string[]): string {
    if (LINE_FORMATS.has(source.format)) return batch.map((m) => m.replace(/[\r\n]+/g, ' ')).join('\n');
    return batch
      .map((m) => {
        const message = parseSyslog(m).message;
        try {
          return JSON.stringify(JSON.parse(message));
        } catch {
          // Not JSON: left as it is, on one line, to be rejected with the reason.
          return message.replace(/[\r\n]+/g, ' ');
        }
      })
      .join('\n');
  }

  /** Stops listening, then commits what is still pending. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#udp) await new Promise<void>((resolve) => this.#udp!.close(() => resolve()));
    if (this.#tcp) {
      const closed = new Promise<void>((resolve) => this.#tcp!.close(() => resolve()));
      // Each sender is told to finish; one that keeps its side open does not hold the shutdown.
      for (const c of this.#connections) {
        c.end();
        setTimeout(() => c.destroy(), CLOSE_GRACE_MS).unref();
      }
      await closed;
    }
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#flushing = this.#flushing.then(() => this.#flush());
    await this.#flushing;
  }
}

import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { createSecureContext, createServer as createTlsServer, type TlsOptions } from 'node:tls';
import path from 'node:path';
import type { Actor } from '../audit/audit-log.ts';
import type { Config, SyslogListenerConfig, SyslogTlsFiles } from '../config.ts';
import { RiposteError } from '../core/riposte-error.ts';
import { storageTrouble } from '../store/storage-errors.ts';
import { limitWait } from './source-alert-limit.ts';
import type { Source, SourceService } from '../sources/source-service.ts';
import type { IngestResult, IngestService } from './ingest-service.ts';
import { parseSyslog, SyslogFramer, SYSLOG_MAX_MESSAGE } from './syslog-frame.ts';
import { isBefore, spoolBacklogBytes, SyslogSpool, type SpoolPosition } from './syslog-spool.ts';
import { udpKernelDrops } from './udp-drops.ts';

/** Formats whose records are text lines that may keep their syslog header (their normalizers skip it). */
const LINE_FORMATS: ReadonlySet<string> = new Set(['cef', 'leef']);
/** A format a syslog message cannot carry. */
const NOT_OVER_SYSLOG: ReadonlySet<string> = new Set(['email']);
/** A batch is committed when it holds this many messages, or this long after its first. */
const BATCH_MESSAGES = 1000;
const BATCH_MS = 50;
/** Batches going at once: the next ones are prepared while one commits. */
const IN_FLIGHT = 3;
/**
 * Messages waiting in memory beyond this go to the spool only (read back as the backlog drains); with
 * no room there either, TCP senders are paused and UDP datagrams dropped (and counted).
 */
const MAX_PENDING = 20_000;
/** How often what the spool holds is flushed to the disk, ms. */
const SPOOL_SYNC_MS = 1_000;
/** The UDP receive buffer asked for, bytes. */
const UDP_RECEIVE_BUFFER = 8 * 1024 * 1024;
/** How long a TCP sender has to close its side at shutdown. */
const CLOSE_GRACE_MS = 2_000;
/** The longest wait before trying a database that could not take a batch again. */
const MAX_HOLD_MS = 5_000;
/** The longest a batch over its source's alert limit waits before it is tried again. */
const MAX_LIMIT_HOLD_MS = 60_000;

export interface SyslogStats {
  received: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  dropped: number;
  /**
   * Times a batch was held back because the database could not take it, or the source was over its
   * alert limit (and tried again later).
   */
  held: number;
  /** Messages an earlier process had read and not committed, read back from the spool. */
  replayed: number;
  /** Bytes the spool holds on disk (0 without one). */
  spoolBytes: number;
  /** TLS connections refused at the handshake (no or an untrusted certificate, not TLS at all). */
  tlsRefused: number;
  /** UDP datagrams the kernel dropped before the listener could read them (Linux; its buffer was full). */
  kernelDropped: number;
}

/** Where a listener keeps its backlog on disk, and how much it may hold. */
export interface SpoolSettings {
  dir: string;
  maxBytes: number;
}

export interface SyslogListenerOptions {
  /** Unset: the backlog is kept in memory only. */
  spool?: SpoolSettings;
  /** The certificate a `tls://` listener serves (required for one). */
  tls?: SyslogTlsFiles;
}

/** A listener's spool: `<data dir>/syslog-spool/<protocol>-<host>-<port>-<source>`, unsafe characters as "_". */
export function syslogSpoolDir(dataDir: string, listener: SyslogListenerConfig): string {
  const name = `${listener.protocol}-${listener.host}-${listener.port}-${listener.source}`;
  return path.join(dataDir, 'syslog-spool', name.replace(/[^A-Za-z0-9._-]/g, '_'));
}

/**
 * Spools in the data directory that no configured listener uses and that still hold messages (a
 * listener whose address or source changed, or was removed, after a crash or a stop while the
 * database was away): `riposte serve` names them, since nothing else will ingest them.
 */
export function leftoverSyslogSpools({
  dataDir,
  syslogListeners,
  syslogSpoolMaxBytes,
}: Pick<Config, 'dataDir' | 'syslogListeners' | 'syslogSpoolMaxBytes'>): { dir: string; bytes: number }[] {
  const root = path.join(dataDir, 'syslog-spool');
  if (!existsSync(root)) return [];
  // With the spool turned off, no listener takes up any spool.
  const listeners = syslogSpoolMaxBytes > 0 ? syslogListeners : [];
  const used = new Set(listeners.map((l) => syslogSpoolDir(dataDir, l)));
  return readdirSync(root)
    .map((name) => path.join(root, name))
    .filter((dir) => !used.has(dir))
    .map((dir) => ({ dir, bytes: spoolBacklogBytes(dir) }))
    .filter((spool) => spool.bytes > 0);
}

/** A message waiting to be ingested, with where it ends in the spool (none when it is in memory only). */
interface Pending {
  text: string;
  end: SpoolPosition | undefined;
  /** Set once the database refused its batch: it is tried again, and the spool waits for it. */
  refused?: true;
}

/**
 * One syslog listener (UDP, TCP, or TLS per RFC 5425) feeding one source. Messages are gathered into
 * batches — up to 1,000, or 50 ms after the first — and each batch is ingested as one body through the
 * same pipeline as the HTTP API (normalized, deduplicated, grouped, committed durably, audited as the
 * source), up to three batches at once and in order.
 * CEF and LEEF lines are passed whole (their normalizers read past the syslog header, which stays in
 * the raw event); other formats get the message after the header, one JSON document per message.
 * Syslog has no acknowledgement, so every message read is first appended to the listener's spool on
 * disk (src/ingest/syslog-spool.ts): a crash, or a stop while the database cannot take a write, leaves
 * the uncommitted ones there and the next start ingests them (one that had committed just before the
 * crash comes again as a duplicate and is counted, not stored twice). A batch the database cannot take
 * (full, read-only, out of reach), or one past the source's alert limit, is held and tried again;
 * meanwhile the backlog grows on disk, up to the spool's limit, and only past it are TCP senders paused
 * and UDP datagrams dropped (and counted).
 */
export class SyslogListener {
  readonly #config: SyslogListenerConfig;
  readonly #ingest: IngestService;
  readonly #sources: SourceService;
  readonly #onError: (error: unknown, what: string) => void;
  readonly #actor: Actor;
  #udp: UdpSocket | undefined;
  #udpBound: { port: number; ipv6: boolean } | undefined;
  #tcp: Server | undefined;
  readonly #connections = new Set<Socket>();
  #pending: Pending[] = [];
  readonly #spoolSettings: SpoolSettings | undefined;
  readonly #tlsFiles: SyslogTlsFiles | undefined;
  #spool: SyslogSpool | undefined;
  /** Spooled messages the database refused and that have not committed since. */
  #refusedLeft = 0;
  /** The furthest a batch done while some were refused reached in the spool. */
  #doneAhead: SpoolPosition | undefined;
  /** Set while messages are on disk only: where the first of them starts. */
  #spilledFrom: SpoolPosition | undefined;
  #syncTimer: NodeJS.Timeout | undefined;
  /** When the spool last failed a write (logged once a minute). */
  #spoolFailedAt = 0;
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  /** Resolves once the last batch submitted has been handed to the writer (batches keep their order). */
  #writerTurn: Promise<void> = Promise.resolve();
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
    replayed: 0,
    spoolBytes: 0,
    tlsRefused: 0,
    kernelDropped: 0,
  };

  constructor(
    config: SyslogListenerConfig,
    ingest: IngestService,
    sources: SourceService,
    onError: (error: unknown, what: string) => void,
    options: SyslogListenerOptions = {},
  ) {
    this.#spoolSettings = options.spool;
    this.#tlsFiles = options.tls;
    this.#config = config;
    this.#ingest = ingest;
    this.#sources = sources;
    this.#onError = onError;
    this.#actor = { id: `syslog:${config.source}`, type: 'source' };
  }

  get config(): SyslogListenerConfig {
    return this.#config;
  }

  /** The counts so far, with the kernel's drops for a UDP listener read now. */
  readStats(): SyslogStats {
    if (this.#udpBound)
      this.stats.kernelDropped =
        udpKernelDrops(this.#udpBound.port, this.#udpBound.ipv6) ?? this.stats.kernelDropped;
    return { ...this.stats };
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
    const tls = this.#config.protocol === 'tls' ? this.#tlsOptions() : undefined;
    if (this.#spoolSettings) this.#openSpool(this.#spoolSettings);
    try {
      return await this.#bind(tls);
    } catch (error) {
      // The port is taken (or cannot be had): nothing was received, so the spool is closed as it is.
      clearInterval(this.#syncTimer);
      clearTimeout(this.#timer);
      this.#spool?.close();
      throw error;
    }
  }

  async #bind(tls: TlsOptions | undefined): Promise<{ host: string; port: number }> {
    const { host, port } = this.#config;
    if (this.#config.protocol === 'udp') {
      // A large receive buffer rides out a burst while the main thread is busy (the kernel grants
      // at most net.core.rmem_max); what overflows it anyway is counted from /proc (kernelDropped).
      const socket = createSocket({
        type: host.includes(':') ? 'udp6' : 'udp4',
        recvBufferSize: UDP_RECEIVE_BUFFER,
      });
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
      this.#udpBound = { port: bound.port, ipv6: bound.family === 'IPv6' };
      return { host: bound.address, port: bound.port };
    }
    const server = tls ? createTlsServer(tls) : createServer((connection) => this.#connect(connection));
    if (tls) {
      server.on('secureConnection', (connection: Socket) => this.#connect(connection));
      // A sender whose handshake fails (no certificate, an untrusted one, plain TCP) is counted.
      server.on('tlsClientError', (_error: Error, socket: Socket) => {
        this.stats.tlsRefused++;
        socket.destroy();
      });
    }
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

  /** The TLS server's settings, from the PEM files; a file that cannot be read is named. */
  #tlsOptions(): TlsOptions {
    const files = this.#tlsFiles;
    if (!files)
      throw new RiposteError(
        'validation_failed',
        `the tls:// syslog listener for "${this.#config.source}" needs RIPOSTE_SYSLOG_TLS_CERT and RIPOSTE_SYSLOG_TLS_KEY`,
        { path: 'RIPOSTE_SYSLOG_TLS_CERT' },
      );
    const read = (file: string, variable: string) => {
      try {
        return readFileSync(file);
      } catch (error) {
        throw new RiposteError(
          'validation_failed',
          `${variable} names ${file}, which cannot be read (${(error as Error).message})`,
          { path: variable },
        );
      }
    };
    const options: TlsOptions = {
      cert: read(files.certFile, 'RIPOSTE_SYSLOG_TLS_CERT'),
      key: read(files.keyFile, 'RIPOSTE_SYSLOG_TLS_KEY'),
      minVersion: 'TLSv1.2',
      // RFC 5425 senders may present a certificate; with a CA set, they must, and it must chain to it.
      ...(files.caFile
        ? { ca: read(files.caFile, 'RIPOSTE_SYSLOG_TLS_CA'), requestCert: true, rejectUnauthorized: true }
        : {}),
    };
    try {
      // Parsed now, so a certificate and key that do not match stop the start, not the first sender.
      createSecureContext(options);
    } catch (error) {
      throw new RiposteError(
        'validation_failed',
        `RIPOSTE_SYSLOG_TLS_CERT and RIPOSTE_SYSLOG_TLS_KEY (${files.certFile}, ${files.keyFile}) are not a usable certificate and key: ${(error as Error).message}`,
        { path: 'RIPOSTE_SYSLOG_TLS_CERT' },
      );
    }
    return options;
  }

  /** Opens the spool and takes up what an earlier process left in it. */
  #openSpool({ dir, maxBytes }: SpoolSettings): void {
    let spool: SyslogSpool;
    try {
      spool = SyslogSpool.open(dir, maxBytes);
    } catch (error) {
      throw new RiposteError(
        'validation_failed',
        `the syslog listener for "${this.#config.source}" cannot keep its spool in ${dir} (${(error as Error).message}): make the data directory writable, or set RIPOSTE_SYSLOG_SPOOL_MB=0 to keep the backlog in memory only`,
        { path: 'RIPOSTE_SYSLOG_SPOOL_MB' },
      );
    }
    this.#spool = spool;
    this.stats.spoolBytes = spool.bytes;
    // Whatever lies between the committed position and this process's own segment is taken up.
    this.#spilledFrom = spool.committed;
    this.#refill();
    if (this.#pending.length > 0) this.#flushSoon(0);
    this.#syncTimer = setInterval(() => this.#syncSpool(), SPOOL_SYNC_MS).unref();
  }

  #syncSpool(): void {
    try {
      this.#spool?.sync();
    } catch (error) {
      this.#spoolFailed(error);
    }
  }

  #spoolFailed(error: unknown): void {
    if (Date.now() - this.#spoolFailedAt < 60_000) return;
    this.#spoolFailedAt = Date.now();
    this.#onError(
      error,
      `syslog for ${this.#config.source}: the spool in ${this.#spool?.dir} cannot be written; the backlog is kept in memory only`,
    );
  }

  /** Moves messages from the spool into memory, up to the memory's limit, in the order they came. */
  #refill(): void {
    const spool = this.#spool;
    if (!spool || !this.#spilledFrom) return;
    const room = MAX_PENDING - this.#pending.length;
    if (room <= 0) return;
    const { messages, next, skipped } = spool.read(this.#spilledFrom, room);
    this.stats.dropped += skipped;
    for (const m of messages) {
      if (isBefore(m.end, spool.startedAt)) this.stats.replayed++;
      this.#pending.push({ text: m.text, end: m.end });
    }
    this.#spilledFrom = isBefore(next, spool.end) ? next : undefined;
  }

  /** Appends to the spool; the messages' end positions, or undefined when it has no room or failed. */
  #spoolAppend(messages: string[]): SpoolPosition[] | undefined {
    if (!this.#spool) return undefined;
    try {
      const ends = this.#spool.append(messages);
      this.stats.spoolBytes = this.#spool.bytes;
      return ends;
    } catch (error) {
      this.#spoolFailed(error);
      return undefined;
    }
  }

  #connect(connection: Socket): void {
    this.#connections.add(connection);
    // Without a spool, a sender waits while a batch is held (with one, the backlog goes to disk).
    if (this.#holdUntil > 0 && !this.#spool) connection.pause();
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
    const kept: string[] = [];
    for (const message of messages) {
      if (message.trim() === '') continue;
      this.stats.received++;
      if (message.length > SYSLOG_MAX_MESSAGE) this.stats.dropped++;
      else kept.push(message);
    }
    if (kept.length === 0) return;
    const start = this.#spool?.end;
    const ends = this.#spoolAppend(kept);
    if (ends && (this.#spilledFrom || this.#pending.length >= MAX_PENDING)) {
      // On disk only, read back in order as the backlog drains.
      this.#spilledFrom ??= start;
    } else {
      for (const [i, text] of kept.entries()) {
        if (this.#pending.length >= MAX_PENDING && !from) {
          this.stats.dropped++;
          continue;
        }
        this.#pending.push({ text, end: ends?.[i] });
      }
      // With no room on disk, a TCP sender waits while the backlog drains (UDP cannot be told to).
      if (from && !ends && this.#pending.length >= MAX_PENDING) from.pause();
    }
    if (this.#pending.length >= BATCH_MESSAGES || this.#spilledFrom) this.#flushSoon(0);
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

  /**
   * Ingests what is waiting, batch by batch, with up to IN_FLIGHT batches going at once: the next ones
   * are prepared (on an ingest thread) while one commits, and they reach the writer in order. Batches
   * the database cannot take go back to the front of the backlog, in order, and are tried again after
   * the hold; the spool's committed position only moves past batches that committed in order.
   */
  async #flush(): Promise<void> {
    const flight: { batch: Pending[]; done: Promise<IngestResult> }[] = [];
    let putBack: Pending[] | undefined;
    let refused: { error: unknown; hold: Hold } | undefined;
    for (;;) {
      while (!putBack && flight.length < IN_FLIGHT) {
        if (this.#pending.length < BATCH_MESSAGES) this.#refill();
        if (this.#pending.length === 0) break;
        const batch = this.#pending.splice(0, BATCH_MESSAGES);
        flight.push({ batch, done: this.#submit(batch) });
      }
      const next = flight.shift();
      if (!next) break;
      const { batch, done } = next;
      try {
        const result = await done;
        this.stats.accepted += result.accepted;
        this.stats.duplicates += result.duplicates;
        this.stats.rejected += result.rejected.length;
        this.#holdUntil = 0;
      } catch (error) {
        const hold = holdFor(error);
        // Stopping without a spool, a batch the database refuses is lost like any other failure.
        if (hold && !(this.#closed && !this.#spool)) {
          for (const p of batch)
            if (!p.refused && p.end) {
              p.refused = true;
              this.#refusedLeft++;
            }
          (putBack ??= []).push(...batch);
          refused ??= { error, hold };
          continue;
        }
        if (error instanceof RiposteError && error.code === 'no_valid_records')
          this.stats.rejected += batch.length;
        else
          this.#onError(error, `ingesting ${batch.length} syslog messages as ${this.#config.source} failed`);
      }
      this.#committed(batch);
      if (this.#pending.length < MAX_PENDING / 2) for (const c of this.#connections) c.resume();
    }
    if (putBack && refused) this.#hold(putBack, refused.error, refused.hold);
  }

  /** Prepares the batch and commits it after the batch before it was handed to the writer. */
  #submit(batch: Pending[]): Promise<IngestResult> {
    const turn = this.#writerTurn;
    let handedOver = (): void => undefined;
    this.#writerTurn = new Promise<void>((resolve) => (handedOver = resolve));
    const done = (async () => {
      try {
        const source = await this.#sources.get(this.#config.source);
        const prepared = await this.#ingest.prepare(
          source,
          this.#body(
            source,
            batch.map((p) => p.text),
          ),
          'text/plain',
        );
        await turn;
        // `commit` hands the batch to the writer before its first await: the next batch may follow.
        const committed = this.#ingest.commit(source, prepared, this.#actor);
        handedOver();
        return await committed;
      } finally {
        handedOver();
      }
    })();
    // Awaited in order by #flush; marked handled so an earlier failure leaves no stray rejection.
    done.catch(() => undefined);
    return done;
  }

  /**
   * The database could not take these batches, or the source was over its limit: stopping, they stay
   * in the spool; else they wait.
   */
  #hold(batches: Pending[], error: unknown, hold: Hold): void {
    if (this.#closed) {
      // Stopping: what is not committed stays in the spool, and the next start takes it up.
      this.#onError(
        error,
        `syslog for ${this.#config.source}: ${hold.why}; the messages not committed stay in the spool for the next start`,
      );
      this.#pending = [];
      this.#spilledFrom = undefined;
      return;
    }
    // The database cannot take them now (full, out of reach): back to the front, in order, to be tried
    // again. New messages wait on disk; without a spool, TCP senders wait (their own queues hold what
    // they send meanwhile).
    this.#pending.unshift(...batches);
    if (this.#holdUntil === 0)
      this.#onError(
        error,
        `syslog for ${this.#config.source}: ${hold.why}; holding the messages and trying again`,
      );
    this.stats.held++;
    this.#holdUntil = Date.now() + hold.waitMs;
    if (!this.#spool) for (const c of this.#connections) c.pause();
    // A flush messages set going during this one would come before the hold is over.
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#flushSoon(0);
  }

  /**
   * The batch is done with (committed, or refused for good): the spool may forget it — unless a batch
   * before it was refused by the database and has not committed since. Batches done meanwhile are
   * remembered, and the spool forgets them with the last refused one.
   */
  #committed(batch: Pending[]): void {
    if (!this.#spool) return;
    let end: SpoolPosition | undefined;
    for (const p of batch) {
      if (!p.end) continue;
      end = p.end;
      if (p.refused) this.#refusedLeft--;
    }
    if (!end) return;
    if (this.#doneAhead && isBefore(end, this.#doneAhead)) end = this.#doneAhead;
    if (this.#refusedLeft > 0) {
      this.#doneAhead = end;
      return;
    }
    this.#doneAhead = undefined;
    try {
      this.#spool.commit(end);
    } catch (error) {
      this.#spoolFailed(error);
    }
    this.stats.spoolBytes = this.#spool.bytes;
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
    clearInterval(this.#syncTimer);
    try {
      this.#spool?.close();
    } catch (error) {
      this.#spoolFailed(error);
    }
  }
}

/** Why a batch waits, and how long before it is tried again. */
interface Hold {
  why: string;
  waitMs: number;
}

/**
 * A batch that failed for a reason time can take away: the database could not take it (full,
 * read-only, out of reach), or the source had sent its alert limit. Any other failure is for good.
 */
function holdFor(error: unknown): Hold | undefined {
  const trouble = storageTrouble(error);
  if (trouble)
    return {
      why: `the database ${trouble.what}`,
      waitMs: Math.min(trouble.retryAfterSeconds * 1000, MAX_HOLD_MS),
    };
  // The limit's wait is exact; past a minute it is asked again, in case the limit was raised.
  const wait = limitWait(error);
  return wait === undefined
    ? undefined
    : { why: 'the source is over its alert limit', waitMs: Math.min(wait * 1000, MAX_LIMIT_HOLD_MS) };
}

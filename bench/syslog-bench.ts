import { connect } from 'node:net';
import { parseArgs } from 'node:util';
import type { Io } from '../src/cli/cli-context.ts';
import type { Riposte } from '../src/riposte.ts';
import { createScratchDatabase } from '../src/store/scratch-database.ts';
import { benchDatabaseUrl, openOnScratch, wholeNumberOption } from './options.ts';

const ACTOR = { id: 'bench', type: 'system' as const };
const SPOOL_BYTES = 1024 * 1024 * 1024;
/** Lines per write to the listener's socket. */
const CHUNK = 1000;

/** The n-th distinct firewall event, as a PAN-OS forwarder sends it over syslog (RFC 3164 + CEF). */
export function cefMessage(n: number): string {
  const a = `${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
  return `<134>Dec  3 10:00:00 fw01 CEF:0|Palo Alto Networks|PAN-OS|11.1|${100_000 + n}|Threat ${n}|8|src=10.${a} dst=172.16.${(n >> 8) & 255}.${n & 255} dpt=443 act=deny rt=Dec 03 2026 10:00:00`;
}

/**
 * `riposte bench syslog [--messages 50000] [--database-url postgres://…]` — distinct CEF messages
 * over one TCP connection to a syslog listener, as fast as the listener reads them, with the spool
 * (the default) and with the backlog in memory only (RIPOSTE_SYSLOG_SPOOL_MB=0), each on a fresh
 * database after an unreported warm-up phase: messages a second from the first byte sent to the last
 * alert committed. JSON on stdout.
 */
export async function runSyslogBench(
  args: string[],
  io: Io,
): Promise<{ valid: boolean } & Record<string, unknown>> {
  const { values } = parseArgs({
    args,
    options: {
      messages: { type: 'string' },
      'database-url': { type: 'string' },
    },
  });
  const messages = wholeNumberOption('messages', values.messages, 50_000, CHUNK);
  const databaseUrl = benchDatabaseUrl(values['database-url']);
  const chunks: Buffer[] = [];
  for (let start = 0; start < messages; start += CHUNK)
    chunks.push(
      Buffer.from(
        Array.from(
          { length: Math.min(CHUNK, messages - start) },
          (_, i) => `${cefMessage(start + i)}\n`,
        ).join(''),
      ),
    );
  const phases: Record<string, Phase> = {};
  // The first phase warms the process up (the JIT, the ingest threads) and is not reported.
  for (const [name, spoolBytes] of [
    ['warmUp', 0],
    ['spool', SPOOL_BYTES],
    ['memoryOnly', 0],
  ] as const) {
    io.stderr(`bench syslog: ${messages} messages over TCP, ${name}\n`);
    const target = await createScratchDatabase(databaseUrl, 'bench-syslog');
    let riposte: Riposte | undefined;
    try {
      riposte = await openOnScratch(target, {
        builtinPlaybooks: false,
        syslogListeners: [{ protocol: 'tcp', host: '127.0.0.1', port: 0, source: 'fw' }],
        syslogSpoolMaxBytes: spoolBytes,
      });
      await riposte.sources.create({ name: 'fw', format: 'cef' }, ACTOR);
      const [listener] = await riposte.startSyslog();
      phases[name] = await sendAndWait(riposte, listener!.port, chunks, messages);
    } finally {
      await riposte?.close();
      await target.drop();
    }
  }
  // A run in which a message was rejected or dropped did not measure what it says.
  const valid = Object.values(phases).every((p) => p.accepted === messages);
  delete phases.warmUp;
  return { scenario: 'syslog', messages, database: databaseUrl ? 'postgres' : 'sqlite', valid, ...phases };
}

interface Phase {
  messagesPerSecond: number;
  seconds: number;
  /** When the last byte was in the kernel's hands: how long the sender was kept waiting. */
  sendSeconds: number;
  accepted: number;
  rejected: number;
  dropped: number;
  peakSpoolBytes: number;
}

async function sendAndWait(
  riposte: Riposte,
  port: number,
  chunks: Buffer[],
  messages: number,
): Promise<Phase> {
  const stats = () => riposte.syslogStats()[0]!;
  let peakSpoolBytes = 0;
  const started = performance.now();
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let sentAt = 0;
  const sent = (async () => {
    for (const chunk of chunks)
      if (!socket.write(chunk)) await new Promise((resolve) => socket.once('drain', resolve));
    await new Promise<void>((resolve) => socket.end(resolve));
    sentAt = performance.now();
  })();
  for (;;) {
    const s = stats();
    peakSpoolBytes = Math.max(peakSpoolBytes, s.spoolBytes);
    if (s.accepted + s.duplicates + s.rejected + s.dropped >= messages) break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await sent;
  const seconds = (performance.now() - started) / 1000;
  const s = stats();
  return {
    messagesPerSecond: Math.round(messages / seconds),
    seconds: Math.round(seconds * 100) / 100,
    sendSeconds: Math.round(((sentAt - started) / 1000) * 100) / 100,
    accepted: s.accepted,
    rejected: s.rejected,
    dropped: s.dropped,
    peakSpoolBytes,
  };
}

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { SyslogListenerConfig } from '../config.ts';
import type { Source, SourceService } from '../sources/source-service.ts';
import type { IngestResult, IngestService } from './ingest-service.ts';
import type { PreparedBody } from './prepare-body.ts';
import { until } from '../../test/support/until.ts';
import { leftoverSyslogSpools, SyslogListener, syslogSpoolDir } from './syslog-listener.ts';
import { SyslogSpool } from './syslog-spool.ts';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const CONFIG: SyslogListenerConfig = { protocol: 'tcp', host: '127.0.0.1', port: 0, source: 'fw' };
const SOURCES = {
  get: async () => ({ name: 'fw', format: 'cef', options: {} }) as unknown as Source,
} as unknown as SourceService;

/**
 * The ingest pipeline's two halves as the listener calls them, without a database: `prepare` takes a
 * while (the first batches longest, so later ones are ready first), `commit` records each batch's
 * lines in the order the writer gets them, and refuses as many commits as `refuse` says with a busy
 * database's error.
 */
class FakeIngest {
  readonly written: string[][] = [];
  refuse = 0;
  #prepared = 0;

  async prepare(_source: Source, body: string): Promise<PreparedBody> {
    const n = this.#prepared++;
    await new Promise((r) => setTimeout(r, Math.max(0, 60 - n * 20)));
    const lines = body.split('\n');
    return { records: lines.length, alerts: lines as never, rejected: [] };
  }

  async commit(_source: Source, prepared: PreparedBody): Promise<IngestResult> {
    if (this.refuse > 0) {
      this.refuse--;
      throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
    }
    const lines = prepared.alerts as unknown as string[];
    this.written.push(lines);
    return { accepted: lines.length, duplicates: 0, rejected: [], alertIds: [] };
  }
}

async function started(
  ingest: FakeIngest,
  spoolDir: string,
): Promise<{ listener: SyslogListener; port: number }> {
  const listener = new SyslogListener(CONFIG, ingest as unknown as IngestService, SOURCES, () => undefined, {
    spool: { dir: spoolDir, maxBytes: 64 * 1024 * 1024 },
  });
  const { port } = await listener.start();
  return { listener, port };
}

async function send(port: number, lines: string[]): Promise<void> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  await new Promise<void>((resolve) => socket.end(lines.map((l) => `${l}\n`).join(''), () => resolve()));
}

const lines = (n: number) => Array.from({ length: n }, (_, i) => `CEF:0|v|p|1|${i}|message ${i}|5|`);
const scratch = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'riposte-syslog-'));
  dirs.push(dir);
  return dir;
};

describe('syslog listener: batches in flight', () => {
  it('prepares several batches at once and hands them to the writer in the order they came', async () => {
    const ingest = new FakeIngest();
    const { listener, port } = await started(ingest, scratch());
    try {
      const sent = lines(3500);
      await send(port, sent);
      await until('every message was written', () => listener.stats.accepted === 3500);
      // The first batch was prepared last, and still written first.
      assert.deepEqual(ingest.written.flat(), sent);
      assert.ok(ingest.written.length >= 4, `${ingest.written.length} batches`);
    } finally {
      await listener.close();
    }
  });

  it('a batch the database refused goes back in front, and the spool keeps every batch after it until it commits', async () => {
    const dir = scratch();
    const ingest = new FakeIngest();
    ingest.refuse = 1;
    const { listener, port } = await started(ingest, dir);
    try {
      const sent = lines(3000);
      await send(port, sent);
      // The first batch is refused; the ones behind it, already on their way, commit.
      await until('a batch behind the refused one was written', () => ingest.written.length >= 1);
      assert.equal(listener.stats.held, 1);
      assert.ok(listener.stats.accepted < 3000);
      assert.notEqual(ingest.written[0]![0], sent[0], 'the first batch is not among those written');
      // A process that started now (after a crash) would read every message again: the spool's position
      // cannot pass the refused batch, so the ones that committed would come as duplicates.
      const crashed = new FakeIngest();
      crashed.refuse = Number.POSITIVE_INFINITY;
      const other = new SyslogListener(
        { ...CONFIG, source: 'fw' },
        crashed as unknown as IngestService,
        SOURCES,
        () => undefined,
        { spool: { dir, maxBytes: 64 * 1024 * 1024 } },
      );
      await other.start();
      assert.equal(other.stats.replayed, 3000);
      await other.close();
      // Tried again after the hold (1 s for a busy database): every message written once, the
      // refused batch after the ones that were behind it.
      await until('every message was written', () => listener.stats.accepted === 3000);
      assert.deepEqual(ingest.written.flat().sort(), [...sent].sort());
      assert.ok(
        ingest.written.slice(1).some((batch) => batch[0] === sent[0]),
        'the refused batch was written later',
      );
    } finally {
      await listener.close();
    }
    // Once it committed, the spool's position is past every message.
    const next = await started(new FakeIngest(), dir);
    try {
      assert.equal(next.listener.stats.replayed, 0);
    } finally {
      await next.listener.close();
    }
  });
});

const MB = 1024 * 1024;

describe('syslog spools no listener takes up', () => {
  it('are the ones outside the configuration that still hold messages', () => {
    const dataDir = scratch();
    const old = { protocol: 'tcp' as const, host: '0.0.0.0', port: 5514, source: 'fw' };
    const spool = SyslogSpool.open(syslogSpoolDir(dataDir, old), 1024 * 1024);
    const ends = spool.append(['<14>one', '<14>two'])!;
    spool.close();
    const moved = { ...old, port: 6514 };
    const [leftover] = leftoverSyslogSpools({ dataDir, syslogListeners: [moved], syslogSpoolMaxBytes: MB });
    assert.equal(leftover?.dir, syslogSpoolDir(dataDir, old));
    assert.ok(leftover.bytes > 10);
    assert.deepEqual(
      leftoverSyslogSpools({ dataDir, syslogListeners: [old], syslogSpoolMaxBytes: MB }),
      [],
      'configured: its listener takes it up',
    );
    // Once what it holds has committed, there is nothing to say about it.
    const reopened = SyslogSpool.open(syslogSpoolDir(dataDir, old), 1024 * 1024);
    reopened.commit(ends[1]!);
    reopened.close();
    assert.deepEqual(
      leftoverSyslogSpools({ dataDir, syslogListeners: [moved], syslogSpoolMaxBytes: MB }),
      [],
    );
    assert.deepEqual(
      leftoverSyslogSpools({ dataDir: scratch(), syslogListeners: [], syslogSpoolMaxBytes: MB }),
      [],
      'no spools at all',
    );
  });
});

/** A sender in another process: N datagrams of about 1 KB to the port, then its count on stdout and a flag file. */
const UDP_SENDER = `
const dgram = require('node:dgram');
const fs = require('node:fs');
const [port, total, flag] = process.argv.slice(1);
const socket = dgram.createSocket('udp4');
const line = (i) => 'CEF:0|v|p|1|' + i + '|burst ' + i + '|5|msg=' + 'x'.repeat(1000);
(async () => {
  let sent = 0;
  for (let i = 0; i < Number(total); i += 500) {
    const chunk = [];
    for (let j = i; j < Math.min(i + 500, Number(total)); j++)
      chunk.push(new Promise((resolve) => socket.send(line(j), Number(port), '127.0.0.1', (e) => resolve(!e))));
    sent += (await Promise.all(chunk)).filter(Boolean).length;
  }
  socket.close();
  fs.writeFileSync(flag, String(sent));
  process.stdout.write(String(sent));
})();
`;

describe(
  'syslog listener: UDP bursts',
  { skip: process.platform !== 'linux' && 'reads /proc/net/udp' },
  () => {
    it('counts the datagrams the kernel dropped while the listener could not read them', async () => {
      const ingest = new FakeIngest();
      const listener = new SyslogListener(
        { ...CONFIG, protocol: 'udp' },
        ingest as unknown as IngestService,
        SOURCES,
        () => undefined,
      );
      const { port } = await listener.start();
      try {
        const flag = path.join(scratch(), 'sent');
        const child = spawn(process.execPath, ['-e', UDP_SENDER, String(port), '60000', flag], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        // This thread is busy while the burst arrives: the socket's receive buffer overflows.
        const deadline = Date.now() + 30_000;
        while (!existsSync(flag) && Date.now() < deadline);
        await once(child, 'exit');
        const sent = Number(out);
        assert.ok(sent > 0, `the sender sent ${out}`);
        await until(
          'every datagram is read or counted as dropped',
          () => listener.readStats().received + listener.readStats().kernelDropped === sent,
        );
        const stats = listener.readStats();
        assert.ok(stats.kernelDropped > 0, `${stats.received} read, ${stats.kernelDropped} dropped`);
        assert.ok(stats.received > 0);
      } finally {
        await listener.close();
      }
    });
  },
);

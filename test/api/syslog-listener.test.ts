import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { loadConfig } from '../../src/config.ts';
import { openRiposte, type Riposte } from '../../src/riposte.ts';
import { buildServer } from '../../src/server/app.ts';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';
import { makePki, type Pki } from '../support/pki.ts';
import { until } from '../support/until.ts';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/test-databases.ts';

const ACTOR = { id: 't', type: 'system' as const };

/** A CEF line as a firewall sends it, with its own signature id. */
const cefLine = (id: number, name: string) =>
  `CEF:0|Palo Alto Networks|PAN-OS|11.1|${id}|${name}|8|src=10.80.0.${id % 250} dst=198.51.100.${id % 250} dpt=443 act=deny rt=Dec 02 2026 10:00:00`;

async function sendUdp(port: number, messages: string[]): Promise<void> {
  const socket = createSocket('udp4');
  for (const m of messages)
    await new Promise<void>((resolve, reject) =>
      socket.send(Buffer.from(m), port, '127.0.0.1', (error) => (error ? reject(error) : resolve())),
    );
  socket.close();
}

async function sendTcp(port: number, chunks: (string | Buffer)[]): Promise<void> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  for (const chunk of chunks) {
    socket.write(chunk);
    await new Promise((r) => setTimeout(r, 5));
  }
  await new Promise<void>((resolve) => socket.end(() => resolve()));
}

/**
 * Syslog into sources (RIPOSTE_SYSLOG): UDP datagrams and TCP streams, RFC 5424 and RFC 3164, octet
 * counting and lines, CEF kept whole and JSON taken from after the header — through the same durable
 * pipeline as the HTTP API (docs/ingest.md#from-syslog).
 */
for (const kind of databaseKinds()) {
  describe(`syslog listeners on ${kind}`, () => {
    let db: TestDatabase;
    let riposte: Riposte;
    let udpPort = 0;
    let tcpPort = 0;

    before(async () => {
      db = await createTestDatabase(kind);
      riposte = await openRiposte(
        loadConfig(
          { RIPOSTE_SYSLOG: 'udp://127.0.0.1:0/fw-syslog,tcp://127.0.0.1:0/ids-syslog' },
          { dataDir: db.dataDir, databaseUrl: db.url, logLevel: 'silent', builtinPlaybooks: false },
        ),
      );
      await riposte.sources.create({ name: 'fw-syslog', format: 'cef' }, ACTOR);
      await riposte.sources.create({ name: 'ids-syslog', format: 'suricata' }, ACTOR);
      const started = await riposte.startSyslog();
      assert.deepEqual(
        started.map((s) => [s.protocol, s.source]),
        [
          ['udp', 'fw-syslog'],
          ['tcp', 'ids-syslog'],
        ],
      );
      udpPort = started[0]!.port;
      tcpPort = started[1]!.port;
      assert.ok(udpPort > 0 && tcpPort > 0);
    });
    after(async () => {
      await riposte.close();
      await db.drop();
    });

    const alertsOf = async (source: string, expected: number) => {
      for (let i = 0; i < 200; i++) {
        const page = await riposte.alerts.list({ source, limit: '100' });
        if (page.items.length >= expected) return page.items;
        await new Promise((r) => setTimeout(r, 25));
      }
      return (await riposte.alerts.list({ source, limit: '100' })).items;
    };

    it('ingests CEF over UDP with its syslog header kept in the raw event, BSD and RFC 5424 alike', async () => {
      await sendUdp(udpPort, [
        `<134>Dec  2 10:00:00 pa-fw01 ${cefLine(9001, 'Threat: C2 beacon blocked')}`,
        `<134>1 2026-12-02T10:00:01Z pa-fw01 PAN-OS - - - ${cefLine(9002, 'Threat: port scan')}`,
        'garbage that is no CEF at all',
      ]);
      const alerts = await alertsOf('fw-syslog', 2);
      assert.deepEqual(alerts.map((a) => a.title).sort(), ['Threat: C2 beacon blocked', 'Threat: port scan']);
      const beacon = await riposte.alerts.get(
        alerts.find((a) => a.title === 'Threat: C2 beacon blocked')!.id,
      );
      assert.equal(beacon.source, 'fw-syslog');
      assert.equal(beacon.severity, 'high');
      assert.match(JSON.stringify(beacon.raw), /<134>Dec  2 10:00:00 pa-fw01 CEF:0/);
      assert.ok(beacon.observables.some((o) => o.type === 'ipv4' && o.value === '10.80.0.1'));
      // Audited as the source, like the HTTP API's requests.
      const audit = await riposte.database.db
        .selectFrom('audit_log')
        .select(['actor', 'details'])
        .where('action', '=', 'alerts.ingest')
        .where('actor', '=', 'syslog:fw-syslog')
        .execute();
      assert.ok(audit.length >= 1);
      assert.ok(
        audit.some((a) => JSON.parse(a.details).rejected === 1),
        'the garbage line rejected, counted',
      );
      const stats = riposte.syslogStats().find((l) => l.source === 'fw-syslog')!;
      assert.deepEqual(
        {
          received: stats.received,
          accepted: stats.accepted,
          rejected: stats.rejected,
          dropped: stats.dropped,
        },
        { received: 3, accepted: 2, rejected: 1, dropped: 0 },
      );
      const server = await buildServer(riposte, { logger: false });
      const metrics = await server.app.inject({ method: 'GET', url: '/metrics' });
      assert.match(
        metrics.body,
        /riposte_syslog_messages_total\{source="fw-syslog",protocol="udp",outcome="accepted"\} 2/,
      );
      assert.match(
        metrics.body,
        /riposte_syslog_messages_total\{source="fw-syslog",protocol="udp",outcome="rejected"\} 1/,
      );
      await server.app.close();
    });

    it('ingests Suricata EVE JSON over TCP: octet-counted and line-framed, split across writes', async () => {
      const eve = (sid: number) => JSON.stringify(eveAlert({ sid, signature: `ET TEST syslog ${sid}` }));
      const framed = `<14>1 2026-12-02T10:00:00Z ids01 suricata 812 - - ${eve(9101)}`;
      const bytes = Buffer.from(
        `${Buffer.byteLength(framed)} ${framed}<14>Dec  2 10:00:02 ids01 suricata[812]: ${eve(9102)}\n`,
      );
      // The stream cut at odd places, as TCP may deliver it.
      await sendTcp(tcpPort, [bytes.subarray(0, 17), bytes.subarray(17, 400), bytes.subarray(400)]);
      const alerts = await alertsOf('ids-syslog', 2);
      assert.deepEqual(alerts.map((a) => a.title).sort(), ['ET TEST syslog 9101', 'ET TEST syslog 9102']);
    });

    it('commits what it holds when it closes', async () => {
      const other = await createTestDatabase(kind);
      const second = await openRiposte(
        loadConfig(
          { RIPOSTE_SYSLOG: 'tcp://127.0.0.1:0/late' },
          { dataDir: other.dataDir, databaseUrl: other.url, logLevel: 'silent', builtinPlaybooks: false },
        ),
      );
      try {
        await second.sources.create({ name: 'late', format: 'cef' }, ACTOR);
        const [listener] = await second.startSyslog();
        await sendTcp(listener!.port, [`${cefLine(9201, 'Last words')}\n`]);
        await second.close();
        const reopened = await openRiposte(
          loadConfig(
            {},
            { dataDir: other.dataDir, databaseUrl: other.url, logLevel: 'silent', builtinPlaybooks: false },
          ),
        );
        try {
          assert.deepEqual(
            (await reopened.alerts.list({ source: 'late' })).items.map((a) => a.title),
            ['Last words'],
          );
        } finally {
          await reopened.close();
        }
      } finally {
        await other.drop();
      }
    });
  });
}

/** Fills the SQLite database until it refuses even one alert ("is full"); returns what makes room again. */
async function fillDatabase(riposte: Riposte): Promise<() => Promise<void>> {
  const store = riposte.database.db;
  const source = await riposte.sources.create({ name: 'filler', format: 'suricata' }, ACTOR);
  // The file may not grow: fill its free pages until the database refuses ("is full").
  const pages = (await sql<{ n: number }>`SELECT page_count AS n FROM pragma_page_count`.execute(store))
    .rows[0]!.n;
  await sql.raw(`PRAGMA max_page_count = ${pages}`).execute(store);
  // Large bodies first, then smaller ones, until not even one alert fits.
  let full = false;
  let n = 0;
  for (const size of [200, 20, 1]) {
    full = false;
    for (let round = 0; round < 200 && !full; round++) {
      const body = Array.from({ length: size }, () => {
        n++;
        return eveAlert({ sid: n, srcIp: `10.70.${(n >> 8) & 255}.${n & 255}` });
      });
      await riposte.ingest
        .ingest(source.source, JSON.stringify(body), 'application/json', ACTOR)
        .catch(() => (full = true));
    }
  }
  assert.ok(full, 'the database filled up');
  return async () => {
    await sql.raw('PRAGMA max_page_count = 4294967294').execute(store);
  };
}

const countAlerts = async (riposte: Riposte, source: string) =>
  Number(
    (
      await riposte.database.db
        .selectFrom('alerts')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('source', '=', source)
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('syslog while the database cannot take a write', () => {
  const open = (db: TestDatabase, env: Record<string, string> = {}) =>
    openRiposte(
      loadConfig(
        { RIPOSTE_SYSLOG: 'tcp://127.0.0.1:0/fw', ...env },
        { dataDir: db.dataDir, databaseUrl: db.url, logLevel: 'silent', builtinPlaybooks: false },
      ),
    );

  it('without a spool: holds the batch, pauses TCP senders, and commits it once the database has room', async () => {
    const db = await createTestDatabase('sqlite');
    const riposte = await open(db, { RIPOSTE_SYSLOG_SPOOL_MB: '0' });
    try {
      await riposte.sources.create({ name: 'fw', format: 'cef' }, ACTOR);
      const [listener] = await riposte.startSyslog();
      const release = await fillDatabase(riposte);
      const stats = () => riposte.syslogStats().find((l) => l.source === 'fw')!;
      await sendTcp(listener!.port, [`${cefLine(9301, 'Held back')}\n`, `${cefLine(9302, 'Held too')}\n`]);
      for (let i = 0; i < 100 && stats().held === 0; i++) await new Promise((r) => setTimeout(r, 20));
      assert.ok(stats().held >= 1, 'the batch was held');
      assert.equal(stats().accepted, 0);
      assert.equal(stats().spoolBytes, 0, 'no spool');
      await release();
      // Tried again within the hold (at most 5 s): both messages committed, none dropped.
      let titles: string[] = [];
      for (let i = 0; i < 400 && titles.length < 2; i++) {
        titles = (await riposte.alerts.list({ source: 'fw' })).items.map((a) => a.title).sort();
        await new Promise((r) => setTimeout(r, 25));
      }
      assert.deepEqual(titles, ['Held back', 'Held too']);
      assert.equal(stats().dropped, 0);
    } finally {
      await riposte.close();
      await db.drop();
    }
  });

  it('with the spool: keeps reading past the memory backlog, and commits every message once there is room', async () => {
    const db = await createTestDatabase('sqlite');
    const riposte = await open(db);
    try {
      await riposte.sources.create({ name: 'fw', format: 'cef' }, ACTOR);
      const [listener] = await riposte.startSyslog();
      const release = await fillDatabase(riposte);
      const stats = () => riposte.syslogStats().find((l) => l.source === 'fw')!;
      // More than the 20,000 messages memory holds: without the spool the sender would be paused.
      const total = 21_000;
      const lines = Array.from({ length: total }, (_, i) => `${cefLine(100_000 + i, `Spooled ${i}`)}\n`);
      const chunks = Array.from({ length: 21 }, (_, c) => lines.slice(c * 1000, (c + 1) * 1000).join(''));
      await sendTcp(listener!.port, chunks);
      await until('every message was read', () => stats().received === total).catch((error: Error) => {
        throw new Error(`${error.message}: ${JSON.stringify(stats())}`);
      });
      assert.ok(stats().held >= 1, 'the batches were held');
      assert.equal(stats().accepted, 0);
      assert.ok(stats().spoolBytes > total * 100, `${stats().spoolBytes} bytes spooled`);
      await release();
      await until('every message was stored', async () => (await countAlerts(riposte, 'fw')) === total);
      assert.equal(stats().accepted, total);
      assert.equal(stats().dropped, 0);
    } finally {
      await riposte.close();
      await db.drop();
    }
  });

  it('with the spool: a stop while the database is full leaves the backlog for the next start', async () => {
    const db = await createTestDatabase('sqlite');
    const first = await open(db);
    const total = 300;
    try {
      await first.sources.create({ name: 'fw', format: 'cef' }, ACTOR);
      const [listener] = await first.startSyslog();
      await fillDatabase(first);
      const stats = () => first.syslogStats().find((l) => l.source === 'fw')!;
      await sendTcp(listener!.port, [
        Array.from({ length: total }, (_, i) => `${cefLine(200_000 + i, `Kept ${i}`)}\n`).join(''),
      ]);
      await until('every message was read and held', () => stats().received === total && stats().held > 0);
    } finally {
      await first.close();
    }
    // A new process: its connection has no page limit, and the listener takes up the spool.
    const second = await open(db);
    try {
      await second.startSyslog();
      await until('the backlog was stored', async () => (await countAlerts(second, 'fw')) === total);
      const stats = second.syslogStats()[0]!;
      assert.equal(stats.replayed, total);
      assert.equal(stats.received, 0);
      assert.equal(stats.accepted, total);
    } finally {
      await second.close();
    }
    // And a third start finds nothing left to take up.
    const third = await open(db);
    try {
      await third.startSyslog();
      assert.equal(third.syslogStats()[0]!.replayed, 0);
      assert.equal(await countAlerts(third, 'fw'), total);
    } finally {
      await third.close();
      await db.drop();
    }
  });
});

describe('syslog from a source over its alert limit', () => {
  it('holds the batches past the limit and commits every message once the limit allows', async () => {
    const db = await createTestDatabase('sqlite');
    const riposte = await openRiposte(
      loadConfig(
        { RIPOSTE_SYSLOG: 'tcp://127.0.0.1:0/fw' },
        { dataDir: db.dataDir, databaseUrl: db.url, logLevel: 'silent', builtinPlaybooks: false },
      ),
    );
    try {
      // Ten alerts a second: of two bursts of 325 messages, the second waits about five seconds.
      await riposte.sources.create({ name: 'fw', format: 'cef', alertLimitPerMinute: 600 }, ACTOR);
      const [listener] = await riposte.startSyslog();
      const stats = () => riposte.syslogStats().find((l) => l.source === 'fw')!;
      const burst = (from: number) =>
        Array.from({ length: 325 }, (_, i) => `${cefLine(from + i, `Limited ${from + i}`)}\n`).join('');
      await sendTcp(listener!.port, [burst(20_000)]);
      await until('the first burst committed', () => stats().accepted === 325);
      await sendTcp(listener!.port, [burst(30_000)]);
      await until('a batch held', () => stats().held >= 1);
      assert.equal(stats().accepted, 325);
      await until('every message committed', () => stats().accepted === 650, 30_000);
      assert.equal(stats().dropped, 0);
      const refused = riposte.ingest.limits.refusals().get('fw');
      assert.ok(refused && refused.requests >= 1, 'the limit refused a batch');
      const stored = await riposte.database.db
        .selectFrom('alerts')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('source', '=', 'fw')
        .executeTakeFirstOrThrow();
      assert.equal(Number(stored.n), 650);
    } finally {
      await riposte.close();
      await db.drop();
    }
  });
});

describe('syslog configuration', () => {
  it('names the entry that is not udp:// or tcp://host:port/source', () => {
    for (const bad of ['udp://127.0.0.1/fw', 'http://127.0.0.1:514/fw', 'tcp://127.0.0.1:514', 'nonsense']) {
      assert.throws(
        () => loadConfig({ RIPOSTE_SYSLOG: `udp://127.0.0.1:5514/ok,${bad}` }),
        (error: Error) => error.message.includes('entry 2') && error.message.includes(bad),
        bad,
      );
    }
    assert.deepEqual(loadConfig({ RIPOSTE_SYSLOG: 'tcp://[::1]:6514/ids' }).syslogListeners, [
      { protocol: 'tcp', host: '::1', port: 6514, source: 'ids' },
    ]);
  });

  it('refuses to start a listener for a source that does not exist', async () => {
    const db = await createTestDatabase('sqlite');
    const riposte = await openRiposte(
      loadConfig(
        { RIPOSTE_SYSLOG: 'udp://127.0.0.1:0/missing' },
        { dataDir: db.dataDir, databaseUrl: db.url, logLevel: 'silent', builtinPlaybooks: false },
      ),
    );
    try {
      await assert.rejects(riposte.startSyslog(), /names the source "missing", which does not exist/);
    } finally {
      await riposte.close();
      await db.drop();
    }
  });
});

/** Sends octet-counted messages (RFC 5425) over TLS; resolves once the connection has closed. */
async function sendTls(port: number, messages: string[], options: ConnectionOptions): Promise<void> {
  const socket = tlsConnect({ port, host: '127.0.0.1', ...options });
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', () => resolve());
    socket.once('error', reject);
  });
  const framed = messages.map((m) => `${Buffer.byteLength(m)} ${m}`).join('');
  await new Promise<void>((resolve) => {
    // A server that refuses the client's certificate closes the connection after the handshake.
    socket.once('error', () => resolve());
    socket.once('close', () => resolve());
    socket.end(framed);
  });
}

describe('syslog over TLS (RFC 5425)', () => {
  let pki: Pki;
  before(() => {
    pki = makePki();
  });
  after(() => rmSync(pki.dir, { recursive: true, force: true }));

  const open = (db: TestDatabase, env: Record<string, string>) =>
    openRiposte(
      loadConfig(
        { RIPOSTE_SYSLOG: 'tls://127.0.0.1:0/fw-tls', ...env },
        { dataDir: db.dataDir, databaseUrl: db.url, logLevel: 'silent', builtinPlaybooks: false },
      ),
    );

  it('takes messages from a sender that trusts its certificate, and refuses plain TCP on the port', async () => {
    const db = await createTestDatabase('sqlite');
    const riposte = await open(db, {
      RIPOSTE_SYSLOG_TLS_CERT: pki.serverCert,
      RIPOSTE_SYSLOG_TLS_KEY: pki.serverKey,
    });
    try {
      await riposte.sources.create({ name: 'fw-tls', format: 'cef' }, ACTOR);
      const [listener] = await riposte.startSyslog();
      assert.match(listener!.address, /^tls:\/\/127\.0\.0\.1:\d+$/);
      await sendTls(
        listener!.port,
        [`<134>1 2026-12-03T10:00:00Z fw01 PAN - - - ${cefLine(9401, 'Over TLS')}`],
        {
          ca: readFileSync(pki.caCert),
        },
      );
      const stats = () => riposte.syslogStats()[0]!;
      await until('the message was stored', async () => (await countAlerts(riposte, 'fw-tls')) === 1);
      // Plain text to the TLS port: the handshake fails, nothing is taken, and it is counted.
      await sendTcp(listener!.port, [`${cefLine(9402, 'In the clear')}\n`]);
      await until('the plain connection was refused', () => stats().tlsRefused === 1);
      assert.equal(await countAlerts(riposte, 'fw-tls'), 1);
      assert.equal(stats().received, 1);
    } finally {
      await riposte.close();
      await db.drop();
    }
  });

  it('with RIPOSTE_SYSLOG_TLS_CA, takes messages only from senders with a certificate that CA issued', async () => {
    const db = await createTestDatabase('sqlite');
    const riposte = await open(db, {
      RIPOSTE_SYSLOG_TLS_CERT: pki.serverCert,
      RIPOSTE_SYSLOG_TLS_KEY: pki.serverKey,
      RIPOSTE_SYSLOG_TLS_CA: pki.caCert,
    });
    try {
      await riposte.sources.create({ name: 'fw-tls', format: 'cef' }, ACTOR);
      const [listener] = await riposte.startSyslog();
      const ca = readFileSync(pki.caCert);
      const stats = () => riposte.syslogStats()[0]!;
      // No client certificate: refused, whatever it sent.
      await sendTls(listener!.port, [cefLine(9501, 'Anonymous')], { ca }).catch(() => undefined);
      await until('the anonymous sender was refused', () => stats().tlsRefused === 1);
      await sendTls(listener!.port, [cefLine(9502, 'Known sender')], {
        ca,
        cert: readFileSync(pki.clientCert),
        key: readFileSync(pki.clientKey),
      });
      await until('the known sender was stored', async () => (await countAlerts(riposte, 'fw-tls')) === 1);
      assert.deepEqual(
        (await riposte.alerts.list({ source: 'fw-tls' })).items.map((a) => a.title),
        ['Known sender'],
      );
      assert.equal(stats().received, 1);
    } finally {
      await riposte.close();
      await db.drop();
    }
  });

  it('refuses to start without a usable certificate and key, naming what is wrong', async () => {
    assert.throws(
      () => loadConfig({ RIPOSTE_SYSLOG: 'tls://127.0.0.1:6514/fw' }),
      /tls:\/\/ listener \(127\.0\.0\.1:6514\/fw\), which needs RIPOSTE_SYSLOG_TLS_CERT and RIPOSTE_SYSLOG_TLS_KEY/,
    );
    assert.throws(
      () => loadConfig({ RIPOSTE_SYSLOG_TLS_CERT: pki.serverCert }),
      /RIPOSTE_SYSLOG_TLS_CERT and RIPOSTE_SYSLOG_TLS_KEY go together/,
    );
    const db = await createTestDatabase('sqlite');
    try {
      for (const [env, expected] of [
        [
          { RIPOSTE_SYSLOG_TLS_CERT: pki.serverCert, RIPOSTE_SYSLOG_TLS_KEY: pki.otherKey },
          /are not a usable certificate and key/,
        ],
        [
          { RIPOSTE_SYSLOG_TLS_CERT: `${pki.dir}/missing.pem`, RIPOSTE_SYSLOG_TLS_KEY: pki.serverKey },
          /RIPOSTE_SYSLOG_TLS_CERT names \S+missing\.pem, which cannot be read/,
        ],
      ] as const) {
        const riposte = await open(db, env);
        try {
          await riposte.sources.create({ name: 'fw-tls', format: 'cef' }, ACTOR).catch(() => undefined);
          await assert.rejects(riposte.startSyslog(), expected);
        } finally {
          await riposte.close();
        }
      }
    } finally {
      await db.drop();
    }
  });
});

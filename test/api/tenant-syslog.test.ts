import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { syslogSpoolDir } from '../../src/ingest/syslog-listener.ts';
import { SyslogSpool } from '../../src/ingest/syslog-spool.ts';
import { openRiposte, type Riposte } from '../../src/riposte.ts';
import { TenantHost } from '../../src/server/tenant-host.ts';
import { deleteTenants } from '../support/harness.ts';
import { freePort } from '../support/local-service.ts';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/test-databases.ts';
import { until } from '../support/until.ts';

const SYSTEM = { id: 't', type: 'system' as const };

const cefLine = (id: number, name: string) =>
  `<134>Dec  3 10:00:00 fw01 CEF:0|Palo Alto Networks|PAN-OS|11.1|${id}|${name}|8|src=10.82.0.${id % 250} dst=198.51.100.${id % 250}`;

/** Resolves true once the line was written and the connection closed; false when nothing listens. */
function sendTcp(port: number, line: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('error', () => resolve(false));
    socket.once('connect', () => socket.end(`${line}\n`, () => resolve(true)));
  });
}

/**
 * A syslog listener for a tenant's source (`tenant/source` in RIPOSTE_SYSLOG, docs/tenants.md): it runs
 * in the tenant's Riposte while the tenant is open in the process, waits for the source to be created,
 * stores into the tenant's database only, and stops when the tenant is disabled.
 */
for (const kind of databaseKinds()) {
  describe(`syslog listeners for tenants on ${kind}`, () => {
    let db: TestDatabase;
    let main: Riposte;
    let host: TenantHost;
    let port = 0;
    const logged: Record<string, unknown>[] = [];

    before(async () => {
      db = await createTestDatabase(kind);
      port = await freePort();
      main = await openRiposte(
        loadConfig(
          { RIPOSTE_SYSLOG: `tcp://127.0.0.1:${port}/acme/fw` },
          { dataDir: db.dataDir, databaseUrl: db.url, logLevel: 'silent', builtinPlaybooks: false },
        ),
      );
      // The main installation has no listener of its own to start: the one configured is acme's.
      assert.deepEqual(await main.startSyslog(), []);
      host = new TenantHost({
        main,
        open: (slug) => openRiposte(main.tenants!.config(slug), { tenantChecked: true }),
        syslog: true,
        drainMs: 1_000,
        log: (fields) => logged.push(fields),
        onError: () => undefined,
      });
      await host.start();
    });
    after(async () => {
      await host.close();
      await deleteTenants(main);
      await main.close();
      await db.drop();
    });

    it('listens once the tenant is open and its source exists, and stores into the tenant only', async () => {
      assert.equal(await sendTcp(port, cefLine(1, 'Before the tenant')), false, 'nothing listens yet');
      await main.tenants!.create({ slug: 'acme', name: 'Acme Corp' }, SYSTEM);
      await host.refresh();
      const acme = host.riposte('acme')!;
      assert.ok(acme, 'the tenant is open');
      // Its source does not exist yet: the listener waits for it, tried again at each refresh.
      assert.equal(await sendTcp(port, cefLine(2, 'Before the source')), false);
      await acme.sources.create({ name: 'fw', format: 'cef' }, SYSTEM);
      await host.refresh();
      assert.equal(await sendTcp(port, cefLine(3, 'For Acme')), true);
      await until('the alert is in the tenant', async () => (await acme.alerts.list({})).items.length === 1);
      assert.deepEqual(
        (await acme.alerts.list({})).items.map((a) => a.title),
        ['For Acme'],
      );
      assert.equal((await main.alerts.list({})).items.length, 0, 'nothing in the main installation');
      assert.equal(acme.syslogStats()[0]!.accepted, 1);
    });

    it('stops listening when the tenant is disabled', async () => {
      await main.tenants!.setDisabled('acme', true, SYSTEM);
      await host.refresh();
      assert.equal(host.riposte('acme'), undefined);
      await until('the port is closed', async () => !(await sendTcp(port, cefLine(4, 'After'))));
    });

    it('names a spool of the tenant that holds messages no listener of its takes up', async () => {
      // What a listener that has since moved to another port left behind.
      const moved = { protocol: 'tcp' as const, host: '127.0.0.1', port: 1, source: 'fw', tenant: 'acme' };
      const dir = syslogSpoolDir(main.tenants!.config('acme').dataDir, moved);
      const spool = SyslogSpool.open(dir, 1024 * 1024);
      spool.append([cefLine(5, 'Left behind')]);
      spool.close();
      await main.tenants!.setDisabled('acme', false, SYSTEM);
      await host.refresh();
      assert.ok(host.riposte('acme'), 'open again');
      const named = logged.find((l) => l.tenant === 'acme' && l.dir === dir);
      assert.match(String(named?.msg), /holds messages no listener takes up/);
      assert.ok(Number(named?.bytes) > 0);
    });
  });
}

describe('syslog configuration for tenants', () => {
  it('reads tenant/source, and refuses a tenant part that is no slug', () => {
    assert.deepEqual(loadConfig({ RIPOSTE_SYSLOG: 'udp://127.0.0.1:5514/acme/fw' }).syslogListeners, [
      { protocol: 'udp', host: '127.0.0.1', port: 5514, source: 'fw', tenant: 'acme' },
    ]);
    assert.throws(
      () => loadConfig({ RIPOSTE_SYSLOG: 'udp://127.0.0.1:5514/Not_A_Slug/fw' }),
      /entry 1 .*is not a tenant slug/,
    );
    assert.throws(() => loadConfig({ RIPOSTE_SYSLOG: 'udp://127.0.0.1:5514/a/b/c' }), /entry 1/);
    assert.throws(() => loadConfig({ RIPOSTE_SYSLOG: 'udp://127.0.0.1:5514/acme/' }), /entry 1/);
  });
});

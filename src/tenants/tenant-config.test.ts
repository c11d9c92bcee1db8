import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../config.ts';
import {
  slugProblem,
  tenantConfig,
  tenantDatabaseName,
  tenantDomainSetting,
  tenantOfHost,
} from './tenant-config.ts';

describe('tenant configuration', () => {
  it('takes slugs that are one DNS label of lower-case letters, digits and dashes', () => {
    for (const ok of ['acme', 'a1', 'globex-eu', 'x'.repeat(30)])
      assert.equal(slugProblem(ok), undefined, ok);
    for (const bad of ['a', 'Acme', '1acme', 'acme-', 'a_b', 'a.b', 'a--b', 'x'.repeat(31), '', 'www', 'api'])
      assert.ok(slugProblem(bad), bad);
  });

  it('finds the tenant a Host header names under the tenant domain, and nothing for any other host', () => {
    assert.equal(tenantOfHost('acme.localhost:8080', 'localhost'), 'acme');
    assert.equal(tenantOfHost('ACME.LocalHost', 'localhost'), 'acme');
    assert.equal(tenantOfHost('acme.soc.example.com.', 'soc.example.com'), 'acme');
    assert.equal(tenantOfHost('soc.example.com', 'soc.example.com'), undefined);
    assert.equal(tenantOfHost('127.0.0.1:8080', 'localhost'), undefined);
    assert.equal(tenantOfHost('[::1]:8080', 'localhost'), undefined);
    assert.equal(tenantOfHost('evil-localhost', 'localhost'), undefined);
    assert.equal(tenantOfHost(undefined, 'localhost'), undefined);
    assert.equal(tenantOfHost('', 'localhost'), undefined);
    // Not a tenant, but under the domain: reported, so that the caller refuses it.
    assert.equal(tenantOfHost('a.b.localhost', 'localhost'), 'a.b');
  });

  it('serves tenants under the public host name, or localhost when that is an address', () => {
    assert.equal(tenantDomainSetting(undefined, 'http://127.0.0.1:8080'), 'localhost');
    assert.equal(tenantDomainSetting(undefined, 'http://[::1]:8080'), 'localhost');
    assert.equal(tenantDomainSetting(undefined, 'https://soc.example.com'), 'soc.example.com');
    assert.equal(tenantDomainSetting('Tenants.Example.COM.', 'http://127.0.0.1:8080'), 'tenants.example.com');
    assert.throws(() => tenantDomainSetting('not a domain', ''), /RIPOSTE_TENANT_DOMAIN must be a DNS name/);
  });

  it("derives a tenant's own data folder, database, Redis prefix and URL from the main configuration", () => {
    const main = loadConfig(
      {},
      { dataDir: '/srv/riposte', publicUrl: 'https://soc.example.com', redisPrefix: 'rp' },
    );
    const acme = tenantConfig(main, 'acme');
    assert.equal(acme.dataDir, '/srv/riposte/tenants/acme');
    assert.equal(acme.databaseUrl, 'sqlite:///srv/riposte/tenants/acme/riposte.db');
    assert.equal(acme.redisPrefix, 'rp.t.acme');
    assert.equal(acme.publicUrl, 'https://acme.soc.example.com');
    assert.deepEqual(acme.syslogListeners, []);
    assert.equal(acme.oidc, undefined);
    assert.deepEqual(acme.tenant, {
      slug: 'acme',
      mainDatabaseUrl: main.databaseUrl,
      mainDataDir: '/srv/riposte',
    });
    assert.throws(() => tenantConfig(acme, 'globex'), /has no tenants of its own/);
    assert.throws(() => tenantConfig(main, 'Bad'), /not a tenant slug/);

    const pg = loadConfig(
      {},
      {
        dataDir: '/srv/r',
        databaseUrl: 'postgres://riposte:pw@db:5432/riposte?sslmode=require',
        publicUrl: 'http://127.0.0.1:8080',
      },
    );
    const globex = tenantConfig(pg, 'globex-eu');
    assert.equal(globex.databaseUrl, 'postgres://riposte:pw@db:5432/riposte_t_globex_eu?sslmode=require');
    assert.equal(globex.publicUrl, 'http://globex-eu.localhost:8080');
  });

  it('RIPOSTE_TENANT selects the tenant for every command', () => {
    const config = loadConfig({ RIPOSTE_TENANT: 'acme', RIPOSTE_DATA_DIR: '/srv/r' });
    assert.equal(config.tenant?.slug, 'acme');
    assert.equal(config.dataDir, '/srv/r/tenants/acme');
    assert.throws(() => loadConfig({ RIPOSTE_TENANT: 'no way' }), /at RIPOSTE_TENANT|not a tenant slug/);
  });

  it('keeps PostgreSQL database names within 63 characters, distinct per main database', () => {
    assert.equal(tenantDatabaseName('riposte', 'acme'), 'riposte_t_acme');
    const long = 'x'.repeat(60);
    const a = tenantDatabaseName(long, 'acme');
    const b = tenantDatabaseName(`${long}y`, 'acme');
    assert.ok(a.length <= 63 && b.length <= 63);
    assert.notEqual(a, b);
    assert.ok(tenantDatabaseName(long, 'x'.repeat(30)).length <= 63);
  });
});

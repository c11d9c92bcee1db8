import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ActionError } from '../../core/action.ts';
import { runIntegrationAction } from '../sdk/integration-test-kit.ts';
import { GEOIP_SOURCES, GeoipDatabases } from './geoip-databases.ts';
import { geoip, geoipIntegration, type LookupIpOutput } from './geoip-integration.ts';
import { blockWithin, parseIp } from './ip-address.ts';

const lookup = (ip: string, integration = geoip) =>
  runIntegrationAction(integration, 'lookup_ip', { ip }, { baseUrl: '' }) as Promise<LookupIpOutput>;

describe('geoip.lookup_ip on the shipped databases', () => {
  // Addresses whose holder has not changed in over a decade; their country is the one DB-IP gives.
  it('locates Google public DNS: AS15169 in the United States', async () => {
    assert.deepEqual(await lookup('8.8.8.8'), {
      ip: '8.8.8.8',
      private: false,
      country_code: 'US',
      country: 'United States',
      asn: 15169,
      as_org: 'Google LLC',
      network: '8.8.8.0/24',
    });
  });

  it('names Cloudflare for 1.1.1.1 and quotes-in-CSV organisation names come out clean', async () => {
    const out = await lookup('1.1.1.1');
    assert.equal(out.private, false);
    if (out.private) return;
    assert.equal(out.asn, 13335);
    assert.equal(out.as_org, 'Cloudflare, Inc.');
    assert.equal(out.network, '1.1.1.0/24');
    assert.match(out.country_code ?? '', /^[A-Z]{2}$/);
  });

  it('places the RIPE NCC (AS3333) in the Netherlands, over IPv4 and IPv6', async () => {
    for (const ip of ['193.0.6.139', '2001:67c:2e8:22::c100:68b']) {
      const out = await lookup(ip);
      assert.ok(!out.private);
      assert.equal(out.asn, 3333, ip);
      assert.match(out.as_org ?? '', /RIPE NCC/, ip);
      assert.equal(out.country_code, 'NL', ip);
      assert.equal(out.country, 'Netherlands', ip);
    }
  });

  it('looks up IPv6 and gives the AS block that holds the address', async () => {
    const out = await lookup('2001:4860:4860::8888');
    assert.ok(!out.private);
    assert.equal(out.asn, 15169);
    assert.ok(out.network?.startsWith('2001:4860:'), out.network ?? 'no network');
  });

  it('takes an IPv4-mapped IPv6 address as the IPv4 address', async () => {
    const out = await lookup('::ffff:8.8.8.8');
    assert.equal(out.ip, '8.8.8.8');
    assert.ok(!out.private);
    assert.equal(out.asn, 15169);
  });

  it('refuses what is not an address, without retrying', async () => {
    for (const ip of ['not-an-ip', '10.0.0.0/8', '8.8.8.8:53', '999.1.1.1']) {
      await assert.rejects(lookup(ip), (error: unknown) => {
        assert.ok(error instanceof ActionError);
        assert.equal(error.code, 'bad_request');
        assert.equal(error.retryable, false);
        return true;
      });
    }
  });
});

describe('geoip private and reserved addresses', () => {
  // Databases that cannot be opened: any lookup would fail, so these answers come without one.
  const unreadable = geoipIntegration(
    new GeoipDatabases({
      country: '/nonexistent/c.mmdb',
      asn4: '/nonexistent/4.csv',
      asn6: '/nonexistent/6.csv',
    }),
  );

  it('answers { private: true } with the block, never opening a database', async () => {
    const cases: [string, string, string][] = [
      ['10.1.2.3', '10.0.0.0/8', 'private use'],
      ['192.168.1.20', '192.168.0.0/16', 'private use'],
      ['172.31.255.1', '172.16.0.0/12', 'private use'],
      ['127.0.0.1', '127.0.0.0/8', 'loopback'],
      ['100.64.12.1', '100.64.0.0/10', 'shared address space (CGNAT)'],
      ['203.0.113.9', '203.0.113.0/24', 'documentation (TEST-NET-3)'],
      ['::1', '::1/128', 'loopback'],
      ['fe80::1', 'fe80::/10', 'link local'],
      ['fd12:3456::1', 'fc00::/7', 'unique local'],
      ['::ffff:10.0.0.1', '10.0.0.0/8', 'private use'],
    ];
    for (const [ip, network, range] of cases) {
      const out = await lookup(ip, unreadable);
      assert.deepEqual({ ...out, ip: undefined }, { ip: undefined, private: true, network, range }, ip);
    }
    await assert.rejects(lookup('8.8.8.8', unreadable), /ENOENT/);
  });
});

describe('geoip databases', () => {
  it('reads each file once and keeps it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'geoip-'));
    const resolve = createRequire(import.meta.url).resolve;
    const files = {
      country: path.join(dir, 'country.mmdb'),
      asn4: path.join(dir, 'asn4.csv'),
      asn6: path.join(dir, 'asn6.csv'),
    };
    copyFileSync(resolve(GEOIP_SOURCES.country), files.country);
    copyFileSync(resolve(GEOIP_SOURCES.asn4), files.asn4);
    const databases = new GeoipDatabases(files);
    const address = parseIp('8.8.4.4')!;
    const [first, second] = await Promise.all([databases.lookup(address), databases.lookup(address)]);
    assert.equal(first.asn, 15169);
    assert.deepEqual(second, first);
    rmSync(dir, { recursive: true });
    // The files are gone: only the copies already in memory can answer.
    assert.equal((await databases.lookup(parseIp('1.1.1.1')!)).asn, 13335);
    await assert.rejects(databases.lookup(parseIp('2606:4700:4700::1111')!), /ENOENT/);
  });
});

describe('ip addresses', () => {
  it('prints IPv6 canonically', () => {
    assert.equal(parseIp('2001:DB8:0:0::1')?.text, '2001:db8::1');
    assert.equal(parseIp(' 8.8.8.8 ')?.text, '8.8.8.8');
    assert.equal(parseIp('example.com'), null);
  });

  it('finds the largest CIDR block inside a range that is not block-aligned', () => {
    const range = (a: string, b: string) => [parseIp(a)!.words, parseIp(b)!.words] as const;
    const [start, end] = range('1.0.128.0', '1.0.196.255');
    assert.equal(blockWithin(parseIp('1.0.150.3')!, start, end), '1.0.128.0/18');
    assert.equal(blockWithin(parseIp('1.0.196.7')!, start, end), '1.0.196.0/24');
    const [s6, e6] = range('2001:500:30ff::', '2001:500:30ff::2f');
    assert.equal(blockWithin(parseIp('2001:500:30ff::2a')!, s6, e6), '2001:500:30ff::20/124');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseThreatfoxJson } from './threatfox-json.ts';

const ioc = (over: Record<string, unknown>) => ({
  id: '1',
  ioc: '198.51.100.7:8443',
  threat_type: 'botnet_cc',
  ioc_type: 'ip:port',
  malware_printable: 'Cobalt Strike',
  confidence_level: 75,
  first_seen: '2022-01-07 16:29:58 UTC',
  tags: ['cs'],
  ...over,
});

describe('ThreatFox JSON', () => {
  it('reads API responses and the JSON export, ip:port as the address', () => {
    const api = parseThreatfoxJson(JSON.stringify({ query_status: 'ok', data: [ioc({})] }));
    assert.deepEqual(
      api.indicators.map((i) => [i.type, i.value, i.confidence, i.threat, i.tags, i.reference]),
      [
        [
          'ipv4',
          '198.51.100.7',
          75,
          'Cobalt Strike',
          ['cs', 'port:8443'],
          'https://threatfox.abuse.ch/ioc/1/',
        ],
      ],
    );
    const exported = parseThreatfoxJson(
      JSON.stringify({
        '42': [
          {
            ioc_value: 'evil.example.com',
            ioc_type: 'domain',
            confidence_level: 100,
            first_seen_utc: '2024-01-01 00:00:00',
            tags: 'a,b',
          },
        ],
      }),
    );
    assert.deepEqual(exported.errors, []);
    assert.deepEqual(
      exported.indicators.map((i) => [i.value, i.tags, i.reference]),
      [['evil.example.com', ['a', 'b'], 'https://threatfox.abuse.ch/ioc/42/']],
    );
  });

  it('reports bad entries by index and field; unknown IOC types are warnings', () => {
    const r = parseThreatfoxJson(
      JSON.stringify({
        query_status: 'ok',
        data: [
          ioc({ confidence_level: 'high' }),
          ioc({ ioc: '' }),
          ioc({ ioc_type: 'sha3_384_hash' }),
          ioc({ ioc_type: 'sha256_hash', ioc: 'abc' }),
        ],
      }),
    );
    assert.deepEqual(
      r.errors.map((e) => `${e.record} ${e.field}`),
      ['data[0] confidence_level', 'data[1] ioc', 'data[3] ioc'],
    );
    assert.deepEqual(
      r.warnings.map((e) => `${e.record} ${e.field}`),
      ['data[2] ioc_type'],
    );
    assert.match(
      parseThreatfoxJson('{"query_status":"illegal_search_term","data":"x"}').errors[0]!.problem,
      /illegal_search_term/,
    );
  });

  it('an IOC type named like an object built-in is unknown, not a type', () => {
    const r = parseThreatfoxJson(
      JSON.stringify({
        query_status: 'ok',
        data: [ioc({ ioc_type: 'constructor' }), ioc({ ioc_type: '__proto__' })],
      }),
    );
    assert.deepEqual(r.indicators, []);
    assert.deepEqual(
      r.warnings.map((w) => `${w.record} ${w.field}`),
      ['data[0] ioc_type', 'data[1] ioc_type'],
    );
  });
});

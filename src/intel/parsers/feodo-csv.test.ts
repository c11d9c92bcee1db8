import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { feodoCsv, feodoRow } from '../../../test/fixtures/own/intel-feeds.ts';
import { parseFeodoCsv } from './feodo-csv.ts';

describe('Feodo Tracker CSV', () => {
  it('reads each C2 with its malware, port and status', () => {
    const r = parseFeodoCsv(
      feodoCsv([feodoRow('198.51.100.7'), feodoRow('2001:db8::7', 'offline', 'Pikabot')]),
    );
    assert.deepEqual(r.errors, []);
    assert.deepEqual(
      r.indicators.map((i) => [i.type, i.value, i.confidence, i.threat, i.tags, i.firstSeen]),
      [
        ['ipv4', '198.51.100.7', 80, 'QakBot', ['c2_status:online', 'port:443'], '2024-03-26T23:30:15.000Z'],
        ['ipv6', '2001:db8::7', 60, 'Pikabot', ['c2_status:offline', 'port:443'], '2024-03-26T23:30:15.000Z'],
      ],
    );
  });

  it('names the line and field of every bad row', () => {
    const r = parseFeodoCsv(
      feodoCsv([
        feodoRow('198.51.100.7'),
        ['2024-03-26 23:30:15', '300.1.1.1', '443', 'online', '2024-04-04', 'QakBot'],
        ['yesterday', '198.51.100.8', '70000', 'gone', '2024-04-04', 'QakBot'],
        ['2024-03-26 23:30:15', '198.51.100.9'],
      ]),
    );
    assert.deepEqual(
      r.errors.map((e) => `${e.record} ${e.field}`),
      ['line 7 dst_ip', 'line 8 first_seen_utc', 'line 8 dst_port', 'line 8 c2_status', 'line 9 csv'],
    );
    assert.match(r.errors[0]!.problem, /expected an IPv4 address, got "300.1.1.1"/);
    assert.equal(r.indicators.length, 1);
  });

  it('refuses a file cut short: no footer, or fewer rows than the footer says', () => {
    assert.match(
      parseFeodoCsv(feodoCsv([feodoRow('198.51.100.7')], { footer: false })).errors[0]!.problem,
      /cut short/,
    );
    assert.match(
      parseFeodoCsv(feodoCsv([feodoRow('198.51.100.7')], { footer: 3 })).errors[0]!.problem,
      /announces 3/,
    );
    assert.match(parseFeodoCsv('"a","b"\n"1","2"\n').errors[0]!.problem, /missing first_seen_utc/);
  });
});

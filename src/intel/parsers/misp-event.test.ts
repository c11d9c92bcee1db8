import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMispEvent } from './misp-event.ts';

const event = (attributes: unknown[], objects: unknown[] = []) => ({
  info: 'Phishing wave',
  threat_level_id: '1',
  date: '2024-02-01',
  Tag: [{ name: 'tlp:green' }],
  Attribute: attributes,
  Object: objects,
});
const attr = (type: string, value: string, extra: Record<string, unknown> = {}) => ({
  type,
  value,
  to_ids: true,
  category: 'Network activity',
  uuid: `u-${value}`,
  ...extra,
});

describe('MISP events', () => {
  it('reads attributes and object attributes, splits composites, keeps only to_ids', () => {
    const r = parseMispEvent(
      JSON.stringify({
        Event: event(
          [
            attr('ip-dst', '198.51.100.7'),
            attr('hostname', 'Mail.Example.com'),
            attr('ip-dst|port', '198.51.100.8|443'),
          ],
          [
            {
              name: 'file',
              Attribute: [
                attr('filename|sha256', `invoice.exe|${'a'.repeat(64)}`),
                attr('text', 'x', { to_ids: false }),
              ],
            },
          ],
        ),
      }),
    );
    assert.deepEqual(r.errors, []);
    assert.deepEqual(
      r.indicators.map((i) => [i.type, i.value]),
      [
        ['ipv4', '198.51.100.7'],
        ['domain', 'mail.example.com'],
        ['ipv4', '198.51.100.8'],
        ['filename', 'invoice.exe'],
        ['sha256', 'a'.repeat(64)],
      ],
    );
    assert.equal(r.indicators[0]!.confidence, 85);
    assert.equal(r.indicators[0]!.threat, 'Phishing wave');
    assert.deepEqual(r.indicators[0]!.tags, ['tlp:green']);
    assert.deepEqual(
      r.warnings.map((w) => w.record),
      ['Event.Object[0].Attribute[1]'],
    );
  });

  it('reads lists and restSearch responses, and reports to_ids false once per kind', () => {
    const one = {
      Event: event([attr('md5', 'b'.repeat(32)), attr('domain', 'x.example.com', { to_ids: false })]),
    };
    const list = parseMispEvent(JSON.stringify([one, one]));
    const response = parseMispEvent(JSON.stringify({ response: [one] }));
    assert.equal(list.indicators.length, 2);
    assert.equal(response.indicators.length, 1);
    assert.deepEqual(list.warnings, [
      {
        record: '[0].Event.Attribute[1] and 1 more',
        field: 'to_ids',
        problem: 'attributes not meant for detection (to_ids false); skipped',
      },
    ]);
  });

  it('names the attribute and field of every malformed one', () => {
    const r = parseMispEvent(
      JSON.stringify({
        Event: {
          ...event([attr('ip-src', 'not-an-ip'), { type: 'md5' }, attr('filename|md5', 'only-one-part')]),
          threat_level_id: '9',
        },
      }),
    );
    assert.deepEqual(
      r.errors.map((e) => `${e.record} ${e.field}`),
      [
        'Event threat_level_id',
        'Event.Attribute[0] value',
        'Event.Attribute[1] value',
        'Event.Attribute[2] value',
      ],
    );
  });

  it("a type or threat level named like an object built-in is not one of MISP's", () => {
    const r = parseMispEvent(
      JSON.stringify({
        Event: {
          ...event([attr('constructor', 'x'), attr('domain', 'evil.example.com')]),
          threat_level_id: 'toString',
        },
      }),
    );
    assert.deepEqual(
      r.indicators.map((i) => [i.type, i.value, i.confidence]),
      [['domain', 'evil.example.com', null]],
    );
    assert.deepEqual(
      r.errors.map((e) => `${e.record} ${e.field}`),
      ['Event threat_level_id'],
    );
    assert.deepEqual(
      r.warnings.map((w) => `${w.record} ${w.field}`),
      ['Event.Attribute[0] type'],
    );
  });
});

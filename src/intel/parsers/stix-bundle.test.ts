import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stixBundle } from '../../../test/fixtures/own/intel-feeds.ts';
import { parseStixBundle } from './stix-bundle.ts';

describe('STIX 2.1 bundles', () => {
  it('turns each indicator into the values its pattern names, with its validity and confidence', () => {
    const r = parseStixBundle(
      stixBundle([
        {
          pattern: "[ipv4-addr:value = '198.51.100.7' OR domain-name:value = 'C2.Example.COM.']",
          validUntil: '2030-01-01T00:00:00Z',
          confidence: 85,
          name: 'QakBot C2',
        },
      ]),
    );
    assert.deepEqual(r.errors, []);
    assert.deepEqual(
      r.indicators.map((i) => [i.type, i.value, i.confidence, i.threat, i.validUntil, i.firstSeen]),
      [
        ['ipv4', '198.51.100.7', 85, 'QakBot C2', '2030-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z'],
        ['domain', 'c2.example.com', 85, 'QakBot C2', '2030-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z'],
      ],
    );
    assert.deepEqual(r.indicators[0]!.labels, ['malicious-activity']);
  });

  it('reports every malformed indicator with its index and field', () => {
    const r = parseStixBundle(
      stixBundle([
        { pattern: "[ipv4-addr:value = '198.51.100.7'" },
        { pattern: "[ipv4-addr:value = '198.51.100.8']", confidence: 150 },
        { pattern: "[ipv4-addr:value = '198.51.100.9']", validUntil: 'tomorrow' },
        { pattern: "[ipv4-addr:value = '198.51.100.10']" },
      ]),
    );
    assert.deepEqual(
      r.errors.map((e) => [e.record.split(' ')[0], e.field]),
      [
        ['objects[0]', 'pattern'],
        ['objects[1]', 'confidence'],
        ['objects[2]', 'valid_until'],
      ],
    );
    assert.match(r.errors[0]!.problem, /expected "\]" at position 33/);
    assert.match(r.errors[1]!.problem, /expected an integer 0–100, got 150/);
    assert.deepEqual(
      r.indicators.map((i) => i.value),
      ['198.51.100.10'],
    );
  });

  it('skips with a warning what it cannot map: other pattern languages, AND, bad values', () => {
    const r = parseStixBundle(
      stixBundle([
        { pattern: 'alert tcp any any -> any any (msg:"x";)', patternType: 'snort' },
        { pattern: "[ipv4-addr:value = '198.51.100.7' AND network-traffic:dst_port = 443]" },
        { pattern: "[domain-name:value = 'not a domain' OR ipv4-addr:value = '192.0.2.4/32']" },
      ]),
    );
    assert.deepEqual(r.errors, []);
    assert.equal(r.warnings.length, 3);
    assert.match(r.warnings[0]!.problem, /"snort" patterns/);
    assert.deepEqual(
      r.indicators.map((i) => i.value),
      ['192.0.2.4'],
    );
  });

  it('refuses a document that is not a bundle', () => {
    assert.match(parseStixBundle('{"type": "report"}').errors[0]!.problem, /expected a STIX bundle/);
    assert.match(parseStixBundle('{"type": ').errors[0]!.problem, /expected JSON/);
  });
});

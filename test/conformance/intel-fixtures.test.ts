import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { detectFormat, PARSERS } from '../../src/intel/parsers/intel-formats.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { databaseKinds } from '../support/test-databases.ts';

/**
 * Every threat-intelligence sample in ../shared/fixtures (stix2.1/, misp/, abusech/) imports: its
 * format is detected, no record is malformed, and what it yields is what a person reading the file
 * would count. Samples that carry no indicators (a submission receipt, an event index, a bundle of
 * e-mail patterns) import nothing and say why.
 */
const ROOT = new URL('../../../shared/fixtures/', import.meta.url);
const present = existsSync(ROOT);
const skip = !present && 'shared fixtures not present (../shared/fixtures); CI has them';

interface Expected {
  format: string;
  /** Distinct indicators per type, after the same value listed twice is merged. */
  types: Record<string, number>;
  /** At least this many warnings (skipped, unmappable records); 0 means none at all. */
  warnings: number;
  /** Some indicators the file names, in canonical form. */
  names?: [string, string][];
}

const EXPECTED: Record<string, Expected> = {
  'stix2.1/indicator-for-c2-ip-address.json': {
    format: 'stix',
    types: { ipv4: 1 },
    warnings: 0,
    names: [['ipv4', '10.0.0.0']],
  },
  'stix2.1/indicators-for-C2-with-COA.json': {
    format: 'stix',
    types: { ipv4: 1, sha256: 1 },
    warnings: 0,
    names: [['sha256', 'ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c']],
  },
  'stix2.1/malicious-email-indicator-with-attachment.json': { format: 'stix', types: {}, warnings: 2 },
  'stix2.1/threat-report-poisonivy.json': {
    format: 'stix',
    types: { ipv4: 18, domain: 24, filename: 2 },
    warnings: 1,
    names: [
      ['domain', '3q.wubangtu.info'],
      ['ipv4', '219.76.208.163'],
      ['filename', 'CBricksDoc'],
    ],
  },
  'misp/misp-event-sednit-fancy-bear.json': {
    format: 'misp',
    types: { domain: 18, filename: 15, sha1: 37, ipv4: 11 },
    warnings: 2,
    names: [
      ['sha1', '68064fc152e23d56e541714af52651cb4ba81aaf'],
      ['filename', 'Bulletin.doc'],
    ],
  },
  'misp/misp-event-xorist-ransomware.json': {
    format: 'misp',
    types: { filename: 1, md5: 1, sha1: 1, sha256: 1 },
    warnings: 4,
    names: [
      ['md5', '0749bae92ca336a02c83d126e04ec628'],
      ['filename', '3Z4wnG9603it23y.exe'],
    ],
  },
  'misp/misp-events-index-search-result.json': { format: 'misp', types: {}, warnings: 1 },
  'abusech/feodotracker-ipblocklist.csv': {
    format: 'feodo',
    types: { ipv4: 28 },
    warnings: 0,
    names: [['ipv4', '192.9.135.73']],
  },
  'abusech/threatfox-api-query-response.json': {
    format: 'threatfox',
    types: { url: 1, sha256: 1 },
    warnings: 0,
    names: [['url', 'https://188.131.211.152/activity']],
  },
  'abusech/threatfox-api-submit-response.json': { format: 'threatfox', types: {}, warnings: 1 },
  'abusech/urlhaus-api-v1-url-lookup-response.json': {
    format: 'urlhaus-api',
    types: { url: 1, md5: 1, sha256: 1 },
    warnings: 0,
    names: [['url', 'http://store.sensyu.org/data/Smarty/config/msg.jpg']],
  },
  'abusech/urlhaus-feed-tld-jp.csv': {
    format: 'urlhaus',
    types: { url: 559 },
    warnings: 0,
    names: [['url', 'http://leafdesign.jp/GeneratedItems/DOC/t4rctymlnwd8jq10qdwf27udc_7bn8s-199027770/']],
  },
};

const files = present
  ? ['stix2.1', 'misp', 'abusech'].flatMap((dir) =>
      readdirSync(new URL(`${dir}/`, ROOT)).map((f) => `${dir}/${f}`),
    )
  : [];

describe('threat-intelligence samples in ../shared/fixtures', { skip }, () => {
  it('every sample file has an expectation here (a new sample needs one)', () => {
    assert.deepEqual(files.sort(), Object.keys(EXPECTED).sort());
  });

  for (const [file, expected] of Object.entries(EXPECTED)) {
    it(`${file}: ${expected.format}, ${JSON.stringify(expected.types)}`, () => {
      const text = readFileSync(new URL(file, ROOT), 'utf8');
      assert.equal(detectFormat(text), expected.format);
      const result = PARSERS[expected.format as keyof typeof PARSERS](text);
      assert.deepEqual(result.errors, [], 'no record of a published sample is malformed');
      const distinct = new Map(result.indicators.map((i) => [`${i.type}\u0001${i.value}`, i]));
      const types: Record<string, number> = {};
      for (const i of distinct.values()) types[i.type] = (types[i.type] ?? 0) + 1;
      assert.deepEqual(types, expected.types);
      if (expected.warnings === 0) assert.deepEqual(result.warnings, []);
      else assert.ok(result.warnings.length >= expected.warnings, JSON.stringify(result.warnings));
      if (Object.keys(expected.types).length === 0)
        assert.ok(result.warnings.length > 0, 'an empty import says why');
      for (const [type, value] of expected.names ?? [])
        assert.ok(distinct.has(`${type}\u0001${value}`), `${type} ${value}`);
      for (const i of distinct.values()) {
        assert.ok(i.confidence === null || (i.confidence >= 0 && i.confidence <= 100));
        assert.ok(i.firstSeen === null || !Number.isNaN(Date.parse(i.firstSeen)));
      }
    });
  }

  for (const kind of databaseKinds()) {
    describe(`imported into ${kind}`, () => {
      let h: Harness;
      before(async () => {
        h = await startHarness(kind);
      });
      after(() => h.close());

      it('every sample imports through the API in one transaction each, format detected', async () => {
        for (const [file, expected] of Object.entries(EXPECTED)) {
          const source = file
            .split('/')[1]!
            .replace(/\.[a-z]+$/, '')
            .toLowerCase()
            .slice(0, 60);
          const res = await h.as('analyst', {
            method: 'POST',
            url: `/api/v1/intel/imports?source=${encodeURIComponent(source)}`,
            headers: { 'content-type': file.endsWith('.csv') ? 'text/csv' : 'application/json' },
            payload: readFileSync(new URL(file, ROOT)),
          });
          assert.equal(res.statusCode, 200, `${file}: ${res.body}`);
          const total = Object.values(expected.types).reduce((a, b) => a + b, 0);
          assert.equal(res.json().indicators, total, file);
          assert.equal(res.json().created, total, file);
          assert.equal(res.json().format, expected.format, file);
        }
      });
    });
  }
});

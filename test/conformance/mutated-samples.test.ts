import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { Format } from '../../src/core/format.ts';
import { RiposteError } from '../../src/core/riposte-error.ts';
import { checkDraft } from '../../src/ingest/draft-check.ts';
import { normalizerFor } from '../../src/ingest/normalizers/registry.ts';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';

/**
 * Every field of every sample record, deleted or given a hostile value one at a time, goes through
 * its format's split, normalize and draft check as a posted body would. The record must still give
 * an alert, or be rejected with a `RiposteError` whose path names the field that was changed (or
 * one above or below it, or the record itself). Never an internal error, which would reach the
 * sender as "the record could not be normalized", and never a reason about a field nobody touched.
 *
 * The project's own vendor fixtures always run; the real samples in ../shared/fixtures (read, never
 * copied) run where that folder exists, as in CI.
 */
const OWN = new URL('../fixtures/vendor/', import.meta.url);
const SHARED = new URL('../../../shared/fixtures/', import.meta.url);
const ctx = { receivedAt: '2030-01-01T00:00:00.000Z' };

const DELETE = Symbol('delete');
/** Retyped, blank, out of range, malformed, and the names every plain object inherits. */
const REPLACEMENTS: unknown[] = [
  DELETE,
  null,
  0,
  -1,
  1.5,
  1e308,
  true,
  '',
  ' ',
  'x',
  'x'.repeat(70_000),
  '2026-13-45T99:99:99Z',
  '999.1.1.1',
  'http://',
  'a@',
  '..',
  '__proto__',
  'constructor',
  'toString',
  {},
  { toString: 1 },
  [],
  [null],
  ['x'],
  [{}],
];

type Path = (string | number)[];

/** Every path into the record: each key, and the first four items of each array. */
function paths(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  if (prefix.length > 0) out.push(prefix);
  if (Array.isArray(value)) value.slice(0, 4).forEach((item, i) => paths(item, [...prefix, i], out));
  else if (value !== null && typeof value === 'object')
    for (const [key, item] of Object.entries(value)) paths(item, [...prefix, key], out);
  return out;
}

function mutated(record: unknown, path: Path, replacement: unknown): unknown {
  const copy = structuredClone(record);
  let parent = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (replacement !== DELETE) parent[last] = structuredClone(replacement);
  else if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else delete parent[last];
  return copy;
}

/** A rejection may name the changed field, a field above or below it, or the record as a whole. */
function related(cited: string | undefined, changed: string): boolean {
  if (cited === undefined) return false;
  return (
    cited === '/' || cited === changed || changed.startsWith(`${cited}/`) || cited.startsWith(`${changed}/`)
  );
}

interface Sample {
  format: Format;
  name: string;
  records: unknown[];
  options?: Record<string, unknown>;
}

/** The records of a sample file as its format splits them (the first few: each is walked whole). */
function fileSample(format: Format, root: URL, file: string, contentType = 'application/json'): Sample {
  const records = normalizerFor(format)
    .split(readFileSync(new URL(file, root), 'utf8'), contentType)
    .flatMap((r) => (r.ok ? [r.record] : []))
    .slice(0, 4);
  assert.ok(records.length > 0, `${file} holds records`);
  return { format, name: file, records };
}

/** Mutates each record of the sample at every path; returns what broke the rule, one line each. */
function violations({ format, name, records, options = {} }: Sample): string[] {
  const normalizer = normalizerFor(format);
  const found: string[] = [];
  for (const record of records)
    for (const path of paths(record))
      for (const replacement of REPLACEMENTS) {
        const changed = `/${path.join('/')}`;
        const what = `${format} ${name} ${changed} ${replacement === DELETE ? 'deleted' : `= ${JSON.stringify(replacement).slice(0, 30)}`}`;
        try {
          for (const split of normalizer.split(
            JSON.stringify(mutated(record, path, replacement)),
            'application/json',
          )) {
            if (!split.ok) throw split.error;
            checkDraft(normalizer.normalize(split.record, { ...ctx, options }));
          }
        } catch (error) {
          if (!(error instanceof RiposteError)) found.push(`${what}: internal ${String(error)}`);
          else if (!related(error.path, changed))
            found.push(
              `${what}: rejected citing ${error.path ?? 'no path'} (${error.message.slice(0, 100)})`,
            );
        }
      }
  return found;
}

function expectNone(sample: Sample): void {
  const found = violations(sample);
  assert.deepEqual(found.slice(0, 10), [], `${found.length} mutations broke the rule`);
}

/** A Splunk ES notable event the project writes from the CIM fields its normalizer reads. */
const notable = {
  event_id: 'E1F2A3B4@@notable@@0a1b2c3d4e5f',
  rule_name: 'Brute Force Access Behavior Detected',
  search_name: 'Access - Brute Force Access Behavior Detected - Rule',
  security_domain: 'access',
  urgency: 'high',
  _time: '1732268400',
  src: '203.0.113.7',
  dest: 'web-01.corp.example',
  user: 'jdoe',
  annotations: { mitre_attack: { mitre_technique_id: ['T1110.001'], mitre_tactic: ['credential-access'] } },
};

describe('conformance: sample records with one field deleted or retyped', () => {
  it('the project own vendor fixtures and Suricata records', () => {
    expectNone({ format: 'suricata', name: 'eveAlert()', records: [eveAlert()] });
    expectNone({ format: 'splunk', name: 'notable', records: [notable] });
    expectNone(fileSample('crowdstrike', OWN, 'crowdstrike-alerts-api.json'));
    expectNone(fileSample('guardduty', OWN, 'guardduty-asff.json'));
    expectNone(fileSample('sentinel', OWN, 'sentinel-rest-alert-entities.json'));
    expectNone(fileSample('sentinel', OWN, 'sentinel-securityalert-row.json'));
  });

  it('the rule catches what it is for: an internal error, and a reason about another field', () => {
    // A plain-object table read with the record's word: "constructor" found Object's constructor.
    const table: Record<string, string> = { endpoint: 'malware' };
    const normalizer = normalizerFor('suricata');
    const original = normalizer.normalize;
    try {
      normalizer.normalize = (record, context) => {
        const draft = original(record, context);
        const word = (record as { alert?: { category?: unknown } }).alert?.category;
        return { ...draft, category: table[String(word)] ?? draft.category };
      };
      const found = violations({ format: 'suricata', name: 'probe', records: [eveAlert()] });
      assert.ok(
        found.some((line) => line.includes('/alert/category = "constructor": rejected citing /category')),
        found.join('\n'),
      );
      normalizer.normalize = (record, context) => {
        if ((record as { proto?: unknown }).proto === 'toString') throw new TypeError('boom');
        return original(record, context);
      };
      assert.ok(
        violations({ format: 'suricata', name: 'probe', records: [eveAlert()] }).some((l) =>
          l.includes('internal TypeError: boom'),
        ),
      );
    } finally {
      normalizer.normalize = original;
    }
  });

  const skip = !existsSync(SHARED) && 'shared fixtures not present';
  it('the real samples in ../shared/fixtures', { skip }, () => {
    const json: [Format, string, string?][] = [
      ['suricata', 'suricata/eve-alerts.jsonl', 'application/x-ndjson'],
      ['suricata', 'suricata/eve-alert-mitre-metadata.json'],
      ['zeek', 'zeek/maccdc2012-notice.json.log', 'application/x-ndjson'],
      ['wazuh', 'wazuh/wazuh-alert-5712-sshd-bruteforce.json'],
      ['elastic', 'elastic-security/elastic-defend-malware-prevention-alert.ecs.json'],
      ['sentinel', 'microsoft-sentinel/sentinel-api-get-incident.example.json'],
      ['sentinel', 'microsoft-sentinel/sentinel-api-list-incident-alerts.example.json'],
      ['defender', 'microsoft-defender/mde-api-alerts-list-response.xsoar-test.json'],
      ['guardduty', 'aws-guardduty/guardduty-finding-ec2.json'],
      ['guardduty', 'aws-guardduty/guardduty-finding-iam.json'],
      ['okta', 'okta/okta-systemlog-authentication.raw.json'],
      ['splunk', 'splunk/splunk-es-notable-event.xsoar-test.json'],
      ['ocsf', 'ocsf/ocsf-1.1-detection-finding-guardduty.json'],
      ['ocsf', 'ocsf/ocsf-1.3-authentication-okta.json'],
      ['ocsf', 'ocsf/ocsf-1.3-detection-finding-okta.json'],
      ['ocsf', 'ocsf/ocsf-detection-finding-falco.json'],
    ];
    for (const [format, file, contentType] of json) expectNone(fileSample(format, SHARED, file, contentType));
    // The generic format through the mapping the falco conformance test uses: a record field the
    // mapping reads, when deleted or retyped, is reported against the mapping field that read it.
    const mapping = {
      title: 'event.rule',
      severity: 'event.priority',
      eventTime: 'event.time',
      category: "'runtime-threat'",
      observables: [{ type: 'host', value: 'event.hostname', role: 'target' }],
    };
    const found = violations({
      ...fileSample('generic', SHARED, 'falco/falco-alert.raw.json'),
      options: { mapping },
    }).filter((line) => !/rejected citing \/mapping\//.test(line));
    assert.deepEqual(found.slice(0, 10), []);
  });
});

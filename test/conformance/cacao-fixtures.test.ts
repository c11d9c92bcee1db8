import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { importCacao } from '../../src/playbooks/cacao/cacao-import.ts';
import type { CacaoProfile } from '../../src/playbooks/cacao/cacao-issues.ts';
import { startHarness, type Harness } from '../support/harness.ts';

/**
 * Every public CACAO playbook in ../shared/fixtures/cacao, in both profiles: what imports, what is
 * refused and why, and what the imported playbook does (its tasks and HTTP calls) — checked against
 * what a person reading the file sees. Whatever imports also compiles as a Riposte playbook.
 */
const ROOT = new URL('../../../shared/fixtures/cacao/', import.meta.url);
const present = existsSync(ROOT);
const skip = !present && 'shared fixtures not present (../shared/fixtures); CI has them';

interface Expected {
  /** Null: imports; a pattern: refused with an error matching it (at `path` when given). */
  strict: RegExp | null;
  lenient: RegExp | null;
  errorPath?: string;
  /** Titles of the tasks the lenient import asks people to do, in document order. */
  tasks?: string[];
  /** method + URL of each web.request step. */
  requests?: string[];
  /** Some warnings the lenient import must give. */
  warns?: RegExp[];
  /** Something the generated YAML holds. */
  holds?: RegExp[];
}

const EXPECTED: Record<string, Expected> = {
  'COSSAS__SOARCA__examples__http-playbook.json': {
    strict: /three digits of milliseconds/,
    lenient: null,
    requests: ['GET http://httpbin.org/get'],
    warns: [/"GET get HTTP1.1" is not an HTTP start line/, /request target "get" must start with "\/"/],
  },
  'COSSAS__SOARCA__examples__manual-playbook.json': {
    strict: null,
    lenient: null,
    tasks: ['manual'],
    holds: [
      /form:\n\s+- id: hyperspeed_ready/,
      /timeout: 100000ms/,
      /hyperspeed_ready: \$\{\{ steps\.manual\.output\.hyperspeed_ready \}\}/,
    ],
  },
  'COSSAS__SOARCA__examples__ssh-playbook.json': {
    strict: /three digits of milliseconds/,
    lenient: null,
    tasks: ['Execute command', 'Touch file'],
    warns: [/does not run ssh commands/],
    holds: [/touch \$\{\{ vars\.path \}\}/, /Targets: system 1 \(ssh; ipv4 192\.168\.0\.10\)/],
  },
  'COSSAS__SOARCA__test__playbooks__infinite_playbook.json': {
    strict: /three digits of milliseconds/,
    lenient: /the workflow loops \("End SOARCA Main Flow" → "End SOARCA Main Flow"\)/,
    errorPath: '/workflow/action--6b23c237-ade8-4d00-9aa1-75999738d557',
  },
  'COSSAS__SOARCA__test__playbooks__parallels_playbook.json': {
    strict: /workflow_start must be a start step/,
    lenient: null,
    requests: ['GET http://__bia_address__/analysisreport/__cve__'],
    warns: [/workflow_start must be a start step/, /this branch does nothing/],
  },
  'TedDriggs__cti__theobroma__samples__appendix_a_1.json': {
    strict: /this is CACAO 1\.0/,
    lenient: null,
    tasks: [
      'Receive IOC',
      'Add IP to Firewall Blocklist',
      'Add IP to Client EDR Blocklist',
      'Create Ticket',
      'Update SIEM',
    ],
    warns: [/this is CACAO 1\.0/, /the branches meet at "Create Ticket"/],
    holds: [/next: create_ticket/],
  },
  'oasis-tcs__cacao__Examples__CACAO-2.0__basic-example-1.json': {
    strict: null,
    lenient: null,
    tasks: ['Block MAC address'],
    holds: [/Switch\(conf\)#mac address-table static 3467\.0933\.341c vlan X drop/],
  },
  'oasis-tcs__cacao__Examples__CACAO-2.0__spec-3.1-example.json': {
    strict: null,
    lenient: null,
    tasks: ['IP Lookup'],
    holds: [
      /Look up IP \$\{\{ vars\.data_exfil_site \}\} in SIEM/,
      /data_exfil_site: 1\.2\.3\.4/,
      /TLP:GREEN/,
    ],
  },
};

function stepsOf(steps: unknown): Record<string, unknown>[] {
  if (!Array.isArray(steps)) return [];
  return (steps as Record<string, unknown>[]).flatMap((step) => [
    step,
    ...(Array.isArray(step['parallel']) ? (step['parallel'] as unknown[]).flatMap(stepsOf) : []),
  ]);
}

describe('CACAO playbooks from ../shared/fixtures/cacao', { skip }, () => {
  let h: Harness;
  before(async () => {
    h = await startHarness('sqlite');
  });
  after(async () => h?.close());

  it('names every sample in the folder', () => {
    assert.deepEqual(readdirSync(ROOT).sort(), Object.keys(EXPECTED).sort());
  });

  for (const [file, expected] of Object.entries(EXPECTED)) {
    for (const profile of ['strict', 'lenient'] as CacaoProfile[]) {
      it(`${file} (${profile})`, () => {
        const text = readFileSync(new URL(file, ROOT), 'utf8');
        const result = importCacao(text, {
          profile,
          resolvePlaybook: () => null,
          now: new Date('2026-12-01T00:00:00Z'),
        });
        const refusal = expected[profile];
        if (refusal !== null) {
          assert.equal(result.source, null, 'refused');
          assert.ok(
            result.errors.some((e) => refusal.test(e.message)),
            JSON.stringify(result.errors, null, 1),
          );
          if (expected.errorPath && profile === 'lenient')
            assert.equal(result.errors[0]?.path, expected.errorPath);
          return;
        }
        assert.deepEqual(result.errors, [], 'no errors');
        assert.ok(result.source !== null);
        const compiled = h.riposte.playbooks.validate(result.source);
        assert.ok(compiled.ok, compiled.ok ? '' : JSON.stringify(compiled.errors));
        if (profile === 'strict')
          assert.deepEqual(
            result.warnings.filter((w) => /read anyway/.test(w.message)),
            [],
          );
        if (profile !== 'lenient') return;
        const document = parse(result.source) as { steps: unknown };
        const steps = stepsOf(document.steps);
        const tasks = steps.filter((s) => s['task']).map((s) => (s['task'] as { title: string }).title);
        assert.deepEqual(tasks, expected.tasks ?? []);
        const requests = steps
          .filter((s) => s['uses'] === 'web.request')
          .map((s) => {
            const input = s['with'] as { method: string; url: string };
            return `${input.method} ${input.url}`;
          });
        assert.deepEqual(requests, expected.requests ?? []);
        for (const warning of expected.warns ?? [])
          assert.ok(
            result.warnings.some((w) => warning.test(w.message)),
            `${warning}: ${JSON.stringify(result.warnings)}`,
          );
        for (const pattern of expected.holds ?? []) assert.match(result.source, pattern);
      });
    }
  }
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { importCacao } from '../../src/playbooks/cacao/cacao-import.ts';
import { cacaoEverything } from '../fixtures/own/cacao-documents.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { mutate } from '../support/mutate.ts';

/**
 * CACAO documents are input from outside: thousands of mutated and random ones go through the
 * importer and the import API. The importer never throws; it answers a playbook or errors, never
 * both, never neither; what it answers compiles or is reported; the API never answers 5xx.
 */

const replacement = fc.oneof(
  fc.constant(null),
  fc.integer(),
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    '__verdict__:value',
    "[ipv4-addr:value = '1.2.3.4']",
    '${{ secrets.x }}',
    'end--00000000-0000-4000-8000-000000000099',
    'action--00000000-0000-4000-8000-000000000003',
    'GET get',
    'while-condition',
    'parallel',
  ),
  fc.boolean(),
  fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }),
  fc.object({ maxDepth: 2 }),
);

describe('fuzzing CACAO import', () => {
  let h: Harness;
  const seed = cacaoEverything();
  const now = new Date('2026-12-01T00:00:00Z');

  before(async () => {
    h = await startHarness('sqlite', { rateLimitPerMinute: 0 });
  });
  after(() => h?.close());

  it('imports the seed cleanly (the mutations start from a valid document)', () => {
    const result = importCacao(seed, { profile: 'strict', resolvePlaybook: () => null, now });
    assert.deepEqual(result.errors, []);
    const compiled = h.riposte.playbooks.validate(result.source!);
    assert.ok(compiled.ok, JSON.stringify(!compiled.ok && compiled.errors));
  });

  it('never throws on mutated documents, and what it translates compiles', () => {
    let translated = 0;
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.nat(40), { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 3 }),
        fc.array(replacement, { minLength: 3, maxLength: 3 }),
        fc.nat(2),
        fc.constantFrom('strict', 'lenient' as const),
        (paths, values, mode, profile) => {
          let document: unknown = seed;
          paths.forEach((path, i) => (document = mutate(document, path, values[i], mode)));
          const result = importCacao(document, { profile, resolvePlaybook: () => null, now });
          assert.equal(result.source === null, result.errors.length > 0, JSON.stringify(result.errors));
          for (const issue of [...result.errors, ...result.warnings]) {
            assert.equal(typeof issue.path, 'string');
            assert.ok(issue.message.length > 0);
          }
          if (result.source !== null) {
            translated++;
            const compiled = h.riposte.playbooks.validate(result.source);
            assert.ok(
              compiled.ok,
              `${JSON.stringify(document).slice(0, 3000)}\n${JSON.stringify(!compiled.ok && compiled.errors)}`,
            );
          }
        },
      ),
      { numRuns: 3000 },
    );
    assert.ok(translated > 300, `only ${translated} mutated documents translated`);
  });

  it('never answers 5xx to random bodies and mutated documents', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.json({ maxDepth: 4 }),
          fc.string({ maxLength: 200 }),
          fc
            .tuple(fc.array(fc.nat(40), { minLength: 1, maxLength: 5 }), replacement, fc.nat(2))
            .map(([path, value, mode]) => JSON.stringify(mutate(seed, path, value, mode))),
        ),
        fc.constantFrom('strict', 'lenient'),
        async (body, profile) => {
          const res = await h.as('analyst', {
            method: 'POST',
            url: `/api/v1/playbooks/import/cacao?profile=${profile}&dry_run=true`,
            headers: { 'content-type': 'application/json' },
            payload: body,
          });
          assert.ok(res.statusCode < 500, `${res.statusCode} ${res.body}`);
          if (res.statusCode >= 400) assert.equal(typeof res.json().code, 'string');
        },
      ),
      { numRuns: 600 },
    );
  });
});

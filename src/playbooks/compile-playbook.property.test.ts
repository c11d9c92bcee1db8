import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { compileYaml } from '../../test/fixtures/playbooks/compile-fixture.ts';
import { ExpressionError, compileExpression } from './expression.ts';

/** Either a plan, or at least one error with a position: never a throw, never an empty failure. */
function assertWellFormed(text: string): void {
  const result = compileYaml(text);
  if (result.ok) return;
  assert.ok(result.errors.length > 0);
  for (const issue of result.errors) {
    assert.ok(issue.line >= 1 && issue.column >= 1, JSON.stringify(issue));
    assert.doesNotMatch(issue.message, /internal error/, issue.message);
  }
}

test('compilePlaybook never throws on arbitrary text', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), (text) => assertWellFormed(text)),
    { numRuns: 300 },
  );
});

const KEYS = [
  'id',
  'name',
  'steps',
  'uses',
  'with',
  'if',
  'then',
  'else',
  'next',
  'switch',
  'cases',
  'default',
  'for_each',
  'do',
  'parallel',
  'join',
  'playbook',
  'set',
  'wait',
  'delay',
  'until',
  'event',
  'match',
  'timeout',
  'task',
  'title',
  'assignee',
  'role',
  'choices',
  'form',
  'approval',
  'approvers',
  'quorum',
  'expires_in',
  'on_expiry',
  'end',
  'fail',
  'retry',
  'attempts',
  'on_error',
  'triggers',
  'alert',
  'schedule',
  'inputs',
  'type',
  'outputs',
  'secrets',
  'on_deny',
  'continue_on_error',
];
const SCALARS = fc.oneof(
  fc.constantFrom(
    'a',
    'b',
    'core.echo',
    'test.lookup',
    '${{ alert.x }}',
    '${{ steps.a.output }}',
    '10s',
    '*/5 * * * *',
  ),
  fc.constantFrom('${{ item', '${{ 1 + }}', 'all', 'fail', 'manager', 'x'.repeat(70)),
  fc.integer({ min: -5, max: 100 }),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 12 }),
);

const { value: yamlish } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, SCALARS, tie('list'), tie('map')),
  list: fc.array(tie('value'), { maxLength: 4 }),
  map: fc.dictionary(fc.constantFrom(...KEYS), tie('value'), { maxKeys: 6 }),
}));

test('compilePlaybook never throws on arbitrary YAML-ish documents', () => {
  fc.assert(
    fc.property(
      fc.dictionary(fc.constantFrom(...KEYS), yamlish, { maxKeys: 8 }),
      fc.array(fc.dictionary(fc.constantFrom(...KEYS), yamlish, { maxKeys: 6 }), { maxLength: 5 }),
      (document, steps) => assertWellFormed(stringify({ id: 'p', name: 'P', ...document, steps })),
    ),
    { numRuns: 400 },
  );
});

test('compileExpression throws only ExpressionErrors on arbitrary source', () => {
  const pieces = fc.constantFrom(
    'alert',
    '.',
    'x',
    '(',
    ')',
    '[',
    ']',
    '{',
    '}',
    '"',
    '1',
    '+',
    '==',
    ',',
    ' ',
    'exists',
    'o',
    '?',
    ':',
  );
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ maxLength: 40 }),
        fc.array(pieces, { maxLength: 30 }).map((parts) => parts.join('')),
      ),
      (source) => {
        try {
          compileExpression(source);
        } catch (error) {
          assert.ok(error instanceof ExpressionError, String(error));
        }
      },
    ),
    { numRuns: 500 },
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExpressionScope } from '../core/playbook.ts';
import { ExpressionError } from './expression.ts';
import { compileTemplate } from './template.ts';
import { splitTemplate } from './template-syntax.ts';

const scope: ExpressionScope = {
  alert: { title: 'Beacon', score: 75, observables: [{ type: 'ipv4', value: '10.0.0.1' }], tags: ['a', 'b'] },
  inputs: {},
  steps: {},
  vars: { count: 2 },
  secrets: { token: 's3cr3t-value' },
};

test('a whole-value expression keeps its type', () => {
  assert.equal(compileTemplate('${{ alert.score }}').evaluate(scope), 75);
  assert.equal(compileTemplate('  ${{ 1 + 1 }}').evaluate(scope), '  2', 'text around makes it a string');
  assert.deepEqual(compileTemplate('${{ alert.tags }}').evaluate(scope), ['a', 'b']);
  assert.equal(compileTemplate('${{ alert.score > 50 }}').evaluate(scope), true);
  assert.equal(compileTemplate('${{ alert.score > 50 }}').type, 'bool');
});

test('text with expressions is interpolated; non-strings as JSON', () => {
  const template = compileTemplate(
    '${{ alert.title }} on ${{ alert.observables[0].value }} (${{ vars.count }})',
  );
  assert.equal(template.evaluate(scope), 'Beacon on 10.0.0.1 (2)');
  assert.equal(
    compileTemplate('tags=${{ alert.tags }} none=${{ null }}').evaluate(scope),
    'tags=["a","b"] none=null',
  );
  assert.equal(template.type, 'string');
});

test('objects and lists recurse; literals pass through unchanged', () => {
  const template = compileTemplate({
    ip: '${{ alert.observables[0].value }}',
    n: 3,
    deep: [{ t: '${{ alert.title }}' }],
  });
  assert.deepEqual(template.evaluate(scope), { ip: '10.0.0.1', n: 3, deep: [{ t: 'Beacon' }] });
  const literal = compileTemplate({ a: [1, 'x'], b: null });
  assert.deepEqual(literal.literal, { a: [1, 'x'], b: null });
  assert.equal(literal.expressions.length, 0);
  const first = literal.evaluate(scope) as { a: unknown[] };
  first.a.push('mutated');
  assert.deepEqual(literal.evaluate(scope), { a: [1, 'x'], b: null }, 'each evaluation is a fresh copy');
});

test('readsSecrets is true when any expression reads secrets', () => {
  assert.equal(compileTemplate({ a: 'x', b: ['Bearer ${{ secrets.token }}'] }).readsSecrets, true);
  assert.equal(compileTemplate({ a: '${{ alert.title }}' }).readsSecrets, false);
});

test('evaluation errors are ExpressionErrors naming the expression', () => {
  const template = compileTemplate({ x: 'value: ${{ alert.missing }}' });
  assert.throws(
    () => template.evaluate(scope),
    (error: unknown) =>
      error instanceof ExpressionError &&
      error.expression === 'alert.missing' &&
      /No such key/.test(error.message),
  );
});

test('compile errors carry the offset within the string', () => {
  assert.throws(
    () => compileTemplate('hello ${{ alert. }}'),
    (error: unknown) => error instanceof ExpressionError && error.reason === 'syntax' && error.offset === 16,
  );
  assert.throws(
    () => compileTemplate('hello ${{ alert.title'),
    (error: unknown) =>
      error instanceof ExpressionError && /not closed/.test(error.message) && error.offset === 6,
  );
});

test('splitting respects braces and strings inside the expression, and $${{ escapes', () => {
  assert.deepEqual(splitTemplate('a ${{ {"k": {"v": "}}"}} }} b'), [
    { kind: 'text', text: 'a ' },
    { kind: 'expression', source: ' {"k": {"v": "}}"}} ', offset: 5 },
    { kind: 'text', text: ' b' },
  ]);
  assert.deepEqual(splitTemplate('cost $${{ x }}'), [{ kind: 'text', text: 'cost ${{ x }}' }]);
  assert.equal(compileTemplate('literal $${{ x }}').evaluate(scope), 'literal ${{ x }}');
});

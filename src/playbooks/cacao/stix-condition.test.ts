import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileExpression } from '../expression.ts';
import { stixConditionToCel, StixConditionError } from './stix-condition.ts';

const DECLARED = new Set(['severity', 'score', 'user', 'done', 'host']);
const resolve = (name: string) => (DECLARED.has(name) ? `vars.${name}` : null);

/** Translates and evaluates with these run variables (CACAO variables hold strings). */
function holds(condition: string, vars: Record<string, unknown>): boolean {
  const cel = stixConditionToCel(condition, resolve);
  return compileExpression(cel).evaluate({ inputs: {}, steps: {}, vars, secrets: {} }) as boolean;
}

function refusal(condition: string): StixConditionError {
  try {
    stixConditionToCel(condition, resolve);
  } catch (error) {
    assert.ok(error instanceof StixConditionError);
    return error;
  }
  assert.fail(`"${condition}" was accepted`);
}

test('comparisons of variables and literals, as STIX patterning writes them', () => {
  assert.equal(holds("__severity__:value = 'high'", { severity: 'high' }), true);
  assert.equal(holds("[__severity__:value != 'high']", { severity: 'high' }), false);
  // Numbers are strings in CACAO variables: compared as numbers with a number literal.
  assert.equal(holds('__score__:value > 70', { score: '85' }), true);
  assert.equal(holds('__score__:value <= 70', { score: '85' }), false);
  assert.equal(holds('__done__:value = true', { done: 'true' }), true);
  assert.equal(holds('__done__:value = false', { done: 'true' }), false);
  assert.equal(holds('__severity__:value = __user__:value', { severity: 'x', user: 'x' }), true);
});

test('AND binds tighter than OR; NOT, parentheses and observation brackets', () => {
  const condition = "__severity__:value = 'low' OR __score__:value > 50 AND __user__:value = 'root'";
  assert.equal(holds(condition, { severity: 'low', score: '1', user: 'bob' }), true);
  assert.equal(holds(condition, { severity: 'high', score: '60', user: 'bob' }), false);
  assert.equal(
    holds(`(${condition.replace(' AND', ') AND')}`, { severity: 'low', score: '1', user: 'bob' }),
    false,
  );
  assert.equal(holds("NOT [__user__:value = 'root']", { user: 'bob' }), true);
  assert.equal(
    holds("[__user__:value = 'root'] or [__host__:value = 'db1']", { user: 'x', host: 'db1' }),
    true,
  );
});

test('IN, LIKE and MATCHES', () => {
  assert.equal(holds("__user__:value IN ('root', 'admin')", { user: 'admin' }), true);
  assert.equal(holds("__user__:value NOT IN ('root', 'admin')", { user: 'admin' }), false);
  assert.equal(holds('__score__:value IN (1, 2, 3)', { score: '2' }), true);
  assert.equal(holds("__host__:value LIKE 'web-%.corp'", { host: 'web-01.corp' }), true);
  // LIKE is anchored and its other characters are literal: the dot is not "any character".
  assert.equal(holds("__host__:value LIKE 'web-%.corp'", { host: 'web-01xcorp' }), false);
  assert.equal(holds("__host__:value LIKE 'db_'", { host: 'db1' }), true);
  assert.equal(holds("__host__:value MATCHES '^db[0-9]+$'", { host: 'db42' }), true);
  assert.equal(holds("__user__:value = 'o\\'brien'", { user: "o'brien" }), true);
});

test('refusals say what and where', () => {
  const path = refusal("[ipv4-addr:value = '1.2.3.4']");
  assert.match(path.message, /STIX object path/);
  assert.equal(path.offset, 1);
  assert.match(refusal("__nobody__:value = 'x'").message, /__nobody__ is not declared/);
  assert.match(refusal("__user__:value = 'x").message, /not closed/);
  assert.match(refusal("__user__:value = 'x' extra").message, /"extra" is not a variable reference/);
  assert.match(refusal("__user__:value 'x'").message, /expected a comparison operator/);
  assert.match(refusal('').message, /empty/);
  assert.match(refusal("__user__:value = 'a' AND").message, /at the end of the condition/);
  assert.match(refusal('__done__:value > true').message, /booleans compare with = or !=/);
});

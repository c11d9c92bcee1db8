import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { ExpressionScope } from '../core/playbook.ts';
import { compileExpression } from './expression.ts';
import { setExpressionGuard } from './expression-guard.ts';

/**
 * Which expressions go through the time-limit guard (a worker thread, a round trip per evaluation)
 * and which run in place: only those that could run long go to the guard.
 */
const guarded: string[] = [];
setExpressionGuard({
  evaluate(source) {
    guarded.push(source);
    return { ok: true, value: true };
  },
});
after(() => setExpressionGuard(null));

function scopeOf(values: Partial<ExpressionScope>): ExpressionScope {
  return { inputs: {}, steps: {}, vars: {}, secrets: {}, ...values };
}

function throughGuard(source: string, values: Partial<ExpressionScope> = {}): boolean {
  guarded.length = 0;
  compileExpression(source).evaluate(scopeOf(values));
  return guarded.length === 1;
}

const alert = {
  format: 'suricata',
  category: 'network',
  rule: { id: '2013028', name: 'ET POLICY curl User-Agent Outbound' },
  title: 'ET POLICY curl User-Agent',
  observables: [{ type: 'ip', value: '203.0.113.7', role: 'dst' }],
  mitre: [{ technique: 'T1071' }],
};

test('a comprehension whose body reads only its own item runs in place', () => {
  assert.equal(throughGuard('alert.observables.exists(o, o.type == "user")', { alert }), false);
  assert.equal(throughGuard('alert.observables.map(o, o.value.lowerAscii()).size() > 0', { alert }), false);
  assert.equal(
    throughGuard('alert.observables.filter(o, o.type in ["ip", "domain"]).size()', { alert }),
    false,
  );
  // One after another is not one inside another.
  assert.equal(
    throughGuard('alert.observables.exists(o, o.type == "ip") && alert.mitre.all(m, m.technique != "")', {
      alert,
    }),
    false,
  );
  assert.equal(throughGuard('alert.title.contains("curl")', { alert }), false);
});

test('what could run long goes through the guard when what it reads is large', () => {
  const inputs = { xs: Array.from({ length: 1_000 }, (_, i) => i), text: 'a needle' };
  // Nested: the list's length squared.
  assert.equal(throughGuard('inputs.xs.exists(a, inputs.xs.exists(b, a + b == -1))', { inputs }), true);
  // The body reads a root: the list's length times that value's size.
  assert.equal(throughGuard('inputs.xs.exists(a, a in inputs.xs)', { inputs }), true);
  assert.equal(throughGuard('cel.bind(t, inputs.xs, t.exists(a, a == 5))', { inputs }), true);
  // Regular expressions can backtrack, and split makes lists: the guard, however small the input.
  const small = { text: 'a needle' };
  assert.equal(throughGuard('inputs.text.matches("ne+dle")', { inputs: small }), true);
  assert.equal(throughGuard('inputs.text.split(" ").size() > 1', { inputs: small }), true);
});

test('the same expressions run in place while what they read is small, with their own answers', () => {
  const inputs = { xs: [1, 2, 3], text: 'a needle' };
  const answer = (source: string) => compileExpression(source).evaluate(scopeOf({ inputs }));
  for (const [source, expected] of [
    ['inputs.xs.exists(a, inputs.xs.exists(b, a + b == -1))', false],
    ['inputs.xs.exists(a, inputs.text.lowerAscii().contains("needle"))', true],
    ['inputs.xs.filter(a, !(a in [2])).map(a, a * inputs.xs.size())', [3, 9]],
    ['cel.bind(t, inputs.text, t.size())', 8],
  ] as const) {
    assert.equal(throughGuard(source, { inputs }), false, source);
    assert.deepEqual(answer(source), expected, source);
  }
  // Where it tips over: 14 syntax nodes × (the list and its items)^3 (nested, and the inner
  // comprehension reads a root) is within the budget for 25 items (17,576 × 14), over it for 26.
  const nested = 'inputs.xs.exists(a, inputs.xs.exists(b, a + b == -1))';
  const items = (n: number) => ({ inputs: { xs: Array.from({ length: n }, (_, i) => i) } });
  assert.equal(throughGuard(nested, items(25)), false);
  assert.equal(throughGuard(nested, items(26)), true);
});

test('a side of a top-level && that runs in place and is false answers without the guard', () => {
  const source = 'inputs.n > 5 && inputs.text.matches("ne+dle")';
  assert.equal(throughGuard(source, { inputs: { n: 1, text: 'needle' } }), false);
  assert.equal(compileExpression(source).evaluate(scopeOf({ inputs: { n: 1, text: 'x' } })), false);
  // True: the whole expression goes through the guard, which has the last word.
  assert.equal(throughGuard(source, { inputs: { n: 9, text: 'needle' } }), true);
  // A side that fails in place (no such key) settles nothing: the guard answers.
  assert.equal(
    throughGuard('inputs.missing.n > 5 && inputs.text.matches("a")', { inputs: { text: 'a' } }),
    true,
  );
  // Parenthesized sides, and chains of more than two.
  assert.equal(
    throughGuard('(inputs.n > 5) && inputs.n < 100 && (inputs.text.matches("a") || inputs.n == 1)', {
      inputs: { n: 200, text: 'a' },
    }),
    false,
  );
  // `||` at the top: nothing can be settled by one side being false.
  assert.equal(
    throughGuard('inputs.n > 5 || inputs.text.matches("a")', { inputs: { n: 1, text: 'a' } }),
    true,
  );
});

test('the built-in playbooks’ alert triggers run in place, but for a regular expression reached', () => {
  const dir = new URL('../../playbooks/builtin/', import.meta.url);
  const triggers = new Map<string, string>();
  for (const id of [
    'account_compromise',
    'malicious_file',
    'network_ids_triage',
    'phishing_report',
    'ransomware_activity',
    'vulnerable_server',
  ]) {
    const doc = parse(readFileSync(new URL(`${id}.yaml`, dir), 'utf8')) as { triggers: { alert: string } };
    triggers.set(id, doc.triggers.alert.replace(/^\$\{\{\s*|\s*\}\}$/g, ''));
  }
  const viaGuard = (a: Record<string, unknown>) =>
    [...triggers].filter(([, source]) => throughGuard(source, { alert: a })).map(([id]) => id);
  assert.deepEqual(viaGuard(alert), [], 'an IDS alert');
  // A Sentinel sign-in alert about a user reaches account_compromise's regular expression.
  const signIn = {
    ...alert,
    format: 'sentinel',
    category: 'authentication',
    title: 'Impossible travel activity',
    observables: [{ type: 'user', value: 'jdoe@example.com', role: 'target' }],
  };
  assert.deepEqual(viaGuard(signIn), ['account_compromise']);
});

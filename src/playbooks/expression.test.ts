import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExpressionScope } from '../core/playbook.ts';
import { ExpressionError, compileExpression } from './expression.ts';

function scope(values: Partial<ExpressionScope> = {}): ExpressionScope {
  return { inputs: {}, steps: {}, vars: {}, secrets: {}, ...values };
}

function evaluate(source: string, values: Partial<ExpressionScope> = {}): unknown {
  return compileExpression(source).evaluate(scope(values));
}

function failure(run: () => unknown): ExpressionError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ExpressionError, String(error));
    return error;
  }
  assert.fail('expected an ExpressionError');
}

test('JSON numbers compare and compute naturally with integer literals', () => {
  const steps = { lookup: { status: 'succeeded', output: { score: 75, ratio: 0.5 } } };
  assert.equal(evaluate('steps.lookup.output.score > 50', { steps }), true);
  assert.equal(evaluate('steps.lookup.output.score == 75', { steps }), true);
  assert.equal(evaluate('steps.lookup.output.ratio < 1', { steps }), true);
  assert.equal(evaluate('vars.seen + 1', { vars: { seen: 2 } }), 3);
  assert.equal(evaluate('2 * vars.seen', { vars: { seen: 2 } }), 4);
  assert.equal(evaluate('vars.seen / 4', { vars: { seen: 2 } }), 0.5);
  assert.equal(evaluate('alert.list[index]', { alert: { list: ['a', 'b'] }, index: 1 }), 'b');
});

test('CEL ints come out as numbers and maps as plain objects', () => {
  assert.equal(evaluate('1 + 2'), 3);
  assert.deepEqual(evaluate('[1, 2, "x"]'), [1, 2, 'x']);
  const map = evaluate('{"a": 1, "b": {"c": [true]}}');
  assert.deepEqual(map, { a: 1, b: { c: [true] } });
  assert.equal(Object.getPrototypeOf(map), Object.prototype);
  assert.equal(evaluate('timestamp("2024-01-01T00:00:00Z")'), '2024-01-01T00:00:00.000Z');
  assert.equal(evaluate('optional.of(3).orValue(1)'), 3);
  assert.equal(evaluate('alert.?missing.orValue("none")', { alert: {} }), 'none');
});

test('integers beyond 2^53 are refused rather than rounded', () => {
  const error = failure(() => evaluate('9223372036854775807'));
  assert.equal(error.reason, 'evaluation');
  assert.match(error.message, /beyond ±2\^53/);
});

test('macros, string functions and ip_in_cidr', () => {
  const alert = {
    title: 'Beacon FROM Host',
    observables: [
      { type: 'ipv4', value: '10.1.2.3' },
      { type: 'domain', value: 'evil.example' },
    ],
  };
  assert.equal(evaluate('alert.observables.exists(o, o.type == "ipv4")', { alert }), true);
  assert.deepEqual(evaluate('alert.observables.filter(o, o.type == "ipv4").map(o, o.value)', { alert }), [
    '10.1.2.3',
  ]);
  assert.equal(evaluate('size(alert.observables)', { alert }), 2);
  assert.equal(evaluate('alert.title.lowerAscii().contains("from")', { alert }), true);
  assert.equal(evaluate('alert.title.startsWith("Beacon") && alert.title.matches("H.st$")', { alert }), true);
  assert.equal(evaluate('ip_in_cidr(alert.observables[0].value, "10.0.0.0/8")', { alert }), true);
  assert.equal(evaluate('ip_in_cidr("192.168.1.1", "10.0.0.0/8")'), false);
  assert.equal(evaluate('ip_in_cidr("2001:db8::1", "2001:db8::/32")'), true);
  assert.equal(evaluate('ip_in_cidr("not an ip", "10.0.0.0/8")'), false);
  assert.match(failure(() => evaluate('ip_in_cidr("10.0.0.1", "10.0.0.0/99")')).message, /not a CIDR/);
  assert.equal(evaluate('cel.bind(n, size(alert.observables), n * 2)', { alert }), 4);
});

test("matches: JavaScript regular expressions, and RE2's leading (?i) / (?s) / (?m) flags", () => {
  const alert = { title: 'Suspicious PowerShell\ncommand line' };
  assert.equal(evaluate('alert.title.matches("(?i)^suspicious powershell")', { alert }), true);
  assert.equal(evaluate('alert.title.matches("^suspicious")', { alert }), false, 'case-sensitive by default');
  assert.equal(evaluate('alert.title.matches("(?is)powershell.command")', { alert }), true);
  assert.equal(evaluate('alert.title.matches("(?m)^command line$")', { alert }), true);
  assert.equal(evaluate("alert.title.matches(r'(?i)\\bPOWERSHELL\\b')", { alert }), true, 'a raw string');
  assert.equal(evaluate('alert.title.matches("(?i:SHELL)")', { alert }), true, 'a scoped group, as in RE2');
  // Only a leading group is a flag group; elsewhere RE2 flags are not JavaScript syntax.
  assert.match(
    failure(() => evaluate('alert.title.matches("x(?i)y")', { alert })).message,
    /Invalid regular expression/,
  );
  // The expression's own errors still point into what the user wrote.
  const error = failure(() => compileExpression('alert.title.matches("(?i)a") && nope > 1'));
  assert.equal(error.offset, 'alert.title.matches("(?i)a") && '.length);
});

test('has() tests for a field; reading a missing key is an error naming it', () => {
  assert.equal(evaluate('has(alert.score)', { alert: {} }), false);
  assert.equal(evaluate('has(alert.score) && alert.score > 1', { alert: { score: 3 } }), true);
  const error = failure(() => evaluate('alert.score > 1', { alert: { title: 'x' } }));
  assert.equal(error.reason, 'evaluation');
  assert.match(error.message, /No such key: score in \$\{\{ alert\.score > 1 \}\}/);
  assert.deepEqual(error.shapes, { alert: 'map{title: string}' });
});

test('a root the run lacks reads as null', () => {
  assert.equal(evaluate('alert == null'), true);
  assert.equal(evaluate('alert != null && alert.severity == "high"'), false);
});

test('shapes describe what each read path found, never values', () => {
  const steps = { lookup: { status: 'succeeded', output: { score: 'high', tags: ['a', 'b'] } } };
  const error = failure(() => evaluate('steps.lookup.output.score + 1 > vars.limit', { steps, vars: {} }));
  assert.deepEqual(error.shapes, {
    'steps.lookup.output': 'map{score: string, tags: list(2)}',
    vars: 'map{}',
  });
  assert.doesNotMatch(JSON.stringify(error.shapes), /high/);
});

test('secret values never appear in an error', () => {
  const secrets = { api_key: 'hunter2-very-secret' };
  for (const source of [
    'int(secrets.api_key) > 1',
    'secrets.api_key.matches("(")',
    'secrets.api_key + 1',
    'secrets.api_key.nope',
    'ip_in_cidr("1.1.1.1", secrets.api_key)',
  ]) {
    const error = failure(() => compileExpression(source).evaluate(scope({ secrets })));
    const everything = `${error.message} ${error.detail} ${JSON.stringify(error.shapes)} ${error.stack ?? ''}`;
    assert.doesNotMatch(everything, /hunter2/, source);
  }
  assert.equal(compileExpression('secrets.api_key').readsSecrets, true);
  assert.equal(compileExpression('alert.x').readsSecrets, false);
});

test('scope values and results over the bounds fail with reason bounds', () => {
  const big = { items: Array.from({ length: 10_001 }, (_, index) => index) };
  const tooMany = failure(() => evaluate('size(alert.items) > 0', { alert: big }));
  assert.equal(tooMany.reason, 'bounds');
  assert.match(tooMany.message, /10001 items/);
  const huge = { text: 'x'.repeat(1024 * 1024 + 10) };
  assert.equal(failure(() => evaluate('alert.text', { alert: huge })).reason, 'bounds');
  // Reading something small beside a large value is fine: only what is read is measured.
  assert.equal(evaluate('alert.title', { alert: { title: 't', raw: 'x'.repeat(2 * 1024 * 1024) } }), 't');
  const list = { l: Array.from({ length: 6000 }, () => 'abcdefghij') };
  const concat = failure(() => evaluate('alert.l + alert.l', { alert: list }));
  assert.equal(concat.reason, 'bounds');
  assert.match(concat.message, /the result/);
});

test('values measured already are not measured again, and those measured are added', () => {
  const big = { items: Array.from({ length: 10_001 }, (_, index) => index) };
  const scope = { inputs: {}, steps: {}, vars: {}, secrets: {}, alert: big } as ExpressionScope;
  const expression = compileExpression('size(alert.items)');
  const measured = new Map<unknown, number>();
  assert.equal(failure(() => expression.evaluate(scope, measured)).reason, 'bounds');
  assert.equal(measured.size, 0, 'a value over the bounds is never taken as measured');
  // The caller vouches for the list (it was measured before): the read is not measured again.
  assert.equal(expression.evaluate(scope, new Map([[big.items, 10_002]])), 10_001);
  // Another value does not vouch for it, not even the map holding it.
  assert.equal(failure(() => expression.evaluate(scope, new Map([[big, 10_003]]))).reason, 'bounds');
  const small = { items: [1, 2, 3] };
  assert.equal(expression.evaluate({ ...scope, alert: small }, measured), 3);
  // With how many values it holds: the list and its three items.
  assert.equal(measured.get(small.items), 4);
});

test('syntax errors carry the offset inside the expression', () => {
  const error = failure(() => compileExpression('alert.severity == '));
  assert.equal(error.reason, 'syntax');
  assert.equal(error.offset, 18);
  assert.equal(failure(() => compileExpression('  ')).reason, 'syntax');
});

test('unknown roots are refused at compile time, with suggestions', () => {
  const error = failure(() => compileExpression('alrt.severity == "high"'));
  assert.equal(error.reason, 'reference');
  assert.equal(error.offset, 0);
  assert.match(error.message, /unknown name `alrt`.*did you mean "alert"/);
  const item = failure(() => compileExpression('item.value', { roots: ['alert', 'steps'] }));
  assert.match(item.message, /only available inside a for_each/);
  assert.match(
    failure(() => compileExpression('event.ok', { roots: ['alert'] })).message,
    /wait event match/,
  );
  assert.match(
    failure(() => compileExpression('steps.x', { roots: ['alert'] })).message,
    /not available here/,
  );
  // Macro variables and CEL's own names are not roots.
  compileExpression('alert.observables.all(o, type(o) == map)', { roots: ['alert'] });
});

test('type errors CEL can see statically are reported at compile time', () => {
  const error = failure(() => compileExpression('"score: " + 1'));
  assert.equal(error.reason, 'type');
  assert.match(error.message, /no such overload/);
});

test('parse-time bounds: size, depth and nested comprehensions', () => {
  assert.equal(failure(() => compileExpression('1 + '.repeat(2000) + '1')).reason, 'bounds');
  assert.throws(() => compileExpression('('.repeat(100) + '1' + ')'.repeat(100)), ExpressionError);
  const nested = 'alert.a.exists(x, alert.b.exists(y, alert.c.exists(z, x == y && y == z)))';
  assert.match(failure(() => compileExpression(nested)).message, /nested 3 deep/);
  compileExpression('alert.a.exists(x, x.tags.exists(t, t == "bad"))');
});

test('reads record static paths with their offsets', () => {
  const expression = compileExpression('steps.lookup.output.score > 1 && alert["x-y"].z == item');
  assert.deepEqual(
    expression.reads.map((read) => [read.path.join('.'), read.start]),
    [
      ['steps.lookup.output.score', 0],
      ['alert.x-y.z', 33],
      ['item', 51],
    ],
  );
  assert.equal(compileExpression('1 == 1').type, 'bool');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorsOf, findError } from '../../test/fixtures/playbooks/compile-fixture.ts';
import { MAX_PLAYBOOK_BYTES, parsePlaybookYaml } from './parse-playbook-yaml.ts';

test('YAML syntax errors carry file, line and column', () => {
  const errors = errorsOf('id: p\nname: P\nsteps:\n  - id: a\n    uses: [core.echo\n');
  const [error] = errors;
  assert.equal(error?.file, 'test.yaml');
  assert.match(error?.message ?? '', /^YAML syntax error: /);
  assert.ok((error?.line ?? 0) >= 5, `line ${error?.line}`);
});

test('an unquoted expression in a flow mapping gets a hint', () => {
  const errors = errorsOf(
    'id: p\nname: P\nsteps:\n- id: a\n  uses: core.echo\n  with: { value: ${{ alert.id }} }\n',
  );
  assert.match(errors[0]?.message ?? '', /quote an expression that sits inside \{ \} or \[ \]/);
  assert.equal(errors[0]?.line, 6);
});

test('duplicate keys are refused where the second one is', () => {
  const error = findError(errorsOf('id: p\nname: P\nname: Q\nsteps: []\n'), /duplicate key/);
  assert.deepEqual([error.line, error.column], [3, 1]);
});

test('aliases are refused (no expansion bombs)', () => {
  const text = 'id: p\nname: &n P\ndescription: *n\nsteps:\n- id: a\n  end: true\n';
  const error = findError(errorsOf(text), /aliases/);
  assert.deepEqual([error.line, error.column], [3, 14]);
  assert.match(error.message, /\*n/);
});

test('documents over the size limit are refused before parsing', () => {
  const result = parsePlaybookYaml(`id: p\ndescription: "${'x'.repeat(MAX_PLAYBOOK_BYTES)}"\n`, 'big.yaml');
  assert.ok(!result.ok);
  assert.match(result.errors[0]?.message ?? '', /larger than 1048576 bytes/);
});

test('the root must be a mapping; empty and multi-document input is refused', () => {
  assert.match(errorsOf('- a\n- b\n')[0]?.message ?? '', /a playbook is a mapping/);
  assert.match(errorsOf('')[0]?.message ?? '', /the document is empty/);
  assert.match(errorsOf('# just a comment\n')[0]?.message ?? '', /the document is empty/);
  assert.match(errorsOf('id: a\n---\nid: b\n')[0]?.message ?? '', /YAML syntax error/);
});

test('positions are kept for nested nodes', () => {
  const result = parsePlaybookYaml('id: p\nsteps:\n  - id: a\n    with:\n      x: 1\n', 'f.yaml');
  assert.ok(result.ok);
  const { root, issues } = result.yaml;
  const node = root.getIn(['steps', 0, 'with', 'x'], true) as { range: [number, number, number] };
  assert.deepEqual(issues.position(node.range[0]), { line: 5, column: 10 });
});

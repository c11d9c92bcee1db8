import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FILE, errorsOf, findError, withSteps, yaml } from '../../test/fixtures/playbooks/compile-fixture.ts';
import { readFileSync } from 'node:fs';
import { testCatalog } from '../../test/fixtures/playbooks/test-catalog.ts';
import { compilePlaybook } from './compile-playbook.ts';
import { formatIssues } from './playbook-issue.ts';

// withSteps puts the first step on line 4.

test('required top-level keys, with the document position', () => {
  const errors = errorsOf('description: nothing else\n');
  for (const key of ['id', 'name', 'steps']) {
    const error = findError(errors, new RegExp(`missing the required key "${key}"`));
    assert.deepEqual([error.file, error.line, error.column, error.path], [FILE, 1, 1, key]);
  }
});

test('wrong types name the path, what was found and what is expected', () => {
  const errors = errorsOf('id: 42\nname: [a]\norder: -1\nenabled: "yes"\nsteps: []\n');
  const id = findError(errors, /^id must be/);
  assert.deepEqual([id.line, id.column, id.path], [1, 5, 'id']);
  assert.match(id.message, /not number 42/);
  assert.equal(id.expected, 'a lowercase snake slug such as enrich_ip');
  assert.match(findError(errors, /^name must be/).message, /not a list/);
  assert.deepEqual(findError(errors, /^order must be/).line, 3);
  assert.match(findError(errors, /^enabled must be true or false/).message, /the string "yes"/);
  assert.match(findError(errors, /^steps must be a non-empty list/).message, /not a list/);
});

test('unknown keys, with a suggestion for near misses', () => {
  const errors = errorsOf(
    withSteps(`
    - id: a
      uses: core.echo
      wiht: {}
      retry: { atempts: 2 }
    - id: b
      uses: core.echo
      totally_unknown: 1
  `) + 'descripton: x\n',
  );
  const wiht = findError(errors, /"wiht"/);
  assert.deepEqual([wiht.line, wiht.column, wiht.path], [6, 3, 'steps[0].wiht']);
  assert.match(wiht.message, /did you mean "with"/);
  assert.match(findError(errors, /"atempts"/).message, /did you mean "attempts"/);
  assert.doesNotMatch(findError(errors, /"totally_unknown"/).message, /did you mean/);
  assert.match(
    findError(errors, /"descripton"/).message,
    /at the top level \(did you mean "description"\?\)/,
  );
});

test('keys of another kind are named as such', () => {
  const errors = errorsOf(
    withSteps(`
    - id: a
      if: true
      next: b
    - id: b
      end: true
      timeout: 1s
  `),
  );
  assert.match(
    findError(errors, /"next"/).message,
    /"next" does not apply to an if step \(it goes on with then\/else\)/,
  );
  assert.match(findError(errors, /"timeout"/).message, /does not apply to an end step/);
});

test('a step needs exactly one kind', () => {
  const errors = errorsOf(
    withSteps(`
    - id: a
      next: b
    - id: b
      uses: core.echo
      if: true
  `),
  );
  const none = findError(errors, /does not say what it does/);
  assert.deepEqual([none.line, none.column, none.path], [4, 3, 'steps[0]']);
  assert.match(findError(errors, /one kind only/).message, /"uses" and "if"/);
});

test('unknown actions, with suggestions', () => {
  const errors = errorsOf(
    withSteps(`
    - id: a
      uses: test.blok
    - id: b
      uses: NotAnAction
  `),
  );
  const unknown = findError(errors, /unknown action/);
  assert.deepEqual([unknown.line, unknown.column, unknown.path], [5, 9, 'steps[0].uses']);
  assert.match(unknown.message, /"test.blok" \(did you mean "test.block"\?\)/);
  assert.match(findError(errors, /steps\[1\]\.uses must be/).message, /an action id such as/);
});

test('action inputs: missing, unknown, literal of the wrong type, expression of a known wrong type', () => {
  const errors = errorsOf(
    withSteps(`
    - id: a
      uses: test.lookup
      with:
        limit: "ten"
        extra: 1
    - id: b
      uses: test.block
      with: { ip: '\${{ 1 + 2 }}', mode: drop }
    - id: c
      uses: test.block
      with: { ip: 'ip \${{ 1 }}', mode: 'nope' }
    - id: d
      uses: core.echo
      with: { anything: 1, value: 5 }
  `),
  );
  const missing = findError(errors, /missing required input "ip"/);
  assert.deepEqual([missing.line, missing.column, missing.path], [6, 3, 'steps[0].with.ip']);
  const wrong = findError(errors, /limit/);
  assert.deepEqual([wrong.line, wrong.column], [7, 12]);
  assert.match(wrong.message, /steps\[0\]\.with\.limit: expected integer \(input of test\.lookup\)/);
  assert.match(findError(errors, /no input "extra"/).message, /test\.lookup has no input/);
  assert.match(
    findError(errors, /steps\[1\]\.with\.ip/).message,
    /gives an integer, but test\.block expects a string/,
  );
  assert.match(findError(errors, /steps\[2\]\.with\.mode/).message, /expected one of drop, reject/);
  assert.match(findError(errors, /steps\[3\]\.with\.value/).message, /expected string/);
  assert.equal(errors.length, 6, formatIssues(errors));
});

test('expression syntax errors point at the character in the YAML', () => {
  const errors = errorsOf(
    withSteps(`
    - id: a
      if: \${{ alert.severity == }}
    - id: b
      uses: core.echo
      with:
        value: "prefix \${{ alert.(x) }}"
  `),
  );
  const first = findError(errors, /steps\[0\]\.if/);
  assert.deepEqual([first.line, first.column], [5, 28]);
  const second = findError(errors, /steps\[1\]\.with\.value/);
  assert.deepEqual([second.line, second.column], [9, 30]);
});

test('expressions: unknown roots, item outside for_each, event outside a wait match', () => {
  const errors = errorsOf(
    withSteps(`
    - id: a
      if: \${{ input.ip == "x" }}
    - id: b
      uses: core.echo
      with: { value: '\${{ item.value }}' }
    - id: c
      wait: { until: '\${{ event.ok }}', timeout: 1m }
  `),
  );
  assert.match(findError(errors, /`input`/).message, /unknown name `input`.*did you mean "inputs"/);
  const item = findError(errors, /`item`/);
  assert.equal(item.path, 'steps[1].with.value');
  assert.match(item.message, /only available inside a for_each body/);
  assert.match(findError(errors, /`event`/).message, /only available in a wait event match/);
});

test('a field that must be one expression refuses text and interpolation', () => {
  const errors = errorsOf(
    withSteps(`
    - id: a
      if: alert.severity == "high"
    - id: b
      for_each: 'items: \${{ alert.observables }}'
      do: [{ id: c, end: true }]
  `),
  );
  assert.match(
    findError(errors, /steps\[0\]\.if must be/).message,
    /one expression written as \$\{\{ … \}\}/,
  );
  assert.match(findError(errors, /steps\[1\]\.for_each must be/).message, /one expression/);
});

test('cron and duration syntax', () => {
  const errors = errorsOf(
    `id: p\nname: P\ntriggers:\n  schedule: ['* * *', '0 25 * * *']\nsteps:\n- id: a\n  wait: { delay: 10 minutes }\n- id: b\n  wait: { delay: 0s }\n`,
  );
  assert.match(findError(errors, /schedule\[0\]/).message, /has 3 field/);
  assert.match(findError(errors, /schedule\[1\]/).message, /hour "25": 25 is outside 0-23/);
  const duration = findError(errors, /steps\[0\]\.wait\.delay/);
  assert.deepEqual([duration.line, duration.column], [7, 18]);
  assert.match(duration.message, /not a valid duration/);
  assert.match(findError(errors, /steps\[1\]\.wait\.delay/).message, /above zero/);
});

test('kind-specific rules: quorum, escalation, task answers, waits, form fields', () => {
  const errors = errorsOf(
    withSteps(`
    - id: a
      approval: { title: x, approvers: { user: bob }, quorum: 2, expires_in: 1h, on_expiry: escalate }
    - id: b
      approval: { title: x, approvers: { role: r }, quorum: 0, expires_in: 1h }
    - id: c
      task: { title: x, assignee: { role: r }, choices: [a, b], form: [] }
    - id: d
      task: { title: x, assignee: { role: r, user: u }, choices: [a], on_expiry: { choose: z } }
    - id: e
      wait: { delay: 1s, event: x }
    - id: f
      wait: { until: '\${{ true }}' }
    - id: g
      task:
        title: x
        assignee: { role: r }
        form: [{ id: pick, label: Pick, type: choice }, { id: n, label: N, type: number, options: [a] }]
    - id: h
      for_each: \${{ alert.observables }}
      concurrency: 500
      do: [{ id: i, end: true }]
  `),
  );
  assert.match(findError(errors, /single user/).message, /quorum of 2 cannot be reached/);
  assert.match(findError(errors, /escalate needs escalate_to/).path, /steps\[0\]\.approval\.escalate_to/);
  assert.match(findError(errors, /steps\[1\]\.approval\.quorum/).message, /from 1 to 20/);
  assert.match(findError(errors, /exactly one of choices or form/).path, /steps\[2\]\.task/);
  assert.match(
    findError(errors, /steps\[3\]\.task\.assignee/).message,
    /\{ role: <role> \} or \{ user: <user> \}/,
  );
  assert.match(findError(errors, /choose/).message, /must be one of a/);
  assert.match(findError(errors, /exactly one of delay, until, event/).message, /found delay and event/);
  assert.match(findError(errors, /needs a timeout/).path, /steps\[5\]\.wait\.timeout/);
  assert.match(findError(errors, /is a choice and needs options/).path, /steps\[6\]\.task\.form\[0\]/);
  assert.match(findError(errors, /options only apply/).path, /form\[1\]\.options/);
  assert.match(findError(errors, /concurrency/).message, /from 1 to 50/);
});

test('inputs: types, defaults, and a required input cannot have a default', () => {
  const errors = errorsOf(
    yaml(`
      id: p
      name: P
      inputs:
        a: { type: number, default: "five" }
        b: { type: string, required: true, default: x }
        Bad: { type: any }
        c: { required: true }
        d: { type: string, default: '\${{ alert.id }}' }
      steps:
      - id: s
        end: true
    `),
  );
  assert.match(findError(errors, /inputs\.a\.default must be/).message, /a default of type number/);
  assert.match(findError(errors, /cannot also be required/).path, /inputs\.b\.default/);
  assert.match(findError(errors, /input name "Bad"/).message, /lowercase snake slug/);
  assert.equal(findError(errors, /inputs\.c is missing the required key "type"/).line, 7);
  assert.match(findError(errors, /literal/).message, /cannot hold/);
});

test('a playbook cannot call itself', () => {
  const errors = errorsOf(
    withSteps(`
    - id: a
      playbook: test_playbook
  `),
  );
  assert.match(findError(errors, /cannot run itself/).path, /steps\[0\]\.playbook/);
});

test('formatIssues prints file:line:column: message, in document order', () => {
  const errors = errorsOf(
    withSteps(`
    - id: b
      uses: nope.nope
    - id: A
      end: true
  `),
  );
  assert.equal(
    formatIssues(errors),
    [
      'test.yaml:5:9: unknown action "nope.nope"',
      'test.yaml:6:7: steps[1].id must be a lowercase snake slug such as enrich_ip, not the string "A"',
    ].join('\n'),
  );
});

test('golden: a playbook with many mistakes reports each of them, in order', () => {
  const directory = new URL('../../test/fixtures/playbooks/invalid/', import.meta.url);
  const text = readFileSync(new URL('many-errors.yaml', directory), 'utf8');
  const expected = readFileSync(new URL('many-errors.txt', directory), 'utf8');
  const result = compilePlaybook(text, { file: 'invalid/many-errors.yaml', catalog: testCatalog });
  assert.ok(!result.ok);
  assert.equal(`${formatIssues(result.errors)}\n`, expected);
});

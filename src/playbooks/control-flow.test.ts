import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compileYaml,
  errorsOf,
  findError,
  withSteps,
} from '../../test/fixtures/playbooks/compile-fixture.ts';
import type { PlaybookIssue } from './playbook-issue.ts';

// withSteps puts the first step on line 4.

function errorsOrWarnings(text: string): { errors: PlaybookIssue[]; warnings: PlaybookIssue[] } {
  const result = compileYaml(text);
  return { errors: result.ok ? [] : result.errors, warnings: result.warnings };
}

test('duplicate step ids anywhere in the playbook', () => {
  const errors = errorsOf(
    withSteps(`
    - id: a
      for_each: \${{ alert.observables }}
      do:
        - id: dup
          uses: core.echo
    - id: dup
      uses: core.echo
  `),
  );
  const error = findError(errors, /duplicate step id "dup"/);
  assert.deepEqual([error.line, error.column, error.path], [9, 3, 'steps[1].id']);
  assert.match(error.message, /first used at line 7, steps\[0\]\.do\[0\]/);
});

test('references to missing steps, and outside their block', () => {
  const errors = errorsOf(
    withSteps(`
    - id: a
      uses: core.echo
      next: chek
      on_error: each
    - id: check
      switch: \${{ alert.kind }}
      cases: { x: inner }
    - id: each
      for_each: \${{ alert.observables }}
      do:
        - id: inner
          uses: core.echo
          on_error: check
  `),
  );
  const missing = findError(errors, /no step "chek"/);
  assert.deepEqual([missing.line, missing.column, missing.path], [6, 9, 'steps[0].next']);
  assert.match(missing.message, /did you mean "check"/);
  const caseOut = findError(errors, /"inner" is in block each\.do/);
  assert.equal(caseOut.path, 'steps[1].cases.x');
  assert.match(caseOut.message, /own block \(main\)/);
  const errorOut = findError(errors, /"check" is in block main/);
  assert.equal(errorOut.path, 'steps[2].do[0].on_error');
});

test('cycles name their steps; only for_each repeats', () => {
  const errors = errorsOf(
    withSteps(`
    - id: a
      uses: core.echo
    - id: b
      if: \${{ vars.again }}
      then: c
      else: d
    - id: c
      uses: core.echo
      next: a
    - id: d
      end: true
  `),
  );
  const error = findError(errors, /steps loop/);
  assert.match(error.message, /steps loop: a → b → c → a; only for_each repeats steps/);
  assert.deepEqual([error.line, error.column, error.path], [12, 9, 'steps[2].next']);
  const self = errorsOf(
    withSteps(`
    - id: a
      uses: core.echo
      on_error: a
  `),
  );
  assert.match(findError(self, /steps loop/).message, /a → a/);
});

test('unreachable steps are warnings, not errors', () => {
  const result = errorsOrWarnings(
    withSteps(`
    - id: a
      uses: core.echo
      next: c
    - id: b
      uses: core.echo
    - id: c
      end: true
  `),
  );
  assert.equal(result.errors.length, 0);
  const [warning] = result.warnings;
  assert.equal(warning?.path, 'steps[1]');
  assert.match(warning?.message ?? '', /step "b" is never reached/);
});

test('steps.X and inputs.X must exist', () => {
  const errors = errorsOf(
    `id: p\nname: P\ninputs:\n  ip: { type: string }\nsteps:\n- id: a\n  if: \${{ steps.lokup.output.x && inputs.ipp == "" }}\n`,
  );
  const step = findError(errors, /steps\.lokup/);
  assert.deepEqual([step.line, step.column], [7, 11]);
  const input = findError(errors, /inputs\.ipp/);
  assert.match(input.message, /declares no input "ipp" \(did you mean "ip"\?\)/);
  assert.deepEqual([input.line, input.column], [7, 35]);
});

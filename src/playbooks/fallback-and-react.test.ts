import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse } from 'yaml';
import type { ActionCatalog, ActionDefinition } from '../core/action.ts';
import {
  errorsOf,
  findError,
  planOf,
  stepOf,
  withSteps,
  yaml,
} from '../../test/fixtures/playbooks/compile-fixture.ts';
import { testCatalog } from '../../test/fixtures/playbooks/test-catalog.ts';
import { compilePlaybook } from './compile-playbook.ts';
import { planGraph } from './plan-graph.ts';
import { playbookSchemaType } from './playbook-schema.ts';

const schemaErrors = (text: string) =>
  [...Value.Errors(playbookSchemaType, parse(text))].map((e) => `${e.path} ${e.message}`);

test('triggers.fallback: true marks the alert trigger as a fallback; absent or false does not', () => {
  const text = yaml(`
    id: checklist
    name: Checklist
    triggers: { alert: true, fallback: true }
    steps:
      - { id: done, end: true }
  `);
  assert.equal(planOf(text).triggers.fallback, true);
  assert.deepEqual(schemaErrors(text), []);
  const plain = planOf(text.replace('fallback: true', 'fallback: false'));
  assert.equal(plain.triggers.fallback, undefined);
  assert.equal(planOf(text.replace(', fallback: true', '')).triggers.fallback, undefined);
});

test('triggers.fallback needs an alert trigger and a boolean', () => {
  const alone = errorsOf(
    yaml(`
      id: p
      name: P
      triggers: { manual: true, fallback: true }
      steps:
        - { id: done, end: true }
    `),
  );
  const error = findError(alone, /fallback applies to the alert trigger/);
  assert.deepEqual([error.line, error.path], [3, 'triggers.fallback']);
  const wrongType = errorsOf(
    yaml(`
      id: p
      name: P
      triggers: { alert: true, fallback: sometimes }
      steps:
        - { id: done, end: true }
    `),
  );
  findError(wrongType, /triggers\.fallback must be true or false/);
});

test('react: on action, task, approval and playbook steps, checked as a RE&CT id', () => {
  const plan = planOf(
    withSteps(`
    - id: block
      uses: test.block
      with: { ip: 192.0.2.1 }
      react: RA3101
    - id: collect
      task: { title: Collect the mail, assignee: { role: analyst }, choices: [done] }
      react: RA2202
    - id: approve
      approval: { title: Go?, approvers: { role: manager }, expires_in: 1h }
      react: RA3203
    - id: plain
      uses: core.echo
  `),
  );
  assert.equal(stepOf(plan.steps, 'block', 'action').react, 'RA3101');
  assert.equal(stepOf(plan.steps, 'collect', 'task').react, 'RA2202');
  assert.equal(stepOf(plan.steps, 'approve', 'approval').react, 'RA3203');
  assert.equal(stepOf(plan.steps, 'plain', 'action').react, undefined);
  const graph = planGraph(plan);
  assert.equal(graph.nodes.find((n) => n.id === 'block')?.react, 'RA3101');
  assert.equal(graph.nodes.find((n) => n.id === 'plain')?.react, undefined);
});

test('react: a malformed id is an error at its position; react on a flow step does not apply', () => {
  const errors = errorsOf(
    withSteps(`
    - id: block
      uses: test.block
      with: { ip: 192.0.2.1 }
      react: block-ip
    - id: route
      if: true
      react: RA3101
  `),
  );
  const bad = findError(errors, /must be a RE&CT response action id/);
  assert.deepEqual([bad.line, bad.path], [7, 'steps[0].react']);
  findError(errors, /"react" does not apply to an if step/);
  assert.notDeepEqual(schemaErrors(withSteps('- { id: a, uses: core.echo, react: RA99 }')), []);
  assert.deepEqual(schemaErrors(withSteps('- { id: a, uses: core.echo, react: RA2104 }')), []);
});

test("an action step without react: takes the action's own RE&CT id; its own react: wins", () => {
  const quarantine: ActionDefinition = {
    id: 'mail.quarantine',
    title: 'q',
    description: 'q',
    effect: 'destructive',
    input: Type.Object({}),
    timeoutMs: 1_000,
    retry: null,
    react: 'RA3203',
    run: async () => ({}),
  };
  const catalog: ActionCatalog = {
    get: (id) => (id === quarantine.id ? quarantine : testCatalog.get(id)),
    list: () => [...testCatalog.list(), quarantine],
  };
  const result = compilePlaybook(
    withSteps(`
    - id: inherited
      uses: mail.quarantine
    - id: overridden
      uses: mail.quarantine
      react: RA4201
  `),
    { file: 'p.yaml', catalog },
  );
  assert.ok(result.ok);
  assert.equal(result.plan.steps['inherited']?.react, 'RA3203');
  assert.equal(result.plan.steps['overridden']?.react, 'RA4201');
});

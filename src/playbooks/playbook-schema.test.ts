import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { Value } from '@sinclair/typebox/value';
import { parse } from 'yaml';
import { compileYaml } from '../../test/fixtures/playbooks/compile-fixture.ts';
import { formatIssues } from './playbook-issue.ts';
import { playbookJsonSchema, playbookSchemaType } from './playbook-schema.ts';

const fixtures = new URL('../../test/fixtures/playbooks/', import.meta.url);
const docs = new URL('../../docs/playbooks.md', import.meta.url);

/** Every complete playbook in the guide: the ```yaml blocks that have a top-level `steps:`. */
function guideExamples(): string[] {
  const text = readFileSync(docs, 'utf8');
  return [...text.matchAll(/```yaml\n([\s\S]*?)```/g)]
    .map((match) => match[1] as string)
    .filter((block) => /^steps:/m.test(block) && /^id:/m.test(block));
}

function schemaErrors(text: string): string[] {
  const value: unknown = parse(text);
  return [...Value.Errors(playbookSchemaType, value)].map((error) => `${error.path} ${error.message}`);
}

const valid = [
  ...readdirSync(fixtures)
    .filter((name) => name.endsWith('.yaml'))
    .map((name) => ({ name, text: readFileSync(new URL(name, fixtures), 'utf8') })),
  ...guideExamples().map((text, index) => ({ name: `docs example ${index + 1}`, text })),
];

test('the guide has complete examples', () => {
  assert.ok(guideExamples().length >= 3, `found ${guideExamples().length}`);
});

for (const { name, text } of valid) {
  test(`${name} passes the validator and the JSON Schema`, () => {
    const result = compileYaml(text);
    assert.ok(result.ok, result.ok ? '' : formatIssues(result.errors));
    assert.deepEqual(schemaErrors(text), []);
  });
}

const invalid: Record<string, string> = {
  'unknown top-level key': 'id: p\nname: P\ncolour: red\nsteps:\n- { id: a, end: true }\n',
  'missing name': 'id: p\nsteps:\n- { id: a, end: true }\n',
  'bad id': 'id: Not-A-Slug\nname: P\nsteps:\n- { id: a, end: true }\n',
  'step without a kind': 'id: p\nname: P\nsteps:\n- { id: a, next: b }\n',
  'step with two kinds': 'id: p\nname: P\nsteps:\n- { id: a, end: true, fail: x }\n',
  'unknown step key': 'id: p\nname: P\nsteps:\n- { id: a, uses: core.echo, wiht: {} }\n',
  'next on an if step': 'id: p\nname: P\nsteps:\n- { id: a, if: true, next: a }\n',
  'bad duration': 'id: p\nname: P\nsteps:\n- { id: a, wait: { delay: soon } }\n',
  'quorum zero':
    'id: p\nname: P\nsteps:\n- id: a\n  approval: { title: t, approvers: { role: r }, quorum: 0, expires_in: 1h }\n',
  'approval without expiry':
    'id: p\nname: P\nsteps:\n- id: a\n  approval: { title: t, approvers: { role: r } }\n',
  'assignee with both':
    'id: p\nname: P\nsteps:\n- id: a\n  task: { title: t, assignee: { role: r, user: u }, choices: [x] }\n',
  'case event': 'id: p\nname: P\ntriggers: { case: [reopened] }\nsteps:\n- { id: a, end: true }\n',
  'concurrency too high':
    "id: p\nname: P\nsteps:\n- id: a\n  for_each: '${{ alert.x }}'\n  concurrency: 99\n  do: [{ id: b, end: true }]\n",
  'empty steps': 'id: p\nname: P\nsteps: []\n',
};

for (const [name, text] of Object.entries(invalid)) {
  test(`invalid (${name}) fails the validator and the JSON Schema`, () => {
    assert.equal(compileYaml(text).ok, false);
    assert.notDeepEqual(schemaErrors(text), []);
  });
}

test('the served schema is draft 2020-12, self-contained, and describes every property', () => {
  const json = JSON.parse(JSON.stringify(playbookJsonSchema)) as Record<string, unknown>;
  assert.equal(json['$schema'], 'https://json-schema.org/draft/2020-12/schema');
  assert.equal(json['$id'], 'https://riposte.dev/api/v1/schemas/playbook.json');
  const undescribed: string[] = [];
  const refs: string[] = [];
  const walk = (node: unknown, path: string): void => {
    if (Array.isArray(node)) return node.forEach((item, index) => walk(item, `${path}[${index}]`));
    if (typeof node !== 'object' || node === null) return;
    const record = node as Record<string, unknown>;
    if (typeof record['$ref'] === 'string') refs.push(record['$ref']);
    const properties = record['properties'];
    if (typeof properties === 'object' && properties !== null) {
      for (const [key, schema] of Object.entries(properties)) {
        if (typeof (schema as Record<string, unknown>)['description'] !== 'string')
          undescribed.push(`${path}.${key}`);
      }
    }
    for (const [key, value] of Object.entries(record)) walk(value, `${path}.${key}`);
  };
  walk(json, '');
  assert.deepEqual(undescribed, []);
  assert.ok(refs.length > 0);
  assert.deepEqual([...new Set(refs)], ['#/$defs/Step']);
  assert.ok(typeof (json['$defs'] as Record<string, unknown>)['Step'] === 'object');
});

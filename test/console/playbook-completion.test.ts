import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { playbookJsonSchema } from '../../src/playbooks/playbook-schema.ts';
import {
  completionsAt,
  stepLine,
  type CompletionSources,
} from '../../web/src/playbook-editor/completion-options.ts';
import { keyOptions, schemasAt, valueOptions } from '../../web/src/playbook-editor/schema-lookup.ts';
import { yamlContextAt, yamlEntries } from '../../web/src/playbook-editor/yaml-path.ts';

/** `‸` marks the cursor. */
function at(marked: string): { text: string; offset: number } {
  const offset = marked.indexOf('‸');
  assert.ok(offset >= 0, 'the text marks the cursor with ‸');
  return { text: marked.slice(0, offset) + marked.slice(offset + 1), offset };
}

const context = (marked: string) => {
  const { text, offset } = at(marked);
  return yamlContextAt(text, offset);
};

const SOURCES: CompletionSources = {
  schema: playbookJsonSchema,
  actions: [
    {
      id: 'core.echo',
      description: 'Returns its inputs.',
      effect: 'read',
      input: { type: 'object', additionalProperties: true },
    },
    {
      id: 'riposte.add_case_comment',
      description: 'Adds a comment to a case.',
      effect: 'write',
      input: {
        type: 'object',
        required: ['case_id', 'body'],
        properties: {
          case_id: { type: 'string', description: 'The case.' },
          body: { type: 'string', description: 'The comment.' },
        },
      },
    },
  ],
  playbooks: [{ id: 'enrich_ip', name: 'Enrich IP' }],
};

const labels = (marked: string) => {
  const { text, offset } = at(marked);
  return completionsAt(text, offset, SOURCES)?.options.map((o) => o.label) ?? [];
};

const PLAYBOOK = `id: demo
name: Demo
steps:
  - id: lookup
    uses: core.echo
    with:
      ip: 1.2.3.4
  - id: check
    if: \${{ true }}
    then: done
  - id: each
    for_each: \${{ [1, 2] }}
    do:
      - id: inner_a
        uses: core.echo
      - id: inner_b
        uses: core.echo
  - id: done
    end: true
`;

describe('the YAML path at the cursor', () => {
  it('follows keys and list items by indentation', () => {
    assert.deepEqual(context('steps:\n  - id: a\n    uses: x\n    wi‸'), {
      kind: 'key',
      path: ['steps', 0],
      prefix: 'wi',
      from: 33,
      flow: false,
    });
    assert.deepEqual(context('steps:\n  - id: a\n  - id: b\n    with:\n      ‸')?.path, ['steps', 1, 'with']);
    assert.deepEqual(context('triggers:\n  case: ‸')?.path, ['triggers', 'case']);
    assert.equal(context('triggers:\n  case: ‸')?.kind, 'value');
  });

  it('reads compact lists (dash at the key column) and nested lists (parallel branches)', () => {
    assert.deepEqual(context('steps:\n- id: a\n- id: b\n  us‸')?.path, ['steps', 1]);
    const branches =
      'steps:\n  - id: p\n    parallel:\n      - - id: x\n          end: true\n        - id: y\n          ‸';
    assert.deepEqual(context(branches)?.path, ['steps', 0, 'parallel', 0, 1]);
  });

  it('leaves a mapping when the cursor is dedented, and skips block scalars', () => {
    assert.deepEqual(context('triggers:\n  manual: true\n‸')?.path, []);
    const block = 'description: |\n  text: that looks like a key\n  more\nst‸';
    assert.deepEqual(context(block), {
      kind: 'key',
      path: [],
      prefix: 'st',
      from: block.indexOf('‸') - 2,
      flow: false,
    });
    assert.equal(context('description: |\n  some te‸'), null);
  });

  it('knows an item of a flow sequence', () => {
    assert.deepEqual(context('triggers:\n  case: [created, sev‸'), {
      kind: 'value',
      path: ['triggers', 'case', 1],
      prefix: 'sev',
      from: 28,
      flow: true,
    });
  });

  it('lists every scalar entry with its mapping and line', () => {
    const entries = yamlEntries(PLAYBOOK);
    assert.deepEqual(
      entries.filter((e) => e.key === 'id').map((e) => [e.value, e.path, e.line]),
      [
        ['demo', [], 1],
        ['lookup', ['steps', 0], 4],
        ['check', ['steps', 1], 8],
        ['each', ['steps', 2], 11],
        ['inner_a', ['steps', 2, 'do', 0], 14],
        ['inner_b', ['steps', 2, 'do', 1], 16],
        ['done', ['steps', 3], 18],
      ],
    );
    assert.equal(stepLine(PLAYBOOK, 'inner_b'), 16);
    assert.equal(stepLine(PLAYBOOK, 'demo'), null, 'the playbook id is no step');
  });
});

describe('the schema at a path', () => {
  it("narrows a step's alternatives by the keys it has", () => {
    const step = schemasAt(playbookJsonSchema, ['steps', 0]);
    const kinds = ((playbookJsonSchema.$defs as { Step: { anyOf: unknown[] } }).Step.anyOf ?? []).length;
    assert.ok(kinds >= 12, 'every kind of step is an alternative of Step');
    assert.equal(step.length, kinds, 'the reference to Step is followed and its alternatives flattened');
    const fresh = keyOptions(step, ['id']).map((o) => o.name);
    for (const kind of ['uses', 'if', 'switch', 'for_each', 'parallel', 'task', 'approval', 'end'])
      assert.ok(fresh.includes(kind), kind);
    const action = keyOptions(step, ['id', 'uses']).map((o) => o.name);
    assert.ok(action.includes('with') && action.includes('retry') && action.includes('on_error'));
    assert.ok(!action.includes('then') && !action.includes('cases'), 'an action step has no then or cases');
    const ifStep = keyOptions(step, ['id', 'if']).map((o) => o.name);
    assert.deepEqual(ifStep.sort(), ['else', 'on_error', 'then']);
  });

  it('marks required keys and keeps descriptions', () => {
    const top = keyOptions(schemasAt(playbookJsonSchema, []), ['id']);
    const steps = top.find((o) => o.name === 'steps');
    assert.equal(steps?.required, true);
    assert.match(steps?.description ?? '', /main block/);
    assert.equal(top.find((o) => o.name === 'description')?.required, false);
  });

  it('enumerates values: constants through references and alternatives, booleans', () => {
    const events = valueOptions(schemasAt(playbookJsonSchema, ['triggers', 'case', 0])).map((v) => v.value);
    assert.deepEqual(events, ['created', 'severity_changed', 'closed']);
    const join = valueOptions(schemasAt(playbookJsonSchema, ['steps', 0, 'join'])).map((v) => v.value);
    assert.deepEqual(join, ['all', 'any']);
    const manual = valueOptions(schemasAt(playbookJsonSchema, ['triggers', 'manual'])).map((v) => v.value);
    assert.deepEqual(manual, ['true', 'false']);
  });
});

describe('completion options', () => {
  it('offers the keys the schema allows in a step, not those already there, with descriptions', () => {
    const { text, offset } = at('steps:\n  - id: a\n    uses: core.echo\n    ‸');
    const result = completionsAt(text, offset, SOURCES)!;
    const names = result.options.map((o) => o.label);
    assert.ok(names.includes('with') && names.includes('timeout'));
    assert.ok(!names.includes('uses') && !names.includes('id'));
    const timeout = result.options.find((o) => o.label === 'timeout')!;
    assert.equal(timeout.apply, 'timeout: ');
    assert.match(timeout.info ?? '', /longer than/);
    assert.equal(result.from, offset);
  });

  it('offers top-level keys, the required ones first', () => {
    const options = completionsAt('id: x\n', 6, SOURCES)!.options;
    const required = options.filter((o) => (o.boost ?? 0) > 0).map((o) => o.label);
    assert.deepEqual(required.sort(), ['name', 'steps']);
  });

  it('offers actions after uses:, and their inputs inside with:', () => {
    assert.deepEqual(labels('steps:\n  - id: a\n    uses: ‸'), ['core.echo', 'riposte.add_case_comment']);
    const inputs = labels(
      'steps:\n  - id: a\n    uses: riposte.add_case_comment\n    with:\n      body: hi\n      ‸',
    );
    assert.deepEqual(inputs, ['case_id']);
  });

  it('offers the ids of the steps of the same block after next:, then:, on_error: and in cases:', () => {
    const base = PLAYBOOK.replace('    then: done\n', '    then: ‸\n');
    assert.deepEqual(
      labels(base),
      ['lookup', 'each', 'done'],
      'the step itself and nested steps are not offered',
    );
    const inner = PLAYBOOK.replace('      - id: inner_b\n', '      - id: inner_b\n        on_error: ‸\n');
    assert.deepEqual(labels(inner), ['inner_a']);
    const cases =
      'steps:\n  - id: route\n    switch: x\n    cases:\n      malware: ‸\n  - id: isolate\n    end: true\n';
    assert.deepEqual(labels(cases), ['isolate']);
  });

  it('offers enumerated values and sub-playbooks', () => {
    assert.deepEqual(labels('triggers:\n  case: [created, ‸]'), ['created', 'severity_changed', 'closed']);
    assert.deepEqual(labels('steps:\n  - id: p\n    parallel: []\n    join: ‸'), ['all', 'any']);
    assert.deepEqual(labels('steps:\n  - id: sub\n    playbook: ‸'), ['enrich_ip']);
  });

  it('offers nothing inside a comment or free text', () => {
    assert.deepEqual(labels('# a comment about st‸'), []);
    assert.deepEqual(labels('description: some text and mo‸'), []);
  });
});

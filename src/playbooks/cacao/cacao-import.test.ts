import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { importCacao, MAX_CACAO_BYTES, type CacaoImportResult } from './cacao-import.ts';

const NOW = new Date('2026-12-01T00:00:00Z');
const u = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const AGENT = `individual--${u(900)}`;

/** A valid CACAO 2.0 playbook: start → the given steps (the first is entered) → end--…(99). */
function playbook(workflow: Record<string, Record<string, unknown>>, extra: Record<string, unknown> = {}) {
  const first = Object.keys(workflow)[0]!;
  return {
    type: 'playbook',
    spec_version: 'cacao-2.0',
    id: `playbook--${u(1)}`,
    name: 'Test playbook',
    created_by: `identity--${u(2)}`,
    created: '2026-11-01T10:00:00.000Z',
    modified: '2026-11-01T10:00:00.000Z',
    workflow_start: `start--${u(0)}`,
    workflow: {
      [`start--${u(0)}`]: { type: 'start', on_completion: first },
      ...workflow,
      [`end--${u(99)}`]: { type: 'end' },
    },
    agent_definitions: { [AGENT]: { type: 'individual', name: 'Analyst' } },
    ...extra,
  };
}

function manual(name: string, next: string, extra: Record<string, unknown> = {}) {
  return {
    type: 'action',
    name,
    commands: [{ type: 'manual', command: name }],
    agent: AGENT,
    on_completion: next,
    ...extra,
  };
}

function run(document: unknown, profile: 'strict' | 'lenient' = 'strict'): CacaoImportResult {
  return importCacao(JSON.stringify(document), { profile, resolvePlaybook: () => null, now: NOW });
}

function steps(result: CacaoImportResult): Record<string, Record<string, unknown>> {
  assert.deepEqual(result.errors, []);
  const document = parse(result.source!) as { steps: Record<string, unknown>[] };
  return Object.fromEntries(document.steps.map((s) => [s['id'] as string, s]));
}

test('CACAO text stays text: no name, command, value or description becomes an expression', () => {
  const result = run(
    playbook(
      {
        [`action--${u(3)}`]: manual('Leak ${{ secrets.key }}', `end--${u(99)}`, {
          description: '${{ inputs }}',
          step_variables: { __s__: { type: 'string', value: '${{ secrets.b }}' } },
        }),
      },
      {
        description: 'd ${{ x }}',
        playbook_variables: { __v__: { type: 'string', value: '${{ secrets.a }}' } },
        agent_definitions: { [AGENT]: { type: 'individual', name: '${{ secrets.c }}' } },
      },
    ),
  );
  const document = parse(result.source!) as { description: string; steps: unknown };
  // The playbook's description is plain text to Riposte (never evaluated): kept as written.
  assert.match(document.description, /^d \$\{\{ x \}\}/);
  assert.doesNotMatch(JSON.stringify(document.steps).replaceAll('$${{', ''), /\$\{\{ (secrets|inputs)/);
  const all = steps(result);
  assert.deepEqual(all['leak_secrets_key']!['set'], { s: '$${{ secrets.b }}' });
  const task = all['leak_secrets_key_2']!['task'] as { title: string; description: string };
  assert.match(task.description, /Agent: \$\$\{\{ secrets\.c \}\}/);
  assert.equal(task.title, 'Leak $${{ secrets.key }}');
});

test('credentials in the document are never copied; the step names the instance to configure', () => {
  const api = `http-api--${u(50)}`;
  const auth = `http-basic--${u(51)}`;
  const result = run(
    playbook(
      {
        [`action--${u(3)}`]: {
          type: 'action',
          name: 'Call',
          commands: [{ type: 'http-api', command: 'GET /x HTTP/1.1' }],
          agent: AGENT,
          targets: [api],
          on_completion: `end--${u(99)}`,
        },
      },
      {
        authentication_info_definitions: {
          [auth]: { type: 'http-basic', user_id: 'admin', password: 'hunter2' },
        },
        target_definitions: {
          [api]: {
            type: 'http-api',
            name: 'API',
            address: { dname: ['api.example.org'] },
            port: '8443',
            authentication_info: auth,
          },
        },
      },
    ),
  );
  assert.doesNotMatch(result.source!, /hunter2|admin/);
  const call = steps(result)['call']!['with'] as Record<string, unknown>;
  assert.equal(call['url'], 'http://api.example.org:8443/x');
  assert.equal(call['instance'], 'http_basic');
  assert.match(
    result.warnings[0]!.message,
    /were not imported: configure a "web" integration instance named "http_basic"/,
  );
});

test('delay, timeout, step variables and on_failure', () => {
  const result = run(
    playbook({
      [`action--${u(3)}`]: manual('Wait then ask', `end--${u(99)}`, {
        delay: 5000,
        timeout: 60000,
        on_completion: undefined,
        on_success: `end--${u(99)}`,
        on_failure: `action--${u(4)}`,
        step_variables: { __note__: { type: 'string', value: 'hello' } },
      }),
      [`action--${u(4)}`]: manual('Escalate', `end--${u(99)}`),
    }),
  );
  const all = steps(result);
  assert.deepEqual(all['wait_then_ask']!['wait'], { delay: '5000ms' });
  assert.deepEqual(all['wait_then_ask_vars']!['set'], { note: 'hello' });
  assert.equal(all['wait_then_ask_2']!['timeout'], '60000ms');
  assert.equal(all['wait_then_ask_2']!['on_error'], 'escalate');
  // The analyst's "failed" leads to on_failure itself (a fail step has no error path of its own).
  assert.equal(all['wait_then_ask_check']!['else'], 'escalate');
  assert.equal(all['wait_then_ask_failed'], undefined);
});

test('an if-condition with on_completion: its branches come back there', () => {
  const result = run(
    playbook(
      {
        [`if-condition--${u(3)}`]: {
          type: 'if-condition',
          name: 'Branch',
          condition: "__level__:value = 'high'",
          on_true: `action--${u(4)}`,
          on_false: `end--${u(98)}`,
          on_completion: `action--${u(5)}`,
        },
        [`action--${u(4)}`]: manual('High', `end--${u(98)}`),
        [`end--${u(98)}`]: { type: 'end' },
        [`action--${u(5)}`]: manual('After', `end--${u(99)}`),
      },
      { playbook_variables: { __level__: { type: 'string', value: 'high' } } },
    ),
  );
  const all = steps(result);
  assert.equal(all['branch']!['if'], '${{ string(vars.level) == "high" }}');
  assert.equal(all['branch']!['then'], 'high');
  assert.equal(all['branch']!['else'], 'after');
  assert.equal(all['high_check']!['then'], 'after');
});

test('refused in both profiles: loops, branches sharing steps, unknown steps, bad JSON, oversize', () => {
  for (const profile of ['strict', 'lenient'] as const) {
    const looping = run(
      playbook({
        [`action--${u(3)}`]: manual('A', `action--${u(4)}`),
        [`action--${u(4)}`]: manual('B', `action--${u(3)}`),
      }),
      profile,
    );
    assert.match(looping.errors[0]!.message, /the workflow loops \("A" → "B" → "A"\)/);
    const shared = run(
      playbook({
        [`parallel--${u(3)}`]: {
          type: 'parallel',
          next_steps: [`action--${u(4)}`, `action--${u(5)}`],
          on_completion: `end--${u(99)}`,
        },
        [`action--${u(4)}`]: manual('A', `action--${u(6)}`),
        [`action--${u(5)}`]: manual('B', `action--${u(6)}`),
        [`action--${u(6)}`]: manual('Shared', `end--${u(99)}`),
      }),
      profile,
    );
    assert.match(shared.errors[0]!.message, /branches of this parallel step share steps/);
    const dangling = run(playbook({ [`action--${u(3)}`]: manual('A', `action--${u(42)}`) }), profile);
    assert.deepEqual(dangling.errors[0], {
      path: `/workflow/action--${u(3)}/on_completion`,
      message: `"action--${u(42)}" is not a step of the workflow`,
    });
  }
  assert.match(
    importCacao('{"type":', { profile: 'lenient', resolvePlaybook: () => null, now: NOW }).errors[0]!.message,
    /^not JSON/,
  );
  const big = importCacao(' '.repeat(MAX_CACAO_BYTES + 1), {
    profile: 'lenient',
    resolvePlaybook: () => null,
    now: NOW,
  });
  assert.match(big.errors[0]!.message, /at most/);
  const unknownType = run(
    playbook({ [`action--${u(3)}`]: { ...manual('A', `end--${u(99)}`), type: 'shell' } }),
  );
  assert.match(unknownType.errors[0]!.message, /step type "shell" is not one of/);
});

test('external variables are inputs; the rest are run variables set at the start', () => {
  const result = run(
    playbook(
      {
        [`action--${u(3)}`]: {
          ...manual('Check', `end--${u(99)}`),
          commands: [{ type: 'manual', command: 'Check __ip__:value and __count__:value in __mode__' }],
        },
      },
      {
        playbook_variables: {
          __ip__: { type: 'ipv4-addr', external: true },
          __count__: { type: 'integer', value: '3', external: true, description: 'how many' },
          __mode__: { type: 'string', value: 'fast' },
        },
      },
    ),
  );
  const document = parse(result.source!) as Record<string, unknown>;
  assert.deepEqual(document['inputs'], {
    ip: { type: 'string', required: true },
    count: { type: 'number', default: 3, description: 'how many' },
  });
  const all = steps(result);
  assert.deepEqual(all['variables']!['set'], { mode: 'fast' });
  assert.match(result.warnings[0]!.message, /__mode__ names a variable without ":value"/);
  assert.match(
    (all['check']!['task'] as { description: string }).description,
    /Check \$\{\{ inputs\.ip \}\} and \$\{\{ inputs\.count \}\}/,
  );
});

test('a while-condition is a bounded for_each whose turns check the condition first', () => {
  const result = run(
    playbook(
      {
        [`while-condition--${u(3)}`]: {
          type: 'while-condition',
          name: 'Until told to stop',
          condition: "__answer__:value != 'stop'",
          on_true: `action--${u(4)}`,
          on_completion: `end--${u(99)}`,
        },
        [`action--${u(4)}`]: manual('Ask', `end--${u(98)}`, { out_args: ['__answer__'] }),
        [`end--${u(98)}`]: { type: 'end' },
      },
      { playbook_variables: { __answer__: { type: 'string', value: 'go' } } },
    ),
  );
  const loop = steps(result)['until_told_to_stop']!;
  assert.equal(loop['concurrency'], 1);
  assert.equal(loop['max_items'], 100);
  assert.match(String(loop['for_each']), /^\$\{\{ \[0, 1, 2, .*, 99\] \}\}$/);
  const body = loop['do'] as Record<string, unknown>[];
  assert.deepEqual(
    body.map((s) => s['id']),
    ['until_told_to_stop_while', 'ask', 'ask_out', 'until_told_to_stop_turn_done'],
  );
  assert.deepEqual(body[0], {
    id: 'until_told_to_stop_while',
    if: '${{ string(vars.answer) != "stop" }}',
    then: 'ask',
    else: 'until_told_to_stop_turn_done',
  });
  assert.match(result.warnings[0]!.message, /runs at most 100 times/);
});

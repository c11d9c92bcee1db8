import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { PlaybookPlan } from '../../src/core/playbook.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { databaseKinds } from '../support/test-databases.ts';

/** A CMDB-like service the imported playbook calls: GET /lookup answers a verdict, POST /block records. */
interface Service {
  url: string;
  requests: { method: string; url: string; body: string; headers: IncomingMessage['headers'] }[];
  server: Server;
}

async function startService(): Promise<Service> {
  const requests: Service['requests'] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      requests.push({ method: request.method ?? '', url: request.url ?? '', body, headers: request.headers });
      if (request.url?.startsWith('/lookup')) {
        response.writeHead(200, { 'content-type': 'text/plain' });
        response.end(request.url.includes('203.0.113.9') ? 'malicious host' : 'clean');
        return;
      }
      response.writeHead(request.url === '/block' ? 204 : 404);
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, server };
}

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const ID = `playbook--${uuid(1)}`;

/**
 * Lookup (http-api, variable in the URL, result into a variable) → if-condition in STIX patterning
 * → a manual step whose form sets the verdict → parallel manual steps, each ending at its own end
 * step → a switch on the verdict → an http-api POST with a body, or the end.
 */
function investigate(service: string, name = 'Investigate and block a host'): Record<string, unknown> {
  const step = (type: string, n: number) => `${type}--${uuid(100 + n)}`;
  const agent = `individual--${uuid(900)}`;
  const api = `http-api--${uuid(901)}`;
  const manual = (n: number, text: string, next: string, extra: Record<string, unknown> = {}) => ({
    type: 'action',
    name: text,
    commands: [{ type: 'manual', command: `${text} for __target_ip__:value` }],
    agent,
    on_completion: next,
    ...extra,
  });
  return {
    type: 'playbook',
    spec_version: 'cacao-2.0',
    id: ID,
    name,
    description: 'Look a host up, ask whether to block it, block it.',
    created_by: `identity--${uuid(2)}`,
    created: '2026-11-01T10:00:00.000Z',
    modified: '2026-11-01T10:00:00.000Z',
    playbook_variables: {
      __target_ip__: { type: 'ipv4-addr', external: true, description: 'the host to look at' },
      __severity__: { type: 'string', value: 'high' },
      __lookup__: { type: 'string' },
      __verdict__: { type: 'string' },
    },
    workflow_start: step('start', 0),
    workflow: {
      [step('start', 0)]: { type: 'start', on_completion: step('action', 1) },
      [step('action', 1)]: {
        type: 'action',
        name: 'Look up the host',
        commands: [{ type: 'http-api', command: 'GET /lookup?ip=__target_ip__:value HTTP/1.1' }],
        agent,
        targets: [api],
        out_args: ['__lookup__'],
        on_completion: step('if-condition', 2),
      },
      [step('if-condition', 2)]: {
        type: 'if-condition',
        name: 'Is it bad',
        condition: "[__severity__:value = 'high' AND __lookup__:value LIKE 'malicious%']",
        on_true: step('action', 3),
        on_false: step('end', 9),
      },
      [step('action', 3)]: manual(3, 'Decide on the host', step('parallel', 4), {
        out_args: ['__verdict__'],
      }),
      [step('parallel', 4)]: {
        type: 'parallel',
        name: 'Tell the teams',
        next_steps: [step('action', 5), step('action', 6)],
        on_completion: step('switch-condition', 7),
      },
      [step('action', 5)]: manual(5, 'Tell the network team', step('end', 10)),
      [step('action', 6)]: manual(6, 'Tell the desktop team', step('end', 11)),
      [step('end', 10)]: { type: 'end' },
      [step('end', 11)]: { type: 'end' },
      [step('switch-condition', 7)]: {
        type: 'switch-condition',
        name: 'Act on the verdict',
        switch: '__verdict__:value',
        cases: { block: step('action', 8), default: step('end', 9) },
      },
      [step('action', 8)]: {
        type: 'action',
        name: 'Block the host',
        commands: [
          {
            type: 'http-api',
            command: 'POST /block HTTP/1.1',
            headers: { 'Content-Type': ['application/json'] },
            content: '{"ip":"__target_ip__:value","note":"${{ secrets.x }}"}',
          },
        ],
        agent,
        targets: [api],
        on_completion: step('end', 9),
      },
      [step('end', 9)]: { type: 'end', name: 'Done' },
    },
    agent_definitions: { [agent]: { type: 'individual', name: 'On-call analyst' } },
    target_definitions: {
      [api]: {
        type: 'http-api',
        name: 'CMDB',
        address: { dname: [new URL(service).hostname] },
        port: new URL(service).port,
      },
    },
  };
}

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 250; i++) {
    const value = await probe();
    if (ok(value)) return value;
    await new Promise((r) => setTimeout(r, 40));
  }
  throw new Error(`timed out waiting for ${what}: ${JSON.stringify(await probe()).slice(0, 2000)}`);
}

for (const kind of databaseKinds()) {
  describe(`CACAO import and export on ${kind}`, () => {
    let h: Harness;
    let service: Service;

    before(async () => {
      service = await startService();
      h = await startHarness(kind, { outboundAllow: ['127.0.0.1'] }, { worker: true });
    });
    after(async () => {
      await h?.close();
      service?.server.close();
    });

    const post = (document: unknown, query = '') =>
      h.as('analyst', {
        method: 'POST',
        url: `/api/v1/playbooks/import/cacao${query}`,
        payload: document as object,
      });

    it('imports a CACAO playbook that runs natively: HTTP calls, a STIX condition, tasks, parallel branches, a switch', async () => {
      const imported = await post(investigate(service.url));
      assert.equal(imported.statusCode, 201, imported.body);
      const body = imported.json();
      assert.equal(body.playbookId, 'investigate_and_block_a_host');
      assert.equal(body.cacaoId, ID);
      assert.deepEqual(body.warnings, []);
      // CACAO text is literal: the "${{" in the body is escaped, never evaluated.
      assert.match(body.source, /\$\$\{\{ secrets\.x \}\}/);

      const run = await h.as('analyst', {
        method: 'POST',
        url: '/api/v1/runs',
        payload: { playbookId: body.playbookId, inputs: { target_ip: '203.0.113.9' } },
      });
      assert.equal(run.statusCode, 201, run.body);
      const runId = run.json().id as string;
      const openTasks = () =>
        h
          .as('analyst', { method: 'GET', url: `/api/v1/tasks?runId=${runId}&status=open` })
          .then((r) => r.json().items as { id: string; title: string; form: unknown }[]);
      const [decide] = await until(openTasks, (t) => t.length === 1, 'the decision task');
      assert.equal(decide!.title, 'Decide on the host');
      assert.equal(service.requests[0]?.url, '/lookup?ip=203.0.113.9');
      const answered = await h.as('analyst', {
        method: 'POST',
        url: `/api/v1/tasks/${decide!.id}/answer`,
        payload: { values: { verdict: 'block' } },
      });
      assert.equal(answered.statusCode, 200, answered.body);
      const branches = await until(openTasks, (t) => t.length === 2, 'both parallel tasks');
      assert.deepEqual(branches.map((t) => t.title).sort(), [
        'Tell the desktop team',
        'Tell the network team',
      ]);
      for (const task of branches)
        await h.as('analyst', {
          method: 'POST',
          url: `/api/v1/tasks/${task.id}/answer`,
          payload: { choice: 'done' },
        });
      const finished = await until(
        () => h.as('analyst', { method: 'GET', url: `/api/v1/runs/${runId}` }).then((r) => r.json()),
        (r) => r.status !== 'running' && r.status !== 'waiting' && r.status !== 'queued',
        'the run to finish',
      );
      assert.equal(finished.status, 'succeeded', JSON.stringify(finished).slice(0, 1500));
      const block = service.requests.find((r) => r.method === 'POST');
      assert.ok(block, 'the block request was sent');
      assert.equal(block.url, '/block');
      assert.equal(block.headers['content-type'], 'application/json');
      assert.deepEqual(JSON.parse(block.body), { ip: '203.0.113.9', note: '${{ secrets.x }}' });
    });

    it('takes the false branch of the condition: a clean host ends the run without tasks', async () => {
      const before = service.requests.length;
      const run = await h.as('analyst', {
        method: 'POST',
        url: '/api/v1/runs',
        payload: { playbookId: 'investigate_and_block_a_host', inputs: { target_ip: '198.51.100.1' } },
      });
      const runId = run.json().id as string;
      const finished = await until(
        () => h.as('analyst', { method: 'GET', url: `/api/v1/runs/${runId}` }).then((r) => r.json()),
        (r) => r.status === 'succeeded' || r.status === 'failed',
        'the run to finish',
      );
      assert.equal(finished.status, 'succeeded');
      assert.deepEqual(
        service.requests.slice(before).map((r) => r.method),
        ['GET'],
      );
    });

    it('imports the same CACAO id again as a new version, keeps the id, and audits the import', async () => {
      const again = await post(investigate(service.url, 'Investigate and block a host, v2'));
      assert.equal(again.statusCode, 201, again.body);
      assert.equal(again.json().playbookId, 'investigate_and_block_a_host');
      assert.equal(again.json().playbook.version, 2);
      const first = await h.as('viewer', {
        method: 'GET',
        url: '/api/v1/playbooks/investigate_and_block_a_host/cacao?version=1',
      });
      assert.equal(first.statusCode, 200, first.body);
      assert.equal(first.json().name, 'Investigate and block a host');
      assert.equal(first.json().id, ID);
      const latest = await h.as('viewer', {
        method: 'GET',
        url: '/api/v1/playbooks/investigate_and_block_a_host/cacao',
      });
      assert.equal(latest.json().name, 'Investigate and block a host, v2');
      const none = await h.as('viewer', {
        method: 'GET',
        url: '/api/v1/playbooks/investigate_and_block_a_host/cacao?version=9',
      });
      assert.equal(none.statusCode, 404);
      const audit = await h.as('manager', {
        method: 'GET',
        url: '/api/v1/audit?action=playbook.import_cacao',
      });
      const rows = (audit.json().items as { action: string; targetId: string }[]).filter(
        (r) => r.action === 'playbook.import_cacao',
      );
      assert.equal(rows.length, 2);
    });

    it('refuses a name clash with a playbook that was not imported, and a dry run stores nothing', async () => {
      const other = { ...investigate(service.url), id: `playbook--${uuid(77)}` };
      const clash = await post(other);
      assert.equal(clash.statusCode, 409, clash.body);
      assert.match(clash.json().detail, /already exists/);
      const dry = await post(other, '?dry_run=true&id=investigate_copy');
      assert.equal(dry.statusCode, 200, dry.body);
      assert.equal(dry.json().dryRun, true);
      const missing = await h.as('analyst', { method: 'GET', url: '/api/v1/playbooks/investigate_copy' });
      assert.equal(missing.statusCode, 404);
    });

    it('reports bad documents with a JSON Pointer and stores nothing', async () => {
      const document = investigate(service.url) as { workflow: Record<string, Record<string, unknown>> };
      const broken = structuredClone(document);
      broken.workflow[`if-condition--${uuid(102)}`]!['condition'] = "[ipv4-addr:value = '1.2.3.4']";
      const answer = await post({ ...broken, id: `playbook--${uuid(78)}`, name: 'Broken' });
      assert.equal(answer.statusCode, 422, answer.body);
      const errors = answer.json().errors as { path: string; message: string }[];
      assert.equal(errors[0]!.path, `/workflow/if-condition--${uuid(102)}/condition`);
      assert.match(errors[0]!.message, /STIX object path/);
      const loop = structuredClone(document);
      loop.workflow[`action--${uuid(108)}`]!['on_completion'] = `action--${uuid(101)}`;
      const looped = await post({ ...loop, id: `playbook--${uuid(79)}`, name: 'Looped' });
      assert.equal(looped.statusCode, 422);
      assert.match(looped.json().errors[0].message, /loops/);
      const notJson = await h.as('analyst', {
        method: 'POST',
        url: '/api/v1/playbooks/import/cacao',
        headers: { 'content-type': 'application/json' },
        payload: '{"type": "playbook",',
      });
      assert.equal(notJson.statusCode, 400);
      const viewer = await h.as('viewer', {
        method: 'POST',
        url: '/api/v1/playbooks/import/cacao',
        payload: document,
      });
      assert.equal(viewer.statusCode, 403);
      const list = await h.as('analyst', { method: 'GET', url: '/api/v1/playbooks' });
      assert.deepEqual(
        (list.json().items as { id: string }[]).map((p) => p.id),
        ['investigate_and_block_a_host'],
      );
    });

    it('strict refuses what lenient reads with warnings', async () => {
      const document = investigate(service.url) as Record<string, unknown>;
      const sloppy = {
        ...document,
        id: `playbook--${uuid(80)}`,
        name: 'Sloppy',
        created: '2026-11-01T10:00:00Z',
      };
      const strict = await post(sloppy, '?profile=strict&dry_run=true');
      assert.equal(strict.statusCode, 422);
      assert.equal(strict.json().errors[0].path, '/created');
      const lenient = await post(sloppy, '?dry_run=true');
      assert.equal(lenient.statusCode, 200, lenient.body);
      assert.equal(lenient.json().warnings[0].path, '/created');
    });

    it('resolves a playbook-action to the imported playbook it calls', async () => {
      const caller = {
        type: 'playbook',
        spec_version: 'cacao-2.0',
        id: `playbook--${uuid(81)}`,
        name: 'Caller',
        created_by: `identity--${uuid(2)}`,
        created: '2026-11-01T10:00:00.000Z',
        modified: '2026-11-01T10:00:00.000Z',
        playbook_variables: { __target_ip__: { type: 'ipv4-addr', value: '198.51.100.7' } },
        workflow_start: `start--${uuid(300)}`,
        workflow: {
          [`start--${uuid(300)}`]: { type: 'start', on_completion: `playbook-action--${uuid(301)}` },
          [`playbook-action--${uuid(301)}`]: {
            type: 'playbook-action',
            playbook_id: ID,
            in_args: ['__target_ip__'],
            on_completion: `end--${uuid(302)}`,
          },
          [`end--${uuid(302)}`]: { type: 'end' },
        },
      };
      const answer = await post(caller);
      assert.equal(answer.statusCode, 201, answer.body);
      assert.match(answer.json().source, /playbook: investigate_and_block_a_host/);
      const unknown = await post({
        ...caller,
        id: `playbook--${uuid(82)}`,
        name: 'Caller of nothing',
        workflow: {
          ...caller.workflow,
          [`playbook-action--${uuid(301)}`]: {
            type: 'playbook-action',
            playbook_id: `playbook--${uuid(999)}`,
            on_completion: `end--${uuid(302)}`,
          },
        },
      });
      assert.equal(unknown.statusCode, 422);
      assert.match(unknown.json().errors[0].message, /has not been imported/);
    });

    it('runs a while-condition: the branch repeats until its answer makes the condition false', async () => {
      const agent = `individual--${uuid(900)}`;
      const loop = {
        type: 'playbook',
        spec_version: 'cacao-2.0',
        id: `playbook--${uuid(83)}`,
        name: 'Ask until done',
        created_by: `identity--${uuid(2)}`,
        created: '2026-11-01T10:00:00.000Z',
        modified: '2026-11-01T10:00:00.000Z',
        playbook_variables: { __answer__: { type: 'string', value: 'go' } },
        workflow_start: `start--${uuid(400)}`,
        workflow: {
          [`start--${uuid(400)}`]: { type: 'start', on_completion: `while-condition--${uuid(401)}` },
          [`while-condition--${uuid(401)}`]: {
            type: 'while-condition',
            name: 'Until done',
            condition: "__answer__:value != 'done'",
            on_true: `action--${uuid(402)}`,
            on_completion: `end--${uuid(404)}`,
          },
          [`action--${uuid(402)}`]: {
            type: 'action',
            name: 'Check the host again',
            commands: [{ type: 'manual', command: 'Check the host; answer done when it is clean' }],
            agent,
            out_args: ['__answer__'],
            on_completion: `end--${uuid(403)}`,
          },
          [`end--${uuid(403)}`]: { type: 'end' },
          [`end--${uuid(404)}`]: { type: 'end' },
        },
        agent_definitions: { [agent]: { type: 'individual', name: 'Analyst' } },
      };
      const imported = await post(loop);
      assert.equal(imported.statusCode, 201, imported.body);
      const run = await h.as('analyst', {
        method: 'POST',
        url: '/api/v1/runs',
        payload: { playbookId: 'ask_until_done' },
      });
      const runId = run.json().id as string;
      for (const answer of ['not yet', 'still not', 'done']) {
        const [task] = await until(
          () =>
            h
              .as('analyst', { method: 'GET', url: `/api/v1/tasks?runId=${runId}&status=open` })
              .then((r) => r.json().items as { id: string }[]),
          (t) => t.length === 1,
          `the task before "${answer}"`,
        );
        const answered = await h.as('analyst', {
          method: 'POST',
          url: `/api/v1/tasks/${task!.id}/answer`,
          payload: { values: { answer } },
        });
        assert.equal(answered.statusCode, 200, answered.body);
      }
      const finished = await until(
        () => h.as('analyst', { method: 'GET', url: `/api/v1/runs/${runId}` }).then((r) => r.json()),
        (r) => r.status === 'succeeded' || r.status === 'failed',
        'the run to finish',
      );
      assert.equal(finished.status, 'succeeded', JSON.stringify(finished.error));
      assert.equal(finished.vars.answer, 'done');
      const tasks = await h.as('analyst', { method: 'GET', url: `/api/v1/tasks?runId=${runId}` });
      assert.equal(tasks.json().items.length, 3);
    });

    it('exports every built-in playbook as CACAO 2.0 that strict import reads back into the same playbook', async () => {
      const dir = new URL('../../playbooks/builtin/', import.meta.url);
      for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml') && !f.endsWith('.test.yaml'))) {
        const source = readFileSync(new URL(file, dir), 'utf8');
        const saved = await h.as('analyst', {
          method: 'POST',
          url: '/api/v1/playbooks',
          headers: { 'content-type': 'application/yaml' },
          payload: source,
        });
        assert.ok(saved.statusCode === 201 || saved.statusCode === 200, saved.body);
        const id = saved.json().playbook.id as string;
        const exported = await h.as('viewer', { method: 'GET', url: `/api/v1/playbooks/${id}/cacao` });
        assert.equal(exported.statusCode, 200, exported.body);
        const document = exported.json();
        assert.equal(document.spec_version, 'cacao-2.0');
        assert.match(document.id, /^playbook--[0-9a-f-]{36}$/);
        // What the steps carry out (RE&CT) tells a CACAO reader the playbook's types and activities.
        const original = h.riposte.playbooks.validate(source);
        assert.ok(original.ok, file);
        const reacts = Object.values(original.plan.steps).flatMap((s) => (s.react ? [s.react] : []));
        if (reacts.some((r) => r.startsWith('RA3'))) {
          assert.ok(document.playbook_types.includes('mitigation'), `${file}: ${document.playbook_types}`);
          assert.ok(document.playbook_activities.includes('restrict-access'), file);
        }
        if (reacts.length === 0) assert.equal(document.playbook_types, undefined, file);
        const again = await h.as('viewer', { method: 'GET', url: `/api/v1/playbooks/${id}/cacao` });
        assert.deepEqual(again.json(), document, `${file}: the same export twice`);
        const back = await post(document, `?profile=strict&dry_run=true&id=${id}`);
        assert.equal(back.statusCode, 200, `${file}: ${back.body}`);
        assert.deepEqual(back.json().warnings, [], file);
        const reimported = h.riposte.playbooks.validate(back.json().source);
        assert.ok(reimported.ok, file);
        assert.deepEqual(shape(reimported.plan), shape(original.plan), file);
      }
    });
  });
}

/** What a playbook does, without positions or end steps: each step's kind, effect and where it goes. */
function shape(plan: PlaybookPlan): unknown {
  const ends = new Set(
    Object.values(plan.steps)
      .filter((s) => s.kind === 'end' && s.block === 'main')
      .map((s) => s.id),
  );
  const to = (id: string | null) => (id === null || ends.has(id) ? null : id);
  return {
    id: plan.id,
    name: plan.name,
    triggers: { ...plan.triggers, alert: plan.triggers.alert?.source ?? null },
    inputs: plan.inputs,
    outputs: Object.keys(plan.outputs),
    entry: plan.main.entry,
    steps: Object.values(plan.steps)
      .filter((s) => !ends.has(s.id))
      .map((s) => ({
        id: s.id,
        kind: s.kind,
        block: s.block,
        // An if or a switch goes on with then/else or its cases; its `next` is never taken.
        next: s.kind === 'if' || s.kind === 'switch' ? null : to(s.next),
        onError: to(s.onError),
        ...(s.kind === 'action' ? { uses: s.uses } : {}),
        ...(s.kind === 'if' ? { condition: s.condition.source, then: to(s.then), else: to(s.else) } : {}),
        ...(s.kind === 'switch'
          ? {
              value: s.value.source,
              cases: s.cases.map((c) => [c.match, to(c.next)]),
              default: to(s.default),
            }
          : {}),
        ...(s.kind === 'approval' ? { onDeny: to(s.onDeny) } : {}),
      }))
      .sort((a, b) => a.id.localeCompare(b.id)),
  };
}

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';
import { startHarness, type Harness } from '../support/harness.ts';

/** The README's first playbook, taken from the README itself, works exactly as the README says. */
const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const PLAYBOOK = /## Your first playbook[\s\S]*?```yaml\n([\s\S]*?)```/.exec(README)?.[1];

describe('the README playbook', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness('sqlite', {}, { worker: true });
  });
  after(() => h.close());

  it('validates, triggers on a high-severity Suricata alert, asks, gets approved and raises the case', async () => {
    assert.ok(PLAYBOOK, 'the README has the example');
    const saved = await h.as('analyst', {
      method: 'POST',
      url: '/api/v1/playbooks',
      payload: PLAYBOOK,
      headers: { 'content-type': 'application/yaml' },
    });
    assert.equal(saved.statusCode, 201, saved.body);
    const { token } = await h.riposte.sources.create(
      { name: 'suricata-lab', format: 'suricata' },
      { id: 't', type: 'system' },
    );
    const ingest = await h.app.inject({
      method: 'POST',
      url: '/api/v1/sources/suricata-lab/alerts',
      payload: JSON.stringify(eveAlert({ severity: 1, srcIp: '10.1.2.3', sid: 2013505 })),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    });
    assert.equal(ingest.statusCode, 202, ingest.body);
    const [alertId] = ingest.json().alertIds as string[];
    await h.riposte.grouping.drain();

    const runs = (await h.as('viewer', { method: 'GET', url: `/api/v1/runs?alertId=${alertId}` })).json()
      .items;
    assert.equal(runs.length, 1);
    assert.equal((await h.riposte.runs.settle(runs[0].id, 5000)).status, 'waiting');
    const [task] = (await h.as('analyst', { method: 'GET', url: '/api/v1/tasks' })).json().items;
    assert.equal(task.title, 'Is traffic from 10.1.2.3 expected?');
    await h.as('analyst', {
      method: 'POST',
      url: `/api/v1/tasks/${task.id}/answer`,
      payload: { choice: 'malicious' },
    });
    await h.riposte.runs.settle(runs[0].id, 5000);
    const [approval] = (await h.as('manager', { method: 'GET', url: '/api/v1/approvals' })).json().items;
    const decided = await h.as('manager', {
      method: 'POST',
      url: `/api/v1/approvals/${approval.id}/decision`,
      payload: { decision: 'approve', reason: 'confirmed' },
    });
    assert.equal(decided.statusCode, 200, decided.body);
    const run = await h.riposte.runs.settle(runs[0].id, 5000, { untilTerminal: true });
    assert.equal(run.status, 'succeeded', JSON.stringify(run));
    const alert = (await h.as('viewer', { method: 'GET', url: `/api/v1/alerts/${alertId}` })).json();
    const kase = (await h.as('viewer', { method: 'GET', url: `/api/v1/cases/${alert.caseId}` })).json();
    assert.equal(kase.severity, 'critical');
  });
});

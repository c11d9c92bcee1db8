import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHarness, type Harness } from '../support/harness.ts';
import { databaseKinds } from '../support/test-databases.ts';

const CSV = `host,ips,owner,criticality,tags
dc01.corp.example,10.0.0.10;10.0.0.11,it-infra,critical,domain-controller;tier0
"web 01.example",,web-team,medium,
,192.0.2.50,,low,lab
`;

for (const kind of databaseKinds()) {
  describe(`asset inventory on ${kind}`, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(kind, {}, { worker: true });
    });
    after(() => h.close());

    it('imports CSV: a host with its addresses becomes one row per name and address', async () => {
      const res = await h.as('manager', {
        method: 'PUT',
        url: '/api/v1/assets',
        payload: CSV,
        headers: { 'content-type': 'text/csv' },
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), { upserted: 5 });
      const list = (await h.as('analyst', { method: 'GET', url: '/api/v1/assets' })).json().items as {
        type: string;
        value: string;
        criticality: string;
        owner: string | null;
        tags: string[];
      }[];
      const dcIp = list.find((a) => a.value === '10.0.0.11');
      assert.deepEqual(
        { type: dcIp?.type, criticality: dcIp?.criticality, owner: dcIp?.owner, tags: dcIp?.tags },
        { type: 'ipv4', criticality: 'critical', owner: 'it-infra', tags: ['domain-controller', 'tier0'] },
      );
      assert.ok(list.some((a) => a.type === 'host' && a.value === 'dc01.corp.example'));
    });

    it('imports the JSON inventory shape, and names the record and field at fault', async () => {
      const ok = await h.as('manager', {
        method: 'PUT',
        url: '/api/v1/assets',
        payload: [{ host: 'mail01', ips: ['2001:db8::25'], criticality: 'high', owner: 'messaging' }],
      });
      assert.deepEqual(ok.json(), { upserted: 2 });
      const badIp = await h.as('manager', {
        method: 'PUT',
        url: '/api/v1/assets',
        payload: [
          { host: 'ok', criticality: 'low' },
          { ips: ['10.0.0.999'], criticality: 'low' },
        ],
      });
      assert.equal(badIp.statusCode, 400);
      assert.equal(badIp.json().path, '/1/ips/0');
      const badCsv = await h.as('manager', {
        method: 'PUT',
        url: '/api/v1/assets',
        payload: 'host,criticality\nweb02,urgent\n',
        headers: { 'content-type': 'text/csv' },
      });
      assert.equal(badCsv.statusCode, 400);
      assert.equal(badCsv.json().path, '/line 2/criticality');
      const list = (await h.as('analyst', { method: 'GET', url: '/api/v1/assets' })).json().items as {
        value: string;
      }[];
      assert.ok(!list.some((a) => a.value === 'ok'), 'nothing of a refused import is stored');
    });

    it('playbooks look assets up', async () => {
      const saved = await h.as('analyst', {
        method: 'POST',
        url: '/api/v1/playbooks',
        payload: {
          source: `id: owner_of
name: Owner of a host
triggers: { manual: true }
steps:
  - id: find
    uses: riposte.lookup_asset
    with: { type: ipv4, value: 10.0.0.10 }
outputs:
  owner: \${{ steps.find.output.owner }}
  criticality: \${{ steps.find.output.criticality }}
`,
        },
      });
      assert.equal(saved.statusCode, 201, saved.body);
      const started = await h.as('analyst', {
        method: 'POST',
        url: '/api/v1/runs',
        payload: { playbookId: 'owner_of' },
      });
      const run = await h.riposte.runs.settle(started.json().id, 5000, { untilTerminal: true });
      assert.deepEqual(run.outputs, { owner: 'it-infra', criticality: 'critical' });
    });
  });
}

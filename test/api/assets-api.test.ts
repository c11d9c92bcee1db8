import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { startWhileHeld } from '../support/interleave.ts';
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

    // PostgreSQL only: SQLite lets one transaction in at a time, so there is nothing to interleave.
    if (kind === 'postgres')
      it('an import that lands while grouping opens a case raises that case too', async () => {
        const { token } = await h.riposte.sources.create(
          { name: 'ids-assets', format: 'suricata' },
          { id: 't', type: 'system' },
        );
        // Grouping looks the new case's observables up among the assets, then among the indicators:
        // holding the indicators table stops it between the two, its asset lookup already done.
        const [alertAnswer, importAnswer] = await startWhileHeld(
          h.riposte.database.db,
          sql`LOCK TABLE intel_indicators IN ACCESS EXCLUSIVE MODE`,
          () =>
            h.app.inject({
              method: 'POST',
              url: '/api/v1/sources/ids-assets/alerts',
              payload: JSON.stringify(eveAlert({ srcIp: '10.77.0.5', destIp: '198.51.100.77', sid: 7700 })),
              headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            }),
          () =>
            h.as('manager', {
              method: 'PUT',
              url: '/api/v1/assets',
              payload: [{ type: 'ipv4', value: '10.77.0.5', criticality: 'critical' }],
            }),
        );
        assert.equal(alertAnswer.statusCode, 202, alertAnswer.body);
        assert.equal(importAnswer.statusCode, 200, importAnswer.body);
        const alertId = alertAnswer.json().alertIds[0] as string;
        const caseId = (await h.as('viewer', { method: 'GET', url: `/api/v1/alerts/${alertId}` })).json()
          .caseId as string;
        const c = (await h.as('viewer', { method: 'GET', url: `/api/v1/cases/${caseId}` })).json();
        const asset = (c.priorityFactors as { factor: string; detail: string }[]).find(
          (f) => f.factor === 'asset_criticality',
        );
        assert.match(asset?.detail ?? '', /critical/, JSON.stringify(c.priorityFactors));
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

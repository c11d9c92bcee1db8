import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startHarness, type Harness } from '../support/harness.ts';
import { databaseKinds } from '../support/test-databases.ts';

/**
 * The "done when", as a new user does it: register a source, post the real Suricata samples
 * from ../shared/fixtures/suricata, and read back the alerts, their observables and the cases formed.
 */
const SAMPLES = new URL('../../../shared/fixtures/suricata/', import.meta.url);
const present = existsSync(SAMPLES);

for (const kind of databaseKinds()) {
  describe(
    `the Suricata samples through the API on ${kind}`,
    { skip: !present && 'shared fixtures not present' },
    () => {
      let h: Harness;
      let token: string;
      before(async () => {
        h = await startHarness(kind);
        const res = await h.as('admin', {
          method: 'POST',
          url: '/api/v1/sources',
          payload: { name: 'suricata-lab', format: 'suricata' },
        });
        token = res.json().token;
      });
      after(() => h.close());

      /** POST one sample file as the source, the way a sensor's forwarder would. */
      const postSample = (file: string, contentType: string) =>
        h.app.inject({
          method: 'POST',
          url: '/api/v1/sources/suricata-lab/alerts',
          payload: readFileSync(new URL(file, SAMPLES), 'utf8'),
          headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
        });

      it('eve-alerts.jsonl: 21 alerts kept (repeats counted), the TLS event rejected, three cases', async () => {
        const res = await postSample('eve-alerts.jsonl', 'application/x-ndjson');
        assert.equal(res.statusCode, 202, res.body);
        const result = res.json();
        assert.equal(result.accepted + result.duplicates, 21);
        assert.ok(
          result.duplicates > 0,
          'repeats of the same detection within the hour are counted, not stored',
        );
        assert.deepEqual(
          result.rejected.map((r: { index: number }) => r.index),
          [20],
          'line 21 is a tls event, not an alert',
        );

        await h.riposte.grouping.drain();
        const alerts = (
          await h.as('viewer', { method: 'GET', url: '/api/v1/alerts?source=suricata-lab&limit=100' })
        ).json().items;
        assert.equal(alerts.length, result.accepted);
        const curl = alerts.find((a: { title: string }) => a.title === 'ET POLICY curl User-Agent Outbound');
        assert.equal(curl.rule.id, '2013028');
        assert.equal(curl.severity, 'medium');
        assert.ok(
          curl.observables.some(
            (o: { type: string; value: string; role?: string }) =>
              o.type === 'ipv4' && o.value === '192.168.1.146' && o.role === 'source',
          ),
        );
        assert.ok(
          curl.observables.some(
            (o: { type: string; value: string; role?: string }) =>
              o.type === 'ipv4' && o.value === '89.160.20.112' && o.role === 'destination',
          ),
        );
        assert.ok(
          curl.observables.some(
            (o: { type: string; value: string }) =>
              o.type === 'domain' && /^example\.(net|org)$/.test(o.value),
          ),
        );

        const cases = (await h.as('viewer', { method: 'GET', url: '/api/v1/cases?status=open' })).json()
          .items;
        assert.equal(cases.length, 3, cases.map((c: { title: string }) => c.title).join(' | '));
        const curlCase = (
          await h.as('viewer', { method: 'GET', url: `/api/v1/cases/${curl.caseId}` })
        ).json();
        assert.equal(
          curlCase.alerts.every((a: { rule: { id: string } }) => a.rule.id === '2013028'),
          true,
        );
        assert.match(curlCase.title, /curl.*192\.168\.1\.146/);
        assert.ok(curlCase.observables.some((o: { value: string }) => o.value === 'example.org'));
        assert.ok(curlCase.priorityFactors.some((f: { factor: string }) => f.factor === 'severity'));
      });

      it('posting the same file again stores nothing new: every record is a duplicate', async () => {
        const res = await postSample('eve-alerts.jsonl', 'application/x-ndjson');
        assert.equal(res.json().accepted, 0);
        assert.equal(res.json().duplicates, 21);
      });

      it('the MITRE-tagged sample carries its technique and tactic', async () => {
        const res = await postSample('eve-alert-mitre-metadata.json', 'application/json');
        assert.equal(res.statusCode, 202, res.body);
        const alert = (
          await h.as('viewer', { method: 'GET', url: `/api/v1/alerts/${res.json().alertIds[0]}` })
        ).json();
        assert.equal(alert.severity, 'high');
        assert.ok(
          alert.mitre.some((m: { technique?: string }) => m.technique === 'T1041'),
          JSON.stringify(alert.mitre),
        );
      });
    },
  );
}

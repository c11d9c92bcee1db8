import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  FAKE_ABUSEIPDB_KEY,
  startFakeAbuseIpdb,
  type FakeAbuseIpdb,
} from '../../src/integrations/abuseipdb/fake-abuseipdb.ts';
import {
  FAKE_VT_KEY,
  startFakeVirusTotal,
  type FakeVirusTotal,
} from '../../src/integrations/virustotal/fake-virustotal.ts';
import { startHarness, type Harness } from '../support/harness.ts';

const MALWARE = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';
const SHA256 = createHash('sha256').update(MALWARE).digest('hex');
const ACTOR = { id: 't', type: 'system' as const };

/** Every observable kind of an ingested alert looked up through the built-in connectors. */
const ENRICH = `
id: enrich_everything
name: Enrich IPs, domains, URLs and hashes
triggers:
  alert: \${{ alert.rule.id == "rule-enrich" }}
steps:
  - id: ips
    for_each: \${{ alert.observables.filter(o, o.type == "ipv4") }}
    concurrency: 4
    do:
      - id: abuse
        uses: abuseipdb.check_ip
        with:
          ip: \${{ item.value }}
      - id: vt_ip
        uses: virustotal.lookup_ip
        with:
          ip: \${{ item.value }}
  - id: domains
    for_each: \${{ alert.observables.filter(o, o.type == "domain") }}
    do:
      - id: vt_domain
        uses: virustotal.lookup_domain
        with:
          domain: \${{ item.value }}
  - id: urls
    for_each: \${{ alert.observables.filter(o, o.type == "url") }}
    do:
      - id: vt_url
        uses: virustotal.lookup_url
        with:
          url: \${{ item.value }}
  - id: hashes
    for_each: \${{ alert.observables.filter(o, o.type == "sha256") }}
    do:
      - id: vt_file
        uses: virustotal.lookup_file
        with:
          hash: \${{ item.value }}
`;

/** Lookups through an instance that does not exist and an integration with none. */
const UNCONFIGURED = `
id: enrich_unconfigured
name: Lookups nothing is configured for
triggers:
  alert: \${{ alert.rule.id == "rule-unconfigured" }}
steps:
  - id: named
    uses: abuseipdb.check_ip
    with: { ip: 185.220.101.4, instance: nowhere }
    continue_on_error: true
  - id: unset
    uses: greynoise.lookup_ip
    with: { ip: 185.220.101.4 }
    continue_on_error: true
`;

function ecsAlert(sourceIp: string, at: string) {
  return {
    '@timestamp': at,
    'kibana.alert.rule.name': 'Malware download',
    'kibana.alert.rule.rule_id': 'rule-enrich',
    'kibana.alert.severity': 'high',
    'event.category': ['malware'],
    'host.name': 'wks-7',
    'source.ip': sourceIp,
    'url.full': 'http://dl.bad-updates.xyz/payload.exe',
    'file.name': 'payload.exe',
    'file.hash.sha256': SHA256,
  };
}

describe('enrichment through the built-in connectors', () => {
  let h: Harness;
  let abuse: FakeAbuseIpdb;
  let vt: FakeVirusTotal;
  let source: string;

  before(async () => {
    abuse = await startFakeAbuseIpdb({
      addresses: { '185.220.101.4': { abuseConfidenceScore: 97, countryCode: 'DE', isTor: true } },
    });
    vt = await startFakeVirusTotal({
      ips: { '185.220.101.4': { malicious: 12, harmless: 50, asOwner: 'Tor exit', country: 'DE' } },
      domains: { 'dl.bad-updates.xyz': { malicious: 9, harmless: 40, registrar: 'Example Registrar' } },
      urls: { 'http://dl.bad-updates.xyz/payload.exe': { malicious: 15, harmless: 30 } },
      files: [{ content: MALWARE, malicious: 60, names: ['payload.exe'] }],
    });
    h = await startHarness('sqlite', { outboundAllow: ['127.0.0.1'] }, { worker: true });
    await h.riposte.instances.put(
      h.riposte.integrations.get('abuseipdb'),
      'prod',
      { fields: { api_key: FAKE_ABUSEIPDB_KEY, base_url: abuse.baseUrl } },
      ACTOR,
    );
    await h.riposte.instances.put(
      h.riposte.integrations.get('virustotal'),
      'prod',
      { fields: { api_key: FAKE_VT_KEY, base_url: vt.apiBase } },
      ACTOR,
    );
    source = (await h.riposte.sources.create({ name: 'elastic', format: 'elastic' }, ACTOR)).token;
    const saved = await h.as('analyst', {
      method: 'POST',
      url: '/api/v1/playbooks',
      payload: { source: ENRICH },
    });
    assert.equal(saved.statusCode, 201, saved.body);
    const unconfigured = await h.as('analyst', {
      method: 'POST',
      url: '/api/v1/playbooks',
      payload: { source: UNCONFIGURED },
    });
    assert.equal(unconfigured.statusCode, 201, unconfigured.body);
  });
  after(async () => {
    await h.close();
    await abuse.close();
    await vt.close();
  });

  const ingest = async (at: string, rule = 'rule-enrich') => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/v1/sources/elastic/alerts',
      payload: JSON.stringify({ ...ecsAlert('185.220.101.4', at), 'kibana.alert.rule.rule_id': rule }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${source}` },
    });
    assert.equal(res.statusCode, 202, res.body);
    const [alertId] = res.json().alertIds as string[];
    const [run] = (await h.riposte.runs.list({ alertId })).items;
    assert.ok(run, 'the playbook was triggered');
    const done = await h.riposte.runs.settle(run.id, 10_000, { untilTerminal: true });
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error ?? done.steps.filter((s) => s.error)));
    return { alertId: alertId!, run: done };
  };

  it('the case shows a verdict with its sources for the IP, domain, URL and hash', async () => {
    const { alertId } = await ingest('2026-11-30T02:00:00Z');
    await h.riposte.grouping.drain();
    const alert = (await h.as('viewer', { method: 'GET', url: `/api/v1/alerts/${alertId}` })).json();
    const kase = (await h.as('viewer', { method: 'GET', url: `/api/v1/cases/${alert.caseId}` })).json();
    const byValue = new Map(
      (kase.enrichment as { value: string; verdict: string; sources: { provider: string }[] }[]).map((e) => [
        e.value,
        e,
      ]),
    );
    const ip = byValue.get('185.220.101.4');
    assert.equal(ip?.verdict, 'malicious');
    assert.deepEqual(ip?.sources.map((s) => s.provider).sort(), ['abuseipdb', 'virustotal']);
    for (const value of ['dl.bad-updates.xyz', 'http://dl.bad-updates.xyz/payload.exe', SHA256]) {
      assert.equal(byValue.get(value)?.verdict, 'malicious', value);
      assert.deepEqual(
        byValue.get(value)?.sources.map((s) => s.provider),
        ['virustotal'],
        value,
      );
    }
  });

  it('a repeated lookup is served from the cache', async () => {
    const before = { abuse: abuse.requests.length, vt: vt.requests.length };
    await ingest('2026-11-30T06:00:00Z');
    assert.equal(abuse.requests.length, before.abuse, 'no new AbuseIPDB request');
    assert.equal(vt.requests.length, before.vt, 'no new VirusTotal request');
  });

  it('a lookup with no instance to run on fails at once as not_configured, not retried', async () => {
    const before = { abuse: abuse.requests.length };
    const { run } = await ingest('2026-11-30T08:00:00Z', 'rule-unconfigured');
    for (const [stepId, message] of [
      ['named', 'abuseipdb has no instance "nowhere"'],
      ['unset', 'greynoise is not configured: add an instance'],
    ] as const) {
      const step = run.steps.find((s) => s.stepId === stepId);
      assert.equal(step?.status, 'failed', stepId);
      assert.equal(step.attempt, 1, `${stepId} was not retried`);
      const { error } = step;
      assert.ok(error?.kind === 'action', `${stepId}: ${JSON.stringify(error)}`);
      assert.deepEqual(
        { code: error.code, retryable: error.retryable },
        { code: 'not_configured', retryable: false },
        stepId,
      );
      assert.ok(error.message.startsWith(message), `${stepId}: ${error.message}`);
    }
    assert.equal(abuse.requests.length, before.abuse, 'nothing was sent to AbuseIPDB');
  });
});

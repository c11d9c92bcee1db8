import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { AlertDraft } from '../../core/alert.ts';
import type { Format } from '../../core/format.ts';
import { RiposteError } from '../../core/riposte-error.ts';
import { normalizerFor } from './registry.ts';

/** Formats the shared samples lack, on fixtures the project wrote from each vendor's documentation. */
const FIXTURES = new URL('../../../test/fixtures/vendor/', import.meta.url);
const ctx = { receivedAt: '2030-01-01T00:00:00.000Z', options: {} };

function normalizeFile(format: Format, file: string, contentType = 'application/json', options = {}) {
  const n = normalizerFor(format);
  return n.split(readFileSync(new URL(file, FIXTURES), 'utf8'), contentType).map((r) => {
    if (!r.ok) return r.error;
    try {
      return n.normalize(r.record, { ...ctx, options });
    } catch (error) {
      assert.ok(error instanceof RiposteError);
      return error;
    }
  });
}

const values = (d: AlertDraft) =>
  d.observables.map((o) => `${o.type}:${o.value}${o.role ? `:${o.role}` : ''}`);

describe('CEF', () => {
  const [pan, syslog, escaped, broken] = normalizeFile('cef', 'cef-lines.txt', 'text/plain') as [
    AlertDraft,
    AlertDraft,
    AlertDraft,
    RiposteError,
  ];

  it('reads header, severity band, extension with escapes, and a value containing spaces and "|"', () => {
    assert.equal(pan.title, 'Command and Control Traffic');
    assert.equal(pan.severity, 'high');
    assert.deepEqual(pan.rule, { id: 'THREAT', name: 'Command and Control Traffic' });
    assert.equal(pan.eventTime, '2026-11-20T10:15:03.000Z');
    assert.equal(pan.category, 'spyware');
    assert.equal(pan.sourceRef, '7301245');
    assert.equal(pan.description, 'Beacon to C2 over TLS | seen twice');
    assert.deepEqual(values(pan), [
      'ipv4:10.1.2.3:source',
      'ipv4:198.51.100.23:destination',
      'host:wks-042:source',
      'user:corp\\alice:actor',
      'url:https://c2.bad-domain.example.com/beacon?id=7:destination',
      'domain:c2.bad-domain.example.com:destination',
    ]);
  });

  it('accepts a syslog header before CEF:, "10" as critical, and an escaped "=" in a file name', () => {
    assert.equal(syslog.title, 'worm successfully stopped');
    assert.equal(syslog.severity, 'critical');
    assert.ok(values(syslog).includes('filename:invoice=2026.exe:file'));
    assert.ok(values(syslog).includes('md5:44d88612fea8a8f36de82e1278abb02f:file'));
  });

  it('unescapes "\\|" in the header, reads word severities and epoch-millisecond times', () => {
    assert.equal(escaped.title, 'Header with | an escaped pipe');
    assert.equal(escaped.severity, 'critical');
    assert.equal(escaped.eventTime, '2026-11-26T10:56:03.000Z');
    assert.ok(values(escaped).includes('host:db01.corp.example.com:destination'));
  });

  it('refuses a short header with the expected layout', () => {
    assert.ok(broken instanceof RiposteError);
    assert.match(broken.message, /7 "\|"-separated fields/);
  });
});

describe('LEEF', () => {
  const [v1, v2, broken] = normalizeFile('leef', 'leef-lines.txt', 'text/plain') as [
    AlertDraft,
    AlertDraft,
    RiposteError,
  ];

  it('LEEF 1.0: tab-separated attributes, sev 1–10, devTime', () => {
    assert.equal(v1.title, 'MSExchange 15345');
    assert.equal(v1.severity, 'medium');
    assert.equal(v1.category, 'Anti-Malware');
    assert.equal(v1.eventTime, '2026-11-20T10:15:03.000Z');
    assert.deepEqual(values(v1), [
      'ipv4:10.50.1.1:source',
      'ipv4:2.10.20.20:destination',
      'user:alice@corp.example:actor',
    ]);
  });

  it('LEEF 2.0: the declared "^" delimiter', () => {
    assert.equal(v2.severity, 'critical');
    assert.ok(values(v2).includes('url:http://exfil.example.org/upload:destination'));
    assert.ok(values(v2).includes('ipv4:10.0.0.5:destination'));
  });

  it('refuses a header without the event id', () => {
    assert.match(broken.message, /Version\|Vendor\|Product\|Version\|EventID/);
  });
});

describe('documented JSON shapes', () => {
  it('GuardDuty through Security Hub (ASFF, {Findings:[…]})', () => {
    const [d] = normalizeFile('guardduty', 'guardduty-asff.json') as [AlertDraft];
    assert.match(d.title, /command and control server/);
    assert.equal(d.severity, 'high');
    assert.equal(d.category, 'malware');
    assert.equal(d.eventTime, '2026-11-20T10:00:00.000Z');
    assert.deepEqual(values(d), [
      'ipv4:10.0.4.17:source',
      'domain:c2.bad-domain.example.com:destination',
      'host:i-0abc123:target',
      'cve:CVE-2021-44228:related',
    ]);
  });

  it('Sentinel SecurityAlert row: entities in a JSON string, defanged URL refanged, techniques', () => {
    const [d] = normalizeFile('sentinel', 'sentinel-securityalert-row.json') as [AlertDraft];
    assert.equal(d.title, 'Suspicious PowerShell command line');
    assert.equal(d.severity, 'high');
    assert.equal(d.rule?.id, 'SuspiciousPowerShell');
    assert.equal(d.eventTime, '2026-11-20T09:28:00.000Z');
    assert.deepEqual(d.mitre, [
      { technique: 'T1059.001', tactic: 'Execution' },
      { technique: 'T1027', tactic: 'Execution' },
    ]);
    assert.deepEqual(values(d), [
      'host:wks-042.corp.example.com:target',
      'user:alice@corp.example.com:target',
      'ipv4:203.0.113.50:related',
      'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855:file',
      'url:http://payload.bad-domain.example.com/a.ps1:related',
      'domain:payload.bad-domain.example.com:related',
    ]);
  });

  it('Sentinel REST SecurityAlert with its entities: camelCase properties, the account with its upnSuffix', () => {
    // The alert as `incidents/{id}/alerts` returns it, with the entities `incidents/{id}/entities`
    // lists for it: kind + properties, camelCase (`accountName`, `upnSuffix`, `hostName`).
    const [d] = normalizeFile('sentinel', 'sentinel-rest-alert-entities.json') as [AlertDraft];
    assert.equal(d.title, 'Atypical travel');
    assert.equal(d.severity, 'medium');
    assert.equal(d.sourceRef, '4b1f7c2e-93a0-4d5b-8e61-2f0c9d7a1b35');
    assert.equal(d.eventTime, '2026-11-20T09:28:00.000Z');
    assert.deepEqual(d.mitre, [{ technique: 'T1078', tactic: 'Initial Access' }]);
    // The sign-in name, not the directory object id (aadUserId) nor the bare account name.
    assert.deepEqual(values(d), [
      'user:adele.vance@corp.example.com:target',
      'ipv4:203.0.113.145:related',
      'host:wks-042.corp.example.com:target',
    ]);
  });

  it('CrowdStrike Alerts API ({resources:[…]}): 0–100 severity, ATT&CK technique', () => {
    const [d] = normalizeFile('crowdstrike', 'crowdstrike-alerts-api.json') as [AlertDraft];
    assert.equal(d.title, 'CredentialDumpingViaLsass');
    assert.equal(d.severity, 'critical');
    assert.equal(d.category, 'account-compromise');
    assert.deepEqual(d.mitre, [{ technique: 'T1003', tactic: 'Credential Access' }]);
    assert.equal(d.sourceRef, 'a1b2c3:ind:d4e5f6:1234-5678');
    assert.ok(values(d).includes('host:dc01:target'));
    assert.ok(values(d).includes('mac:00:50:56:aa:bb:cc:target'));
    assert.ok(values(d).includes('process:procdump64.exe -ma lsass.exe lsass.dmp:related'));
  });

  it('generic: a mapping is validated when the source is created, naming the field', () => {
    const generic = normalizerFor('generic');
    assert.throws(() => generic.validateOptions!({}), /options\.mapping/);
    assert.throws(
      () => generic.validateOptions!({ mapping: { title: 'event.name +' } }),
      (e: RiposteError) => e.path === '/options/mapping/title',
    );
    assert.throws(
      () => generic.validateOptions!({ mapping: { title: 'event.x', colour: 'event.y' } }),
      /colour is not a mapping field/,
    );
    assert.throws(
      () =>
        generic.validateOptions!({
          mapping: { title: 'event.x', observables: [{ type: 'phone', value: 'event.p' }] },
        }),
      (e: RiposteError) => e.path === '/options/mapping/observables/0/type',
    );
  });

  it('generic: maps fields, numbers severity 0–10, falls back to extracting indicators from every string', () => {
    const generic = normalizerFor('generic');
    const options = {
      mapping: {
        title: 'event.alert.name',
        severity: 'event.alert.score',
        ruleId: 'string(event.alert.id)',
        eventTime: 'event.ts',
      },
    };
    const d = generic.normalize(
      {
        alert: { name: 'Impossible travel', score: 8, id: 42 },
        ts: 1795690563,
        details: { from: '198.51.100.9', note: 'login to hxxps://portal.corp-example[.]com' },
      },
      { ...ctx, options },
    );
    assert.equal(d.title, 'Impossible travel');
    assert.equal(d.severity, 'high');
    assert.equal(d.rule?.id, '42');
    assert.equal(d.eventTime, '2026-11-26T10:56:03.000Z');
    assert.deepEqual(values(d), [
      'url:https://portal.corp-example.com/:related',
      'domain:portal.corp-example.com:related',
      'ipv4:198.51.100.9:related',
    ]);
    assert.throws(
      () => generic.normalize({ other: 1 }, { ...ctx, options }),
      (e: RiposteError) => e.path === '/mapping/title',
    );
  });
});

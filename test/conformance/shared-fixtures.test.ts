import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { AlertDraft, Observable } from '../../src/core/alert.ts';
import type { Format } from '../../src/core/format.ts';
import { RiposteError } from '../../src/core/riposte-error.ts';
import { checkDraft } from '../../src/ingest/draft-check.ts';
import { normalizerFor } from '../../src/ingest/normalizers/registry.ts';

/**
 * Conformance over the real third-party samples in ../shared/fixtures (never copied into the repo):
 * every alert-like file goes through its format's split + normalize, and the fields a person reading
 * the raw event would name are checked per file.
 */
const ROOT = new URL('../../../shared/fixtures/', import.meta.url);
const present = existsSync(ROOT);
const skip = !present && 'shared fixtures not present';
const ctx = { receivedAt: '2030-01-01T00:00:00.000Z', options: {} };

type Outcome = { ok: true; draft: AlertDraft } | { ok: false; error: RiposteError };

function run(
  format: Format,
  file: string,
  contentType = 'application/json',
  options: Record<string, unknown> = {},
): Outcome[] {
  const normalizer = normalizerFor(format);
  return normalizer.split(readFileSync(new URL(file, ROOT), 'utf8'), contentType).map((record): Outcome => {
    if (!record.ok) return { ok: false, error: record.error };
    try {
      return { ok: true, draft: checkDraft(normalizer.normalize(record.record, { ...ctx, options })) };
    } catch (error) {
      assert.ok(error instanceof RiposteError, `${file}: a normalizer threw ${String(error)}`);
      return { ok: false, error };
    }
  });
}

/** Panther test files wrap each vendor record as `{rule_id, log, …}`; the vendor record is `log`. */
function runPanther(format: Format, file: string): { ruleId: string; outcome: Outcome }[] {
  const normalizer = normalizerFor(format);
  const records = JSON.parse(readFileSync(new URL(file, ROOT), 'utf8')) as {
    rule_id: string;
    log: unknown;
  }[];
  return records.map((r) => {
    try {
      return {
        ruleId: r.rule_id,
        outcome: { ok: true, draft: checkDraft(normalizer.normalize(r.log, ctx)) },
      };
    } catch (error) {
      assert.ok(error instanceof RiposteError, `${file} ${r.rule_id}: a normalizer threw ${String(error)}`);
      return { ruleId: r.rule_id, outcome: { ok: false, error } };
    }
  });
}

function drafts(outcomes: Outcome[]): AlertDraft[] {
  return outcomes.filter((o): o is { ok: true; draft: AlertDraft } => o.ok).map((o) => o.draft);
}

function has(draft: AlertDraft, type: Observable['type'], value: string, role?: Observable['role']): void {
  const found = draft.observables.find((o) => o.type === type && o.value === value);
  assert.ok(
    found,
    `${draft.title}: expected observable ${type} ${value} in ${JSON.stringify(draft.observables)}`,
  );
  if (role) assert.equal(found.role, role, `${type} ${value} role`);
}

function only<T>(items: T[]): T {
  assert.equal(items.length, 1);
  return items[0]!;
}

describe('conformance: real vendor samples in ../shared/fixtures', { skip }, () => {
  it('suricata/eve-alerts.jsonl: 21 alerts, the tls event refused with its reason', () => {
    const outcomes = run('suricata', 'suricata/eve-alerts.jsonl', 'application/x-ndjson');
    assert.equal(outcomes.length, 22);
    const ds = drafts(outcomes);
    assert.equal(ds.length, 21);
    const refused = outcomes[20]!;
    assert.ok(
      !refused.ok &&
        /event_type is "tls"/.test(refused.error.message) &&
        refused.error.path === '/event_type',
    );
    const curl = ds[0]!;
    assert.equal(curl.title, 'ET POLICY curl User-Agent Outbound');
    assert.equal(curl.severity, 'medium');
    assert.equal(curl.category, 'policy-violation');
    assert.deepEqual(curl.rule, { id: '2013028', name: 'ET POLICY curl User-Agent Outbound' });
    assert.equal(curl.eventTime, '2018-10-03T14:42:44.836Z');
    has(curl, 'ipv4', '192.168.1.146', 'source');
    has(curl, 'ipv4', '89.160.20.112', 'destination');
    has(curl, 'domain', 'example.net', 'destination');
    has(curl, 'url', 'http://example.net/');
    const tlsPort = ds[20]!;
    assert.equal(tlsPort.title, 'SURICATA TLS on unusual port');
    assert.equal(tlsPort.eventTime, '2020-06-26T15:00:03.342Z', 'the -0400 offset is applied');
    has(tlsPort, 'domain', 'host.domain.net');
    assert.deepEqual((tlsPort.raw as { alert: { signature_id: number } }).alert.signature_id, 2610003);
  });

  it('suricata/eve-alert-mitre-metadata.json: severity 1 is high, MITRE from the ET metadata', () => {
    const d = only(drafts(run('suricata', 'suricata/eve-alert-mitre-metadata.json')));
    assert.equal(d.severity, 'high');
    assert.deepEqual(d.mitre, [{ technique: 'T1041', tactic: 'Command And Control' }]);
    has(d, 'domain', 'mirrorlist.centos.org', 'destination');
    has(d, 'ipv4', '18.225.36.18', 'destination');
  });

  it('suricata/eve-mixed-small.jsonl and eve-dns.jsonl: only alert events become alerts', () => {
    const mixed = run('suricata', 'suricata/eve-mixed-small.jsonl', 'application/x-ndjson');
    assert.equal(drafts(mixed).length, 1);
    has(drafts(mixed)[0]!, 'ipv4', '192.168.86.85', 'source');
    assert.equal(drafts(run('suricata', 'suricata/eve-dns.jsonl', 'application/x-ndjson')).length, 0);
  });

  it('zeek notice.log as JSON lines: SQL injection attacker and invalid certificates', () => {
    const ds = drafts(run('zeek', 'zeek/maccdc2012-notice.json.log', 'application/x-ndjson'));
    assert.ok(ds.length >= 10);
    const cert = ds[0]!;
    assert.equal(cert.rule?.id, 'SSL::Invalid_Server_Cert');
    assert.equal(cert.severity, 'low');
    assert.equal(cert.eventTime, '2012-03-17T18:23:37.000Z');
    assert.equal(cert.sourceRef, 'CuYVV7rJKvMp76C0j:SSL::Invalid_Server_Cert');
    has(cert, 'ipv4', '192.168.202.138', 'source');
    has(cert, 'ipv4', '192.168.21.253', 'destination');
    const sqli = ds.find((d) => d.rule?.id === 'HTTP::SQL_Injection_Attacker')!;
    assert.equal(sqli.severity, 'high');
    assert.equal(sqli.category, 'network-intrusion');
    assert.deepEqual(sqli.mitre, [{ tactic: 'Initial Access', technique: 'T1190' }]);
  });

  it('zeek notice.log as TSV with its #fields header', () => {
    const d = only(drafts(run('zeek', 'zeek/zeek-btest-notice-ssh-password-guessing.tsv.log', 'text/plain')));
    assert.equal(d.rule?.id, 'SSH::Password_Guessing');
    assert.match(d.title, /192\.168\.56\.1 appears to be guessing SSH passwords/);
    assert.equal(d.category, 'brute-force');
    assert.deepEqual(d.mitre, [{ tactic: 'Credential Access', technique: 'T1110' }]);
    has(d, 'ipv4', '192.168.56.1', 'source');
    has(d, 'ipv4', '192.168.56.103');
    assert.equal(
      d.eventTime,
      ctx.receivedAt,
      'the masked ts (XXXXXXXXXX.XXXXXX) falls back to the time received',
    );
  });

  it('zeek dns.log and http.log are telemetry, refused with the reason', () => {
    for (const file of ['zeek/zeek-dns.log', 'zeek/zeek-http.log']) {
      const outcomes = run('zeek', file, 'text/plain');
      assert.ok(outcomes.length > 10);
      assert.equal(drafts(outcomes).length, 0);
      const first = outcomes[0]!;
      assert.ok(!first.ok && /only notice\.log/.test(first.error.message));
    }
  });

  it('wazuh: rule 5712 sshd brute force', () => {
    const d = only(drafts(run('wazuh', 'wazuh/wazuh-alert-5712-sshd-bruteforce.json')));
    assert.equal(d.title, 'sshd: brute force trying to get access to the system. Non existent user.');
    assert.equal(d.rule?.id, '5712');
    assert.equal(d.severity, 'medium', 'level 10');
    assert.equal(d.category, 'brute-force');
    assert.equal(d.sourceRef, '1652272159.1549653');
    assert.equal(d.eventTime, '2022-05-11T12:29:19.905Z');
    assert.deepEqual(d.mitre, [{ technique: 'T1110', tactic: 'Credential Access' }]);
    has(d, 'ipv4', '172.17.1.1', 'source');
    has(d, 'user', 'paco', 'actor');
    has(d, 'host', 'localhost.localdomain', 'target');
  });

  it('elastic: Elastic Defend malware prevention alert', () => {
    const d = only(
      drafts(run('elastic', 'elastic-security/elastic-defend-malware-prevention-alert.ecs.json')),
    );
    assert.equal(d.title, 'Malware Prevention Alert');
    assert.equal(d.severity, 'high', 'risk score 73');
    assert.equal(d.category, 'malware');
    assert.equal(d.eventTime, '2022-04-04T12:15:41.594Z');
    has(d, 'host', 'security-win-1', 'target');
    has(d, 'ipv4', '10.201.0.34');
    has(d, 'sha256', '90143dfb2e3210f18e1bcc50eb6c3961d11071e3ec024215b8835e468fa63e53', 'file');
    has(d, 'md5', 'debf08c09d49337fbe7acde4d3749242');
    assert.ok(
      !d.observables.some((o) => o.value === '127.0.0.1' || o.value === '::1'),
      'loopback addresses are left out',
    );
  });

  it('sentinel: an incident from the REST example envelope and SecurityAlert entities from a list', () => {
    const incident = only(
      drafts(run('sentinel', 'microsoft-sentinel/sentinel-api-get-incident.example.json')),
    );
    assert.equal(incident.title, 'My incident (incident 3177)');
    assert.equal(incident.severity, 'high');
    assert.equal(incident.sourceRef, '73e01a99-5cd7-4139-a149-9f2736ff2ab5');
    assert.equal(incident.rule?.id, 'fab3d2d4-747f-46a7-8ef0-9c0be8112bf7');
    assert.equal(incident.eventTime, '2019-01-01T13:00:30.000Z');
    assert.deepEqual(incident.mitre, [{ tactic: 'Initial Access' }, { tactic: 'Persistence' }]);
    const alert = only(
      drafts(run('sentinel', 'microsoft-sentinel/sentinel-api-list-incident-alerts.example.json')),
    );
    assert.equal(alert.title, 'myAlert');
    assert.equal(alert.severity, 'low');
    assert.equal(alert.sourceRef, 'baa8a239-6fde-4ab7-a093-d09f7b75c58c');
  });

  it('defender: the alerts list response, unwrapped from {value:[…]}', () => {
    const ds = drafts(run('defender', 'microsoft-defender/mde-api-alerts-list-response.xsoar-test.json'));
    assert.equal(ds.length, 3);
    assert.equal(ds[0]!.title, 'Demisto Alert');
    assert.equal(ds[0]!.severity, 'medium');
    assert.equal(ds[0]!.sourceRef, 'da637029414680409372_735564929');
    assert.equal(ds[0]!.eventTime, '2019-08-05T00:53:51.146Z');
    assert.equal(ds[1]!.severity, 'low');
  });

  it('guardduty: native EC2 and IAM findings', () => {
    const ec2 = only(drafts(run('guardduty', 'aws-guardduty/guardduty-finding-ec2.json')));
    assert.equal(ec2.rule?.id, 'Canary:EC2/Stateless.IntegTest');
    assert.equal(ec2.severity, 'medium', 'severity 5');
    has(ec2, 'host', 'i-05746eb48123455e0', 'target');
    has(ec2, 'ipv4', '11.111.111.1', 'target');
    assert.ok(!ec2.observables.some((o) => o.value === '0.0.0.0'), 'placeholder addresses are dropped');
    const iam = only(drafts(run('guardduty', 'aws-guardduty/guardduty-finding-iam.json')));
    assert.equal(iam.category, 'reconnaissance');
    assert.equal(iam.rule?.id, 'Recon:IAMUser/MaliciousIPCaller.Custom');
    has(iam, 'ipv4', '198.51.100.0', 'source');
    has(iam, 'user', 'GeneratedFindingUserName', 'target');
  });

  it('guardduty (Panther test records): attack sequences are critical and carry their ATT&CK techniques', () => {
    const results = runPanther('guardduty', 'panther-tests/aws-guardduty-findings.panther-rule-tests.json');
    assert.ok(results.every((r) => r.outcome.ok));
    const critical = results.find((r) => r.ruleId === 'AWS.GuardDuty.CriticalSeverityFinding')!.outcome;
    assert.ok(critical.ok);
    assert.equal(critical.draft.severity, 'critical');
    assert.equal(critical.draft.category, 'account-compromise');
    assert.ok(critical.draft.mitre.some((m) => m.technique === 'T1078.004'));
  });

  it('crowdstrike (Panther test records): detection summaries become alerts, telemetry is refused', () => {
    const results = runPanther(
      'crowdstrike',
      'panther-tests/crowdstrike-falcon-events.panther-rule-tests.json',
    );
    const accepted = results.filter((r) => r.outcome.ok);
    const refused = results.filter((r) => !r.outcome.ok);
    assert.ok(
      accepted.length >= 5 && refused.length >= 50,
      `${accepted.length} accepted, ${refused.length} refused`,
    );
    for (const r of refused)
      assert.ok(!r.outcome.ok && /telemetry|DetectName/.test(r.outcome.error.message), r.ruleId);
    const ngav = accepted.map((r) => r.outcome).find((o) => o.ok && o.draft.title === 'NGAV');
    assert.ok(ngav?.ok);
    assert.equal(ngav.draft.severity, 'low');
    assert.equal(ngav.draft.category, 'malware');
    has(ngav.draft, 'host', 'macbook', 'target');
    has(ngav.draft, 'user', 'bobert', 'actor');
    has(ngav.draft, 'mac', 'aa:bb:cc:dd:5a:d2');
  });

  it('okta: System Log authentication event', () => {
    const d = only(drafts(run('okta', 'okta/okta-systemlog-authentication.raw.json')));
    assert.equal(d.title, 'User login to Okta: john.doe@example.com');
    assert.equal(d.rule?.id, 'user.session.start');
    assert.equal(d.severity, 'informational');
    assert.equal(d.category, 'authentication');
    assert.equal(d.eventTime, '2024-08-13T15:58:20.353Z');
    has(d, 'user', 'john.doe@example.com', 'actor');
    has(d, 'ipv4', '10.0.0.1', 'source');
  });

  it('okta (Panther test records): security events are raised, lower-cased keys are understood', () => {
    const results = runPanther('okta', 'panther-tests/okta-systemlog-events.panther-rule-tests.json');
    const accepted = results.filter((r) => r.outcome.ok);
    assert.ok(accepted.length >= 60, `${accepted.length} of ${results.length}`);
    const grant = results.find((r) => r.ruleId === 'Okta.AdminRoleAssigned')!.outcome;
    assert.ok(grant.ok);
    assert.equal(grant.draft.severity, 'high');
    assert.equal(grant.draft.category, 'privilege-escalation');
    has(grant.draft, 'user', 'jack@acme.io', 'actor');
    has(grant.draft, 'user', 'alice@acme.io', 'target');
    const vpn = results.find((r) => r.ruleId === 'Okta.Anonymizing.VPN.Login')!.outcome;
    assert.ok(vpn.ok, 'the lower-cased Panther form is read');
    has(vpn.draft, 'ipv4', '1.3.2.4', 'source');
  });

  it('splunk: an ES notable event', () => {
    const d = only(drafts(run('splunk', 'splunk/splunk-es-notable-event.xsoar-test.json')));
    assert.equal(d.title, 'Root user use');
    assert.equal(d.rule?.id, 'Identity - Root sucess - Rule');
    assert.equal(d.severity, 'informational', 'urgency');
    assert.equal(d.category, 'account-compromise', 'security_domain identity');
    assert.equal(d.eventTime, '2024-06-05T09:15:24.000Z');
    assert.equal(
      d.sourceRef,
      '5E6DE97D-B137-47AB-8905-8C4F42998937@@notable@@e4f07602f507975e9f7ba47c4ae0c417',
    );
    has(d, 'user', 'root', 'target');
    assert.ok(
      !d.observables.some((o) => o.type !== 'user' && /^x+(\.x+)*$/.test(o.value)),
      'anonymized placeholder hosts are not observables',
    );
  });

  it('ocsf: Detection Findings (GuardDuty, Okta), Authentication, and the Falco Security Finding', () => {
    const gd = only(drafts(run('ocsf', 'ocsf/ocsf-1.1-detection-finding-guardduty.json')));
    assert.match(gd.title, /CloudTrail trail .* was disabled/);
    assert.equal(gd.severity, 'low');
    assert.equal(gd.eventTime, '2023-09-19T15:05:22.487Z');
    has(gd, 'ipv4', '52.94.133.131', 'source');
    const auth = only(drafts(run('ocsf', 'ocsf/ocsf-1.3-authentication-okta.json')));
    assert.equal(auth.category, 'authentication');
    assert.equal(auth.severity, 'informational');
    has(auth, 'user', 'john.doe@example.com', 'actor');
    has(auth, 'ipv4', '10.0.0.1', 'source');
    const okta = only(drafts(run('ocsf', 'ocsf/ocsf-1.3-detection-finding-okta.json')));
    assert.equal(okta.title, 'Login Failures');
    assert.equal(okta.rule?.id, 'security.threat.detected');
    const falco = only(drafts(run('ocsf', 'ocsf/ocsf-detection-finding-falco.json')));
    assert.equal(falco.title, 'Linux Kernel Module Injection Detected');
    assert.equal(falco.severity, 'medium');
    has(falco, 'host', 'host0.local');
  });

  it('falco raw alerts through a generic CEL mapping', () => {
    const mapping = {
      title: 'event.rule',
      description: 'event.output',
      severity: 'event.priority',
      eventTime: 'event.time',
      sourceRef: 'event.uuid',
      ruleId: 'event.rule',
      category: "'runtime-threat'",
      observables: [{ type: 'host', value: 'event.hostname', role: 'target' }],
    };
    const d = only(drafts(run('generic', 'falco/falco-alert.raw.json', 'application/json', { mapping })));
    assert.equal(d.title, 'Linux Kernel Module Injection Detected');
    assert.equal(d.severity, 'medium', 'Falco "Warning"');
    assert.equal(d.eventTime, '2023-01-03T15:11:39.558Z');
    assert.equal(d.category, 'runtime-threat');
    assert.deepEqual(d.observables, [{ type: 'host', value: 'host0.local', role: 'target' }]);
  });

  const phishing = present
    ? readdirSync(new URL('phishing-eml/', ROOT)).filter((f) => f.endsWith('.eml'))
    : [];
  it(`email: every phishing sample (${phishing.length}) parses to a subject, a sender and its indicators`, () => {
    assert.ok(phishing.length >= 10);
    for (const file of phishing) {
      const d = only(drafts(run('email', `phishing-eml/${file}`, 'message/rfc822')));
      assert.equal(d.category, 'phishing', file);
      assert.notEqual(d.title, '(no subject)', file);
      assert.ok(d.observables.length > 0, `${file} yields indicators`);
      assert.ok(!d.sourceRef?.startsWith(' '), file);
    }
    const capitalOne = only(drafts(run('email', 'phishing-eml/sample-1250.eml', 'message/rfc822')));
    assert.equal(capitalOne.title, 'Action Required: New Payment Temporary on Hold');
    has(capitalOne, 'email', 'winner@xserver.com', 'sender');
    has(capitalOne, 'ipv4', '133.18.212.99');
    assert.ok(
      capitalOne.observables.some((o) => o.type === 'sha256' && o.role === 'file'),
      'the HTML attachment is hashed',
    );
    const looseReplyTo = only(drafts(run('email', 'phishing-eml/sample-3347.eml', 'message/rfc822')));
    assert.equal(looseReplyTo.severity, 'high', 'Reply-To on another domain than From');
    assert.match(looseReplyTo.description ?? '', /differs from the sender domain/);
    const spfFail = only(drafts(run('email', 'phishing-eml/sample-398.eml', 'message/rfc822')));
    assert.match(spfFail.description ?? '', /SPF fail/);
    const unicode = only(drafts(run('email', 'phishing-eml/sample-3684.eml', 'message/rfc822')));
    assert.match(unicode.title, /𝗟𝗔𝗦𝗧 𝗔𝗟𝗘𝗥𝗧/, 'RFC 2047 encoded subject decoded');
  });

  it('email: the benign samples parse too, and a forwarded message/rfc822 is analysed as the reported one', () => {
    const benign = readdirSync(new URL('benign-eml/', ROOT)).filter((f) => f.endsWith('.eml'));
    for (const file of benign) {
      const d = only(drafts(run('email', `benign-eml/${file}`, 'message/rfc822')));
      assert.ok(d.title.length > 0, file);
    }
    const forwarded = only(
      drafts(run('email', 'benign-eml/mikel-mail-attachment_message_rfc822.eml', 'message/rfc822')),
    );
    assert.ok(forwarded.observables.some((o) => o.type === 'filename' && o.value === 'broken.pdf'));
  });
});

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ActionError } from '../../src/core/action.ts';
import { DEMO_ALERTS } from '../../src/demo/demo-alerts.ts';
import { prepareDemoDir } from '../../src/demo/demo-data-dir.ts';
import { startDemo, type Demo } from '../../src/demo/demo.ts';
import { isSettled, type AlertProgress } from '../../src/demo/demo-progress.ts';
import { ADDRESSES, CVES, FILES, HOSTS, INVOICE_MAIL, PEOPLE, PHISH } from '../../src/demo/demo-world.ts';

const BIN = new URL('../../bin/riposte.js', import.meta.url).pathname;

/**
 * `riposte demo` end to end: the sample alerts go through the real ingest path, the built-in
 * playbooks work them against the fake vendor servers, and each scenario takes its path — checked
 * on what the fakes were asked and what Riposte stored, not on the lines printed.
 */
describe('riposte demo', { timeout: 150_000 }, () => {
  const root = mkdtempSync(path.join(tmpdir(), 'riposte-demo-'));
  const dataDir = path.join(root, 'data-demo');
  const lines: string[] = [];
  const errors: string[] = [];
  let demo: Demo;
  let all: AlertProgress[] = [];
  let started = 0;
  const of = (key: string) => {
    const found = all.find((p) => p.alert.key === key);
    assert.ok(found, `no progress for ${key}`);
    return found;
  };
  const runOf = async (key: string) => demo.riposte.runs.get(of(key).runs[0]!.id);

  before(async () => {
    started = Date.now();
    demo = await startDemo({
      dataDir,
      port: 0,
      fresh: false,
      spreadMs: 3_000,
      pollMs: 250,
      out: (line) => lines.push(line),
      err: (line) => errors.push(line),
    });
    await demo.fed;
    const deadline = Date.now() + 90_000;
    do {
      await new Promise((resolve) => setTimeout(resolve, 500));
      all = await demo.progress();
      // The watcher prints its summary on its own next look, which may come after this one.
    } while (
      !(
        all.length === DEMO_ALERTS.length &&
        all.every(isSettled) &&
        lines.some((l) => l.startsWith('All '))
      ) &&
      Date.now() < deadline
    );
  });
  after(async () => {
    await demo.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('every sample alert has a case and a run of its playbook that finished or waits for a person', () => {
    assert.equal(all.length, DEMO_ALERTS.length);
    for (const progress of all) {
      const label = `${progress.alert.key}: ${JSON.stringify(progress.runs)}`;
      assert.ok(isSettled(progress), label);
      assert.deepEqual(
        progress.runs.map((r) => r.playbookId),
        [progress.alert.playbook],
        label,
      );
      assert.notEqual(progress.runs[0]!.status, 'failed', label);
    }
    // A line per alert, then the summary.
    for (const progress of all)
      assert.ok(
        lines.some((l) => l.includes(`"${progress.title}"`)),
        progress.alert.key,
      );
    assert.ok(
      lines.some((l) => l.startsWith(`All ${DEMO_ALERTS.length} sample alerts were worked`)),
      lines.join('\n'),
    );
    // Only the hint about an unbuilt console (web/dist) is allowed on stderr.
    assert.deepEqual(
      errors.filter((e) => !e.startsWith('The console is not built')),
      [],
    );
  });

  it('malicious file: Falcon isolated the low-criticality workstation; the critical server waits for a manager', async () => {
    const contained = demo.fakes.crowdstrike.requests.filter(
      (r) => r.path === '/devices/entities/devices-actions/v2' && r.query.get('action_name') === 'contain',
    );
    assert.deepEqual(
      contained.map((r) => (JSON.parse(r.body) as { ids: string[] }).ids),
      [['ws042agent']],
    );
    assert.equal((await runOf('falcon-workstation')).vars['isolation'], 'automatic');
    // The run started at ingest, before grouping gave the alert its case: the verdict still reaches it.
    const workstationCase = await demo.riposte.cases.get(of('falcon-workstation').caseId!);
    assert.ok(workstationCase.tags.includes('verdict:malicious'), workstationCase.tags.join());
    const server = of('falcon-critical-server').runs[0]!;
    assert.deepEqual(
      server.waitingOn.map((q) => [q.kind, q.assignee]),
      [['approval', 'manager']],
    );
    assert.match(server.waitingOn[0]!.title, new RegExp(HOSTS.criticalServer));
  });

  it('malicious file: an unknown file was detonated, found malicious, its host isolated and the file quarantined', async () => {
    assert.ok(demo.fakes.cape.requests.some((r) => r.path.startsWith('/apiv2/tasks/get/report/')));
    const run = await runOf('defender-unknown-file');
    assert.equal(run.status, 'succeeded');
    assert.deepEqual(
      [run.outputs['verdict'], run.outputs['isolation'], run.outputs['quarantine']],
      ['malicious', 'automatic', 'quarantined'],
    );
    assert.deepEqual(
      demo.fakes.defender.actions.map((a) => [
        a.type,
        a.computerDnsName,
        a.relatedFileInfo?.fileIdentifier ?? null,
      ]),
      [
        ['Isolate', HOSTS.laptop, null],
        ['StopAndQuarantineFile', HOSTS.laptop, FILES.stealer.sha1],
      ],
    );
    const installer = await runOf('elastic-installer');
    assert.deepEqual([installer.status, installer.outputs['verdict']], ['succeeded', 'benign']);
  });

  it('phishing: the malicious report was quarantined in every mailbox at once; the suspicious one waits for an approval', async () => {
    const run = await runOf('phish-malicious');
    assert.deepEqual(
      [run.status, run.outputs['verdict'], run.outputs['quarantined']],
      ['succeeded', 'malicious', true],
    );
    for (const mailbox of PHISH.recipients)
      assert.deepEqual(
        demo.fakes.msgraph.mailbox(mailbox)!.whereIs(`<${PHISH.messageId}>`),
        ['Quarantine'],
        mailbox,
      );
    const suspicious = of('phish-suspicious').runs[0]!;
    assert.deepEqual(
      suspicious.waitingOn.map((q) => [q.kind, q.assignee]),
      [['approval', 'manager']],
    );
    for (const mailbox of INVOICE_MAIL.recipients)
      assert.deepEqual(
        demo.fakes.msgraph.mailbox(mailbox)!.whereIs(`<${INVOICE_MAIL.messageId}>`),
        ['Inbox'],
        mailbox,
      );
    assert.ok(demo.fakes.jira.issues.some((i) => i.fields.summary.startsWith('Phishing (malicious)')));
    // The reporter was among the recipients (her mailbox named twice); she was told.
    assert.ok(
      demo.fakes.smtp.received.some(
        (m) => m.to.includes(PHISH.reporter) && m.subject.startsWith('Your report'),
      ),
      'the reporter was told',
    );
    // The link's host, under the reserved .example TLD, was looked up like any other domain.
    assert.equal(run.steps.find((s) => s.key === 'host_reputation[0].vt_domain')?.status, 'succeeded');
    assert.ok(demo.fakes.virustotal.requests.some((r) => r.path === `/api/v3/domains/${PHISH.host}`));
  });

  it('network IDS: the known-bad scanner was blocked on the perimeter list for 24 h; the research scanner case was closed', async () => {
    const run = await runOf('ids-attacker');
    assert.deepEqual(run.outputs['blocked'], [ADDRESSES.attacker]);
    assert.ok(await demo.riposte.edl.has('perimeter', ADDRESSES.attacker));
    const [entry] = (await demo.riposte.responseRules.entries({ runId: run.id })).filter(
      (e) => e.action === 'edl.add_entry',
    );
    assert.ok(entry?.expiresAt, JSON.stringify(entry));
    assert.equal(Date.parse(entry.expiresAt) - Date.parse(entry.appliedAt), 24 * 3600_000);
    const scanner = await demo.riposte.cases.get(of('ids-research-scanner').caseId!);
    assert.deepEqual([scanner.status, scanner.resolution], ['closed', 'benign_positive']);
  });

  it('an alert no automated playbook claims gets the analyst checklist, waiting for the analyst', () => {
    const run = of('wazuh-bruteforce').runs[0]!;
    assert.deepEqual(
      [run.playbookId, run.waitingOn.map((q) => [q.kind, q.assignee])],
      ['analyst_checklist', [['task', 'analyst']]],
    );
  });

  it('account compromise: Okta and Graph sessions revoked and passwords reset; the locks wait for a manager', async () => {
    const jane = demo.fakes.okta.user(PEOPLE.jane.login)!;
    assert.equal(demo.fakes.okta.oauthTokensCleared.get(jane.id), true);
    assert.deepEqual(
      demo.fakes.okta.passwordResets.map((r) => r.userId),
      [jane.id],
    );
    // A reset leaves the account in RECOVERY; only an approved lock suspends it.
    assert.equal(jane.status, 'RECOVERY');
    // The Sentinel alert came in the REST API's shape: the user keeps the domain of its upnSuffix.
    const sentinel = await demo.riposte.alerts.get(of('sentinel-adele-travel').alertId);
    assert.ok(
      sentinel.observables.some((o) => o.type === 'user' && o.value === PEOPLE.adele.upn),
      JSON.stringify(sentinel.observables),
    );
    const adele = demo.fakes.msgraph.user(PEOPLE.adele.upn)!;
    assert.ok(adele.signInSessionsValidFrom !== null);
    assert.equal(adele.passwordProfile.forceChangePasswordNextSignIn, true);
    assert.equal(adele.accountEnabled, true);
    for (const key of ['okta-jane-moscow', 'sentinel-adele-travel'])
      assert.deepEqual(
        of(key).runs[0]!.waitingOn.map((q) => [q.kind, q.assignee]),
        [['approval', 'manager']],
        key,
      );
    assert.equal(of('okta-jane-office').runs[0]!.status, 'succeeded');
  });

  it('vulnerable server: tickets due by the SLA, the owner mailed, a temporary block of the exposed one waits for a manager', async () => {
    const log4shell = demo.fakes.jira.issues.find((i) => i.fields.summary.includes(CVES.log4shell));
    assert.ok(log4shell);
    assert.ok(log4shell.fields.labels.includes('known-exploited'), log4shell.fields.labels.join());
    // Due in 2 days from the day the ticket was opened (the test may have crossed midnight UTC).
    const inTwoDays = (at: number) => new Date(at + 2 * 86_400_000).toISOString().slice(0, 10);
    assert.ok(
      [inTwoDays(started), inTwoDays(Date.now())].includes(log4shell.fields.duedate ?? ''),
      String(log4shell.fields.duedate),
    );
    const low = demo.fakes.jira.issues.find((i) => i.fields.summary.includes(CVES.passwd));
    assert.ok(low?.fields.labels.includes('sla-90d'), JSON.stringify(low?.fields.labels));
    assert.ok(demo.fakes.smtp.received.some((m) => m.to.includes('web-team@corp.example')));
    assert.deepEqual(
      of('wazuh-log4shell').runs[0]!.waitingOn.map((q) => [q.kind, q.assignee]),
      [['approval', 'manager']],
    );
    assert.equal((await runOf('ocsf-regresshion')).outputs['sla_days'], 7);
  });

  it('ransomware: people are told at once, containment waits for a manager', async () => {
    assert.ok(demo.fakes.pagerduty.alerts.some((a) => a.summary.includes(HOSTS.fileServer)));
    assert.ok([...demo.fakes.slack.messages.values()].flat().some((m) => m.text.includes(HOSTS.fileServer)));
    for (const key of ['defender-ransomware', 'falcon-shadow-copies'])
      assert.deepEqual(
        of(key).runs[0]!.waitingOn.map((q) => [q.kind, q.assignee]),
        [['approval', 'manager']],
        key,
      );
    assert.deepEqual(
      demo.fakes.defender.actions.filter((a) => a.computerDnsName === HOSTS.fileServer),
      [],
    );
    // Raised at once, though the run started before grouping gave the alert its case.
    const raised = await demo.riposte.cases.get(of('defender-ransomware').caseId!);
    assert.deepEqual([raised.severity, raised.tags.includes('ransomware')], ['critical', true]);
  });

  it('credentials are sealed; the SSRF guard lets the integrations reach the fakes’ ports and no other', async () => {
    const rows = await demo.riposte.database.db
      .selectFrom('integration_instances')
      .select(['integration', 'fields', 'secrets_enc'])
      .execute();
    assert.equal(rows.length, demo.fakes.instances.length);
    const vt = rows.find((r) => r.integration === 'virustotal')!;
    const key = demo.fakes.instances.find((i) => i.integration === 'virustotal')!.fields['api_key']!;
    assert.ok(!vt.secrets_enc.includes(key) && !vt.fields.includes(key));
    assert.deepEqual([...demo.riposte.config.outboundAllow].sort(), demo.fakes.allow.slice().sort());
    assert.ok(demo.riposte.config.outboundAllow.every((entry) => /^127\.0\.0\.1:\d+$/.test(entry)));
    const elsewhere = demo.riposte.outbound.client({
      baseUrl: 'http://127.0.0.1:9',
      auth: { kind: 'none' },
      fields: {},
      timeoutMs: 2_000,
    });
    await assert.rejects(
      elsewhere.getJson('/'),
      (e: unknown) => e instanceof ActionError && e.code === 'ssrf_blocked',
    );
  });

  it('the demo people log in with the passwords printed once: demo is an admin, analyst an analyst', async () => {
    for (const login of demo.logins) {
      assert.ok(login.password, login.username);
      assert.ok(
        lines.some((l) => l.includes(login.password!)),
        'printed',
      );
      const res = await fetch(`${demo.url}/api/v1/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: login.username, password: login.password }),
      });
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { user: { role: string } }).user.role, login.role);
    }
    assert.deepEqual(
      demo.logins.map((l) => [l.username, l.role]),
      [
        ['demo', 'admin'],
        ['analyst', 'analyst'],
      ],
    );
  });

  it('a manager’s approval in the console lets the run go on, and the demo prints where it got to', async () => {
    const admin = demo.logins.find((l) => l.username === 'demo')!;
    const login = await fetch(`${demo.url}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: admin.username, password: admin.password }),
    });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const runId = of('falcon-critical-server').runs[0]!.id;
    const [approval] = await demo.riposte.tasks.list({ runId, status: 'open', kind: 'approval' });
    assert.ok(approval);
    const decided = await fetch(`${demo.url}/api/v1/approvals/${approval.id}/decision`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({ decision: 'approve', reason: 'confirmed with the DBA on call' }),
    });
    assert.equal(decided.status, 200, await decided.text());
    const deadline = Date.now() + 30_000;
    let progress = of('falcon-critical-server');
    while (Date.now() < deadline) {
      progress = (await demo.progress()).find((p) => p.alert.key === 'falcon-critical-server')!;
      if (isSettled(progress) && !progress.runs[0]!.waitingOn.some((q) => q.kind === 'approval')) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.ok(
      demo.fakes.crowdstrike.requests.some(
        (r) =>
          r.query.get('action_name') === 'contain' &&
          (JSON.parse(r.body) as { ids: string[] }).ids.includes('srvdb01agent'),
      ),
    );
    assert.equal((await demo.riposte.runs.get(runId)).vars['isolation'], 'approved');
    assert.ok(
      lines.some((l) => l.includes(progress.title) && l.includes('Quarantine')),
      lines.join('\n'),
    );
  });

  it('a second start reuses the data: no source, instance or person twice, no alert sent again', async () => {
    const count = async (table: 'sources' | 'integration_instances' | 'users' | 'alerts' | 'runs') =>
      Number(
        (
          await demo.riposte.database.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const tables = ['sources', 'integration_instances', 'users', 'alerts', 'runs'] as const;
    const before = await Promise.all(tables.map(count));
    await demo.close();
    lines.length = 0;
    demo = await startDemo({
      dataDir,
      port: 0,
      fresh: false,
      spreadMs: 0,
      out: (l) => lines.push(l),
      err: (l) => errors.push(l),
    });
    await demo.fed;
    assert.deepEqual(await Promise.all(tables.map(count)), before);
    assert.deepEqual(
      demo.logins.map((l) => l.password),
      [null, null],
    );
    assert.ok(
      lines.some((l) => l.includes('sent at an earlier start')),
      lines.join('\n'),
    );
    // The instances point at this start's fakes.
    const vt = await demo.riposte.instances.resolve(
      demo.riposte.integrations.get('virustotal'),
      'virustotal',
    );
    assert.equal(
      vt.fields['base_url'],
      demo.fakes.instances.find((i) => i.integration === 'virustotal')!.fields['base_url'],
    );
  });

  it('--fresh starts over; a directory the demo did not make is refused', async () => {
    await demo.close();
    demo = await startDemo({
      dataDir,
      port: 0,
      fresh: true,
      spreadMs: 60_000,
      out: () => undefined,
      err: () => undefined,
    });
    assert.ok(demo.logins.every((l) => l.password !== null));
    const alerts = await demo.riposte.database.db.selectFrom('alerts').select('id').execute();
    assert.ok(alerts.length <= 1, `${alerts.length} alerts right after a fresh start`);
    const other = path.join(root, 'data');
    mkdirSync(other);
    writeFileSync(path.join(other, 'riposte.db'), 'not the demo’s');
    assert.throws(() => prepareDemoDir(other, true), /was not made by "riposte demo"/);
  });
});

describe('riposte demo from the command line', { timeout: 60_000 }, () => {
  it('prints the console URL and the logins, and stops cleanly on Ctrl-C', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'riposte-demo-cli-'));
    try {
      const child = spawn(
        process.execPath,
        [BIN, 'demo', '--port', '0', '--data-dir', path.join(dir, 'demo')],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stdout = '';
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no console line: ${stdout}${stderr}`)), 40_000);
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          const match = /Console: +(http:\/\/\S+)\/ui\//.exec(stdout);
          if (match && /Sending \d+ sample alerts/.test(stdout)) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        });
        child.on('exit', (code) => reject(new Error(`demo exited with ${code}: ${stdout}${stderr}`)));
      });
      assert.match(stdout, /Log in: +demo +\S{12,} +admin/);
      assert.equal((await fetch(`${url}/healthz`)).status, 200);
      child.kill('SIGINT');
      assert.equal(await exited, 0, stderr);
      assert.match(stderr, /riposte demo stopped/);
      await assert.rejects(fetch(`${url}/healthz`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

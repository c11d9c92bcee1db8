import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { Alert, AlertDraft } from '../../src/core/alert.ts';
import type { Format } from '../../src/core/format.ts';
import type { PlaybookPlan } from '../../src/core/playbook.ts';
import { offlineCatalog } from '../../src/connections/offline-catalog.ts';
import { analyzeEmail } from '../../src/ingest/email-analysis.ts';
import { checkDraft } from '../../src/ingest/draft-check.ts';
import { normalizerFor } from '../../src/ingest/normalizers/registry.ts';
import { compilePlaybook, formatIssues } from '../../src/playbooks/compile-playbook.ts';
import { routeAlert } from '../../src/runs/alert-routing.ts';
import { builtinFiles } from '../../src/runs/builtin-playbooks.ts';
import { simulate, type ActionResult, type Simulation } from '../../src/runs/run-simulator.ts';

/**
 * The built-in playbooks on the real third-party samples of ../shared/fixtures (never copied into
 * the repository): every reported e-mail goes through the phishing playbook with the integrations
 * answering from what the message contains, and every vendor alert is routed to a built-in
 * playbook — or, when none claims it, to the analyst checklist. Whatever playbooks/builtin holds
 * is used, so a new built-in takes part without changing this file.
 */
const ROOT = new URL('../../../shared/fixtures/', import.meta.url);
const present = existsSync(ROOT);
const skip = !present && 'shared fixtures not present';
const RECEIVED = '2030-01-01T00:00:00.000Z';

const catalog = offlineCatalog();
const plans: { plan: PlaybookPlan }[] = builtinFiles().map((file) => {
  const result = compilePlaybook(readFileSync(file, 'utf8'), { file, catalog });
  assert.ok(result.ok, result.ok ? '' : formatIssues(result.errors));
  return { plan: result.plan };
});
const plan = (id: string) => plans.find((p) => p.plan.id === id)!.plan;

function toAlert(draft: AlertDraft, format: Format, index: number): Alert {
  return {
    ...draft,
    id: `alert_conformance_${index}`,
    source: 'conformance',
    format,
    rule: draft.rule ?? null,
    fingerprint: 'f',
    firstSeen: draft.eventTime,
    lastSeen: draft.eventTime,
    count: 1,
    caseId: 'case_conformance',
    status: 'new',
    createdAt: RECEIVED,
  };
}

function normalize(format: Format, text: string, contentType: string, options = {}): AlertDraft[] {
  const normalizer = normalizerFor(format);
  return normalizer.split(text, contentType).flatMap((record) => {
    if (!record.ok) return [];
    try {
      return [checkDraft(normalizer.normalize(record.record, { receivedAt: RECEIVED, options }))];
    } catch {
      return []; // telemetry a normalizer refuses (DNS, flow, stats records) is not an alert
    }
  });
}

// --- e-mails through the phishing playbook -------------------------------------------------------

const READS_KNOWN = /^(urlhaus|virustotal|urlscan|riposte)\.(lookup|check)/;
const QUARANTINE = /\.quarantine_message$/;

/**
 * The world as the message describes it. `labelled`: the reputation services know the corpus (the
 * links and attachments of a phishing sample are listed as malicious, a benign sample's as harmless).
 * Otherwise nothing answers but the e-mail analysis: the playbook has only the headers to go on.
 */
function world(raw: string, phishing: boolean, labelled: boolean) {
  const analysis = analyzeEmail(raw);
  const maxUrls = 25;
  const analyzed = {
    ...analysis,
    urls: analysis.urls.slice(0, maxUrls),
    url_hosts: analysis.url_hosts.slice(0, maxUrls),
    urls_total: analysis.urls.length,
  };
  const down = (action: string): ActionResult => ({
    error: {
      kind: 'action',
      code: 'not_configured',
      message: `${action} is not configured`,
      retryable: false,
    },
  });
  const verdict = phishing ? 'malicious' : 'benign';
  return (command: { action: string; input: Record<string, unknown> }): ActionResult => {
    const { action, input } = command;
    if (action === 'riposte.analyze_email') return { output: analyzed };
    if (action === 'riposte.search_alerts')
      return { output: { count: 0, alerts: [], hosts: [], users: [], truncated: false } };
    if (action === 'imap.find_message')
      return {
        output: {
          message_id: input['message_id'],
          found: true,
          locations: [{ mailbox: 'reporter', folder: 'INBOX', uid: 1, quarantined: false }],
        },
      };
    if (!labelled || !READS_KNOWN.test(action)) return down(action);
    if (action.startsWith('urlhaus.')) return { output: { found: phishing } };
    if (action === 'riposte.lookup_indicator') return { output: { found: false, verdict: 'unknown' } };
    return { output: { found: true, verdict } };
  };
}

async function phishingRun(file: string, phishing: boolean, labelled: boolean): Promise<Simulation> {
  const raw = readFileSync(new URL(file, ROOT), 'utf8');
  const [draft] = normalize('email', raw, 'message/rfc822');
  assert.ok(draft, `${file} parses`);
  const alert = toAlert(draft, 'email', 0);
  assert.deepEqual(
    routeAlert(plans, alert).map((p) => p.plan.id),
    ['phishing_report'],
    `${file}: an e-mail goes to the phishing playbook`,
  );
  const answer = world(raw, phishing, labelled);
  const simulation = await simulate(plan('phishing_report'), {
    alert,
    actions: (command) => answer(command),
  });
  assert.ok(
    simulation.status === 'succeeded' || simulation.status === 'waiting',
    `${file}: ${simulation.status} ${JSON.stringify(simulation.error)} at ${simulation.path.join(' → ')}`,
  );
  return simulation;
}

const emails = (folder: string) =>
  present
    ? readdirSync(new URL(`${folder}/`, ROOT))
        .filter((f) => f.endsWith('.eml'))
        .map((f) => `${folder}/${f}`)
    : [];

const quarantined = (s: Simulation) => s.actions.some((a) => QUARANTINE.test(a.action));
const reachedPerson = (s: Simulation) => s.asked.length > 0;

describe('conformance: reported e-mails through the phishing playbook', { skip }, () => {
  const phishing = emails('phishing-eml');
  const benign = emails('benign-eml');

  it(`every phishing sample (${phishing.length}) reaches quarantine or a person, even with no reputation service`, async () => {
    assert.ok(phishing.length >= 10);
    for (const file of phishing) {
      const s = await phishingRun(file, true, false);
      const verdict = s.vars['verdict'];
      assert.ok(
        ['suspicious', 'unknown'].includes(String(verdict)) && (reachedPerson(s) || quarantined(s)),
        `${file}: verdict ${String(verdict)}, asked [${s.asked.map((a) => a.step).join(', ')}], path ${s.path.join(' → ')}`,
      );
    }
  });

  it('with reputation services that know the samples, every phishing sample is malicious or suspicious; the malicious ones are quarantined at once', async () => {
    for (const file of phishing) {
      const s = await phishingRun(file, true, true);
      const verdict = String(s.vars['verdict']);
      assert.ok(['malicious', 'suspicious'].includes(verdict), `${file}: ${verdict}`);
      if (verdict === 'malicious') {
        assert.ok(quarantined(s), `${file}: quarantined at once`);
        assert.ok(!s.asked.some((a) => a.step === 'approve_quarantine'), `${file}: without an approval`);
      } else {
        assert.ok(
          s.asked.some((a) => a.step === 'approve_quarantine'),
          `${file}: a manager is asked`,
        );
      }
    }
  });

  it(`no benign sample (${benign.length}) is ever quarantined`, async () => {
    assert.ok(benign.length >= 3);
    for (const file of benign) {
      for (const labelled of [false, true]) {
        const s = await phishingRun(file, false, labelled);
        assert.ok(
          !quarantined(s),
          `${file} (labelled ${labelled}): ${s.actions.map((a) => a.action).join(', ')}`,
        );
        // With nothing to look up (no link, no attachment), an analyst decides.
        if (labelled)
          assert.ok(
            s.vars['verdict'] === 'benign' || s.asked.some((a) => a.step === 'ask_analyst'),
            `${file}: ${String(s.vars['verdict'])}`,
          );
      }
    }
  });
});

// --- vendor alerts: routed to a built-in or the checklist ----------------------------------------

interface Sample {
  file: string;
  format: Format;
  contentType: string;
  options?: Record<string, unknown>;
  /** Panther test files wrap each vendor record as `{ log }`. */
  panther?: boolean;
}

const FALCO_MAPPING = {
  mapping: {
    title: 'event.rule',
    severity: 'event.priority',
    eventTime: 'event.time',
    ruleId: 'event.rule',
    category: "'runtime-threat'",
    observables: [{ type: 'host', value: 'event.hostname', role: 'target' }],
  },
};

/** Each vendor-alert file of the fixtures with the format its source would declare. */
const SAMPLES: Sample[] = [
  ...['eve-alerts.jsonl', 'eve-alert-mitre-metadata.json', 'eve-mixed-small.jsonl'].map((f) => ({
    file: `suricata/${f}`,
    format: 'suricata' as const,
    contentType: 'application/x-ndjson',
  })),
  { file: 'zeek/maccdc2012-notice.json.log', format: 'zeek', contentType: 'application/x-ndjson' },
  { file: 'zeek/zeek-btest-notice-ssh-password-guessing.tsv.log', format: 'zeek', contentType: 'text/plain' },
  { file: 'wazuh/wazuh-alert-5712-sshd-bruteforce.json', format: 'wazuh', contentType: 'application/json' },
  {
    file: 'elastic-security/elastic-defend-malware-prevention-alert.ecs.json',
    format: 'elastic',
    contentType: 'application/json',
  },
  ...['sentinel-api-get-incident.example.json', 'sentinel-api-list-incident-alerts.example.json'].map(
    (f) => ({
      file: `microsoft-sentinel/${f}`,
      format: 'sentinel' as const,
      contentType: 'application/json',
    }),
  ),
  {
    file: 'microsoft-defender/mde-api-alerts-list-response.xsoar-test.json',
    format: 'defender',
    contentType: 'application/json',
  },
  ...['guardduty-finding-ec2.json', 'guardduty-finding-iam.json'].map((f) => ({
    file: `aws-guardduty/${f}`,
    format: 'guardduty' as const,
    contentType: 'application/json',
  })),
  { file: 'okta/okta-systemlog-authentication.raw.json', format: 'okta', contentType: 'application/json' },
  {
    file: 'splunk/splunk-es-notable-event.xsoar-test.json',
    format: 'splunk',
    contentType: 'application/json',
  },
  ...[
    'ocsf-1.1-detection-finding-guardduty.json',
    'ocsf-1.3-authentication-okta.json',
    'ocsf-1.3-detection-finding-okta.json',
    'ocsf-detection-finding-falco.json',
  ].map((f) => ({ file: `ocsf/${f}`, format: 'ocsf' as const, contentType: 'application/json' })),
  {
    file: 'falco/falco-alert.raw.json',
    format: 'generic',
    contentType: 'application/json',
    options: FALCO_MAPPING,
  },
  {
    file: 'panther-tests/aws-guardduty-findings.panther-rule-tests.json',
    format: 'guardduty',
    contentType: 'application/json',
    panther: true,
  },
  {
    file: 'panther-tests/crowdstrike-falcon-events.panther-rule-tests.json',
    format: 'crowdstrike',
    contentType: 'application/json',
    panther: true,
  },
  {
    file: 'panther-tests/okta-systemlog-events.panther-rule-tests.json',
    format: 'okta',
    contentType: 'application/json',
    panther: true,
  },
];

function alertsOf(sample: Sample): AlertDraft[] {
  const text = readFileSync(new URL(sample.file, ROOT), 'utf8');
  if (!sample.panther) return normalize(sample.format, text, sample.contentType, sample.options);
  return (JSON.parse(text) as { log: unknown }[]).flatMap((r) =>
    normalize(sample.format, JSON.stringify(r.log), 'application/json'),
  );
}

describe(
  'conformance: every vendor alert is routed to a built-in playbook or the checklist',
  { skip },
  () => {
    it('the fixtures hold the vendor folders this test reads', () => {
      for (const sample of SAMPLES) assert.ok(existsSync(new URL(sample.file, ROOT)), sample.file);
    });

    it('routes every alert, with no trigger failing on a real record', (t) => {
      const routed = new Map<string, number>();
      const failures: string[] = [];
      let total = 0;
      for (const sample of SAMPLES) {
        const drafts = alertsOf(sample);
        assert.ok(drafts.length > 0, `${sample.file} yields alerts`);
        drafts.forEach((draft, i) => {
          total++;
          const alert = toAlert(draft, sample.format, i);
          const to = routeAlert(plans, alert, (error, id) =>
            failures.push(`${sample.file} #${i} (${draft.title}): trigger of ${id}: ${String(error)}`),
          ).map((p) => p.plan.id);
          assert.ok(to.length > 0, `${sample.file} #${i} "${draft.title}" is routed nowhere`);
          if (sample.format === 'suricata' || sample.format === 'zeek')
            assert.ok(to.includes('network_ids_triage'), `${sample.file} #${i}: ${to.join(', ')}`);
          for (const id of to) routed.set(id, (routed.get(id) ?? 0) + 1);
        });
      }
      assert.deepEqual(failures, []);
      t.diagnostic(
        `${total} alerts: ${[...routed]
          .sort()
          .map(([id, n]) => `${id} ${n}`)
          .join(', ')}`,
      );
      assert.ok(total >= 100, `${total} alerts`);
      assert.ok((routed.get('analyst_checklist') ?? 0) > 0, 'some alerts are left to the checklist');
    });
  },
);

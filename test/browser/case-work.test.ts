import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';
import { chromiumPath, startConsole, type ConsoleHarness } from '../support/browser.ts';
import { containment, startContainmentTarget } from '../support/test-response.ts';

const chrome = chromiumPath();
const ACTOR = { id: 't', type: 'system' as const };

/** Rule 9101: a person is asked; "block" blocks the alert's destination address, reversibly. */
const ASK_THEN_BLOCK = `
id: ask_then_block
name: Ask, then block
triggers:
  alert: \${{ alert.rule.id == "9101" }}
steps:
  - id: ask
    task:
      title: Block \${{ alert.observables.filter(o, o.type == "ipv4" && o.role == "destination")[0].value }}?
      assignee: { role: analyst }
      choices: [block, leave]
  - id: decide
    if: \${{ steps.ask.output.choice == "leave" }}
    then: done
  - id: block
    uses: contain.block_ip
    with:
      ip: \${{ alert.observables.filter(o, o.type == "ipv4" && o.role == "destination")[0].value }}
  - id: done
    end: true
`;

describe('working a case in Chromium', { skip: 'skip' in chrome ? chrome.skip : false }, () => {
  let c: ConsoleHarness;
  let target: Awaited<ReturnType<typeof startContainmentTarget>>;
  let hook: Server;
  const mentions: { mentioned: string[] }[] = [];
  let caseId = '';

  before(async () => {
    target = await startContainmentTarget();
    hook = createServer((request, response) => {
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      request.on('end', () => {
        const body = JSON.parse(text) as { kind: string; mentioned: string[] };
        if (body.kind === 'mention') mentions.push(body);
        response.end('ok');
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    const address = hook.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    c = await startConsole('path' in chrome ? chrome.path : '', {
      setup: (r) => r.addIntegration(containment),
      config: { outboundAllow: ['127.0.0.1'], notifyWebhookUrl: `http://127.0.0.1:${port}/hook` },
    });
    const { riposte } = c.harness;
    await riposte.instances.put(
      riposte.integrations.get('contain'),
      'lab',
      { fields: { base_url: target.url } },
      ACTOR,
    );
    const saved = await c.harness.as('analyst', {
      method: 'POST',
      url: '/api/v1/playbooks',
      payload: { source: ASK_THEN_BLOCK },
    });
    assert.equal(saved.statusCode, 201, saved.body);
    const token = (await riposte.sources.create({ name: 'ids', format: 'suricata' }, ACTOR)).token;
    const alerts = [
      eveAlert({ sid: 4001, severity: 2, srcIp: '10.3.0.4', hostname: 'wiki.example.org' }),
      eveAlert({ sid: 4002, severity: 3, srcIp: '10.3.0.5', hostname: 'cdn.example.net' }),
      eveAlert({
        sid: 4003,
        severity: 1,
        signature: 'ET SCAN VPN brute force',
        srcIp: '10.3.0.6',
        hostname: 'vpn.example.org',
      }),
      eveAlert({
        sid: 4004,
        severity: 1,
        signature: 'ET PHISHING credential page',
        srcIp: '10.3.0.7',
        hostname: 'mail.example.org',
      }),
      eveAlert({
        sid: 9101,
        severity: 2,
        signature: 'ET MALWARE beacon to known C2',
        srcIp: '10.3.0.9',
        destIp: '198.51.100.66',
        hostname: 'c2.example.com',
      }),
    ];
    const res = await c.harness.app.inject({
      method: 'POST',
      url: '/api/v1/sources/ids/alerts',
      payload: JSON.stringify(alerts),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    });
    assert.equal(res.statusCode, 202, res.body);
    await riposte.grouping.drain();
    const caseOf = async (i: number) =>
      (await riposte.alerts.get((res.json().alertIds as string[])[i]!)).caseId!;
    caseId = await caseOf(4);
    assert.ok(caseId);
    // A queue with some history: a high case 50 minutes old (its hour to acknowledge at risk), and one
    // taken three hours after it opened (acknowledged late: breached).
    const openedAgo = (id: string, minutes: number) =>
      riposte.database.db
        .updateTable('cases')
        .set({ created_at: new Date(Date.now() - minutes * 60_000).toISOString() })
        .where('id', '=', id)
        .execute();
    await openedAgo(await caseOf(2), 50);
    const late = await caseOf(3);
    await openedAgo(late, 180);
    await riposte.cases.update(late, { assignee: 'manager', tags: ['phishing', 'vip'] }, ACTOR);
  });
  after(async () => {
    await c?.close();
    await target?.close();
    hook?.close();
  });

  it('triages a case, answers its task, rolls back the containment and closes it with a resolution', async () => {
    const page = await c.loginAs('analyst');
    await page.goto('/ui/cases?sort=priority');
    const queue = page.getByRole('region', { name: 'Case queue' });
    const row = queue.getByRole('row').filter({ hasText: 'ET MALWARE beacon to known C2' });
    await row.waitFor();
    assert.equal(await queue.getByRole('row').count(), 6); // the header and five cases
    await queue
      .getByRole('row')
      .filter({ hasText: 'ET SCAN VPN brute force' })
      .getByText('SLA at risk')
      .waitFor();
    await queue
      .getByRole('row')
      .filter({ hasText: 'ET PHISHING credential page' })
      .getByText('SLA breached')
      .waitFor();
    // The priority explains itself.
    await row.getByRole('button', { name: /^Priority \d+: why$/ }).click();
    await row.getByRole('note').getByText('severity').first().waitFor();
    await row.getByRole('button', { name: /^Priority \d+: why$/ }).click();
    await c.screenshot(page, 'cases');

    await row.getByRole('button', { name: /Assign ".*" to me/ }).click();
    await row.getByRole('cell', { name: 'analyst', exact: true }).waitFor();
    await page.getByLabel('Assignee').selectOption('me');
    await page.waitForURL(/assignee=me/);
    await queue.getByRole('row').nth(2).waitFor({ state: 'detached' });
    assert.equal(await queue.getByRole('row').count(), 2);

    await queue.getByRole('link', { name: 'ET MALWARE beacon to known C2' }).click();
    await page.waitForURL(new RegExp(`/ui/cases/${caseId}$`));
    const summary = page.getByRole('region', { name: 'Summary' });
    assert.equal(await summary.getByTestId('case-assignee').textContent(), 'analyst');
    await summary.getByLabel('Severity').selectOption('critical');
    await page.getByRole('heading', { level: 1 }).getByText('critical').waitFor();
    // Marked contained by hand, then taken back: the contain clock shows beside the others.
    const contained = summary.getByTestId('case-contained');
    assert.match((await contained.textContent()) ?? '', /not yet/);
    await summary.getByText(/^Contain: /).waitFor();
    await contained.getByRole('button', { name: 'Mark contained' }).click();
    await contained.getByRole('button', { name: 'Not contained' }).click();
    await contained.getByRole('button', { name: 'Mark contained' }).waitFor();
    assert.equal((await c.harness.riposte.cases.get(caseId)).containedAt, null);

    const comments = page.getByRole('region', { name: 'Comments' });
    const box = comments.getByLabel(/^Comment/);
    await box.pressSequentially('Beacon confirmed, @man');
    await comments.getByRole('button', { name: 'Mention @manager' }).click();
    await box.pressSequentially('please review the block.');
    await comments.getByRole('button', { name: 'Add comment' }).click();
    await comments.locator('mark.mention', { hasText: '@manager' }).waitFor();
    for (let i = 0; i < 100 && mentions.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(mentions[0]?.mentioned, ['manager']);

    // The run waits for a person: answer from the case view and watch it go on.
    const tasks = page.getByRole('region', { name: 'Tasks and approvals' });
    await tasks.getByRole('heading', { name: 'Task: Block 198.51.100.66?' }).waitFor();
    const runs = page.getByRole('region', { name: 'Playbook runs' });
    await runs.getByTestId('run-status').getByText('waiting').waitFor();
    await tasks
      .getByRole('group', { name: /Answers to/ })
      .getByRole('button', { name: 'block' })
      .click();
    await runs.getByTestId('run-status').getByText('succeeded').waitFor();
    await runs.locator('[data-step="block"].st-succeeded').waitFor();
    assert.ok(target.state.blocked.has('198.51.100.66'));
    await tasks.getByText('Nothing is waiting for a person.').waitFor();
    await runs.getByRole('button', { name: /^block: contain\.block_ip, succeeded$/ }).click();
    const step = runs.getByRole('region', { name: 'Step block' });
    await step.getByText('198.51.100.66').first().waitFor();
    await step.getByRole('heading', { name: 'Outputs' }).waitFor();

    const actions = page.getByRole('region', { name: 'Actions taken' });
    const entry = actions.getByTestId('ledger-entry').filter({ hasText: 'contain.block_ip' });
    await entry.getByText('applied').waitFor();
    await c.screenshot(page, 'case');
    await actions.getByRole('button', { name: 'Roll back containment' }).click();
    await actions.getByRole('button', { name: 'Confirm rollback' }).click();
    await actions
      .getByRole('status')
      .getByText(/undone/)
      .waitFor();
    await entry.getByText('rolled back').waitFor();
    assert.equal(target.state.blocked.has('198.51.100.66'), false);

    await summary.getByRole('combobox', { name: /^Resolution/ }).selectOption('true_positive');
    await summary
      .getByLabel('Resolution note')
      .fill('C2 beacon from a lab machine; block rolled back after reimage.');
    await summary.getByRole('button', { name: 'Close case' }).click();
    await summary.getByTestId('case-resolution').getByText('true positive').waitFor();
    const timeline = page.getByRole('region', { name: 'Timeline' });
    await timeline.getByText('commented, mentioning manager').waitFor();
    await timeline.getByText(/rolled back containment/).waitFor();

    const stored = await c.harness.riposte.cases.get(caseId);
    assert.equal(stored.status, 'closed');
    assert.equal(stored.resolution, 'true_positive');
    assert.equal(stored.severity, 'critical');
    assert.equal(stored.assignee, 'analyst');
    assert.deepEqual(stored.comments.at(-1)?.mentions, ['manager']);
    await page.context().close();
  });

  it("shows a big case's first observables and loads the rest on request", async () => {
    const { riposte } = c.harness;
    await riposte.sources.create({ name: 'noisy-ids', format: 'suricata' }, ACTOR);
    const source = await riposte.sources.get('noisy-ids');
    const body = JSON.stringify(
      Array.from({ length: 250 }, (_, i) =>
        eveAlert({ srcIp: `10.66.${i >> 8}.${i & 255}`, sid: 9166, destIp: '198.51.100.66' }),
      ),
    );
    const { alertIds } = await riposte.ingest.ingest(source, body, 'application/json', ACTOR);
    await riposte.grouping.drain();
    const bigCase = (await riposte.alerts.get(alertIds[0]!)).caseId!;
    const total = (await riposte.cases.get(bigCase)).observableCount;
    assert.ok(total > 250, String(total));

    const page = await c.loginAs('viewer');
    await page.goto(`/ui/cases/${bigCase}`);
    const panel = page.getByRole('region', { name: 'Observables' });
    await panel.getByText(`The first 200 of ${total} observables, by type and value.`).waitFor();
    assert.equal(await panel.locator('tbody tr').count(), 200);
    await panel.getByRole('button', { name: 'Load more observables' }).click();
    await panel.getByRole('button', { name: 'Load more observables' }).waitFor({ state: 'detached' });
    assert.equal(await panel.locator('tbody tr').count(), total);
    assert.equal(await panel.getByText(/The first \d+ of/).count(), 0);
    await panel.getByRole('cell', { name: '10.66.0.249', exact: true }).waitFor();
    await page.context().close();
  });

  it("shows a case's newest comments and loads the older ones on request", async () => {
    const { riposte } = c.harness;
    const kase = (await riposte.cases.list({ status: 'open' })).items[0]!;
    const actor = { id: 'run:run_chatty', type: 'system' as const };
    const before = (await riposte.cases.get(kase.id)).commentCount;
    for (let i = 0; i < 120; i++) await riposte.cases.comment(kase.id, `chatty note ${i}`, actor);
    const total = before + 120;

    const page = await c.loginAs('viewer');
    await page.goto(`/ui/cases/${kase.id}`);
    const panel = page.getByRole('region', { name: 'Comments' });
    await panel.getByText(`The newest 100 of ${total} comments.`).waitFor();
    assert.equal(await panel.getByText('chatty note 0', { exact: true }).count(), 0);
    await panel.getByRole('button', { name: 'Load older comments' }).click();
    await panel.getByText('chatty note 0', { exact: true }).waitFor();
    assert.equal(await panel.getByRole('button', { name: 'Load older comments' }).count(), 0);
    assert.equal(await panel.locator('ol.comments > li').count(), total);
    await page.context().close();
  });

  it('merges a case into another found by its words, and each case shows the other', async () => {
    const { riposte } = c.harness;
    await riposte.sources.create({ name: 'merge-ids', format: 'suricata' }, ACTOR);
    const source = await riposte.sources.get('merge-ids');
    const { alertIds } = await riposte.ingest.ingest(
      source,
      JSON.stringify([
        eveAlert({
          sid: 4701,
          signature: 'ET POLICY odd TLS to rare host',
          srcIp: '10.3.7.1',
          hostname: 'rare-tls.example.net',
        }),
        eveAlert({
          sid: 4702,
          signature: 'ET INFO beacon cadence',
          srcIp: '10.3.7.2',
          hostname: 'cadence.example.net',
        }),
      ]),
      'application/json',
      ACTOR,
    );
    await riposte.grouping.drain();
    const [from, into] = await Promise.all(
      alertIds.map(async (id) => (await riposte.alerts.get(id)).caseId!),
    );
    assert.ok(from && into && from !== into);

    const page = await c.loginAs('analyst');
    await page.goto(`/ui/cases/${from}`);
    const summary = page.getByRole('region', { name: 'Summary' });
    await summary.getByText('Merge into another case').click();
    await summary.getByLabel('Find open cases').fill('cadence');
    await summary.getByRole('button', { name: 'Search' }).click();
    const choices = summary.getByRole('group', { name: 'Merge into' });
    await choices.getByRole('radio').first().waitFor();
    assert.equal(await choices.getByRole('radio').count(), 1);
    await choices.getByRole('radio').check();
    await summary.getByLabel(/^Merge note/).fill('one beacon, two detections');
    await summary.getByRole('button', { name: 'Merge', exact: true }).click();
    await page.waitForURL(new RegExp(`/ui/cases/${into}$`));
    const merged = page.getByRole('region', { name: 'Summary' }).getByTestId('case-merged-from');
    await merged.getByRole('link', { name: /ET POLICY odd TLS to rare host/ }).waitFor();
    await page
      .getByRole('region', { name: 'Linked alerts' })
      .getByText('ET POLICY odd TLS to rare host')
      .first()
      .waitFor();
    await page
      .getByRole('region', { name: 'Timeline' })
      .getByText(`merged case ${from} into this one (1 alert)`)
      .waitFor();

    await merged.getByRole('link').click();
    await page.waitForURL(new RegExp(`/ui/cases/${from}$`));
    const closed = page.getByRole('region', { name: 'Summary' });
    await closed.getByTestId('case-resolution').getByText('duplicate').waitFor();
    await closed.getByText('one beacon, two detections').waitFor();
    await closed.getByTestId('case-merged-into').getByRole('link', { name: into }).waitFor();
    assert.equal(await closed.getByText('Merge into another case').count(), 0);
    await page.context().close();
  });

  it("shows a case's related past cases and what most of them were", async () => {
    const { riposte } = c.harness;
    await riposte.sources.create({ name: 'related-ids', format: 'suricata' }, ACTOR);
    const source = await riposte.sources.get('related-ids');
    const caseOf = async (sid: number) => {
      const { alertIds } = await riposte.ingest.ingest(
        source,
        JSON.stringify(
          eveAlert({
            sid,
            signature: `ET PHISHING lookalike bank ${sid}`,
            srcIp: `10.3.8.${sid % 250}`,
            destIp: '198.51.100.48',
            hostname: 'lookalike-bank.example.net',
          }),
        ),
        'application/json',
        ACTOR,
      );
      await riposte.grouping.drain();
      return (await riposte.alerts.get(alertIds[0]!)).caseId!;
    };
    const past = [];
    for (const sid of [4801, 4802]) {
      const id = await caseOf(sid);
      await riposte.cases.update(id, { status: 'closed', resolution: 'false_positive' }, ACTOR);
      past.push(id);
    }
    const current = await caseOf(4803);

    const page = await c.loginAs('viewer');
    await page.goto(`/ui/cases/${current}`);
    const panel = page.getByRole('region', { name: 'Related cases' });
    await panel
      .getByTestId('related-suggestion')
      .getByText('2 of 2 related closed cases were resolved so', { exact: false })
      .waitFor();
    assert.equal(
      await panel.getByTestId('related-suggestion').locator('strong').textContent(),
      'false positive',
    );
    assert.equal(await panel.getByTestId('related-case').count(), 2);
    await panel
      .getByTestId('related-case')
      .first()
      .getByText('lookalike-bank.example.net', { exact: true })
      .waitFor();
    await panel.getByRole('link', { name: 'ET PHISHING lookalike bank 4801 on 10.3.8.51' }).click();
    await page.waitForURL(new RegExp(`/ui/cases/${past[0]}$`));
    await page.getByRole('region', { name: 'Related cases' }).getByRole('link', { name: /4803/ }).waitFor();
    await page.context().close();
  });

  it('attaches evidence to a case, downloads it as it was, and removes it', async () => {
    const page = await c.loginAs('analyst');
    await page.goto(`/ui/cases/${caseId}`);
    const panel = page.getByRole('region', { name: 'Attachments' });
    await panel.getByText('No files attached.').waitFor();
    const evidence = Buffer.from(
      'GET /beacon HTTP/1.1\r\nHost: c2.example.com\r\n\r\n\u0000\u00ff',
      'latin1',
    );
    await panel.getByLabel('Attach files').setInputFiles({
      name: 'beacon-request.txt',
      mimeType: 'text/plain',
      buffer: evidence,
    });
    const item = panel.getByTestId('attachment').filter({ hasText: 'beacon-request.txt' });
    await item.waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      item.getByRole('link', { name: 'beacon-request.txt' }).click(),
    ]);
    assert.ok(readFileSync((await download.path())!).equals(evidence), 'the same bytes back');
    await page
      .getByRole('region', { name: 'Timeline' })
      .getByText(`attached beacon-request.txt (${evidence.length} bytes)`)
      .waitFor();
    await item.getByRole('button', { name: 'Delete attachment beacon-request.txt' }).click();
    await panel.getByRole('button', { name: /Confirm/ }).click();
    await panel.getByText('No files attached.').waitFor();
    await page.context().close();
  });

  it('offers a viewer the queue and the case without the controls to change them', async () => {
    const page = await c.loginAs('viewer');
    await page.goto(`/ui/cases/${caseId}`);
    await page.getByRole('region', { name: 'Summary' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Assign to me' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Add comment' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Roll back containment' }).count(), 0);
    assert.equal(await page.getByLabel('Attach files').count(), 0);
    // The incident report downloads, for a viewer too.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Markdown', exact: true }).click(),
    ]);
    assert.equal(download.suggestedFilename(), `${caseId}-report.md`);
    const text = readFileSync((await download.path())!, 'utf8');
    assert.match(text, /^# Incident report: ET MALWARE beacon to known C2/);
    assert.match(text, /\| Status \| closed \(true positive\) \|/);
    await page.context().close();
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';
import { chromiumPath, startConsole, type ConsoleHarness } from '../support/browser.ts';
import { SOC_WEEK, seedDashboard } from '../support/dashboard-seed.ts';

const chrome = chromiumPath();

/**
 * The dashboard and the alert queue in Chromium, as an analyst: the figures of a known week, a new
 * alert arriving without a reload, filters saved as a view and applied again, two alerts put into a
 * case at once.
 */
describe('dashboard and alert queue in Chromium', { skip: 'skip' in chrome ? chrome.skip : false }, () => {
  let c: ConsoleHarness;
  let page: Page;
  let sourceToken: string;
  let cases: Record<string, string>;

  before(async () => {
    c = await startConsole('path' in chrome ? chrome.path : '');
    cases = await seedDashboard(c.harness.riposte, Date.now(), SOC_WEEK);
    const source = await c.harness.as('admin', {
      method: 'POST',
      url: '/api/v1/sources',
      payload: { name: 'sensor', format: 'suricata' },
    });
    sourceToken = source.json().token;
    page = await c.loginAs('analyst');
  });
  after(async () => {
    await page?.context().close();
    await c?.close();
  });

  const filters = () => page.getByRole('form', { name: 'Alert filters' });
  // The queue keeps the rows it shows while the next query loads; aria-busy says when it is done.
  const loadedQueue = async () => {
    await page.locator('section[aria-label="Alert queue"][aria-busy="false"]').waitFor();
    return page.getByRole('region', { name: 'Alert queue' });
  };
  const ingest = async (signature: string, severity = 2) => {
    const res = await fetch(`${c.baseUrl}/api/v1/sources/sensor/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${sourceToken}` },
      body: JSON.stringify(
        eveAlert({
          signature,
          severity,
          sid: 9000 + signature.length,
          hostname: `${signature.length}.example.net`,
        }),
      ),
    });
    assert.equal(res.status, 202);
  };

  it('shows the figures of the seeded week, and a severity opens the filtered case list', async () => {
    const main = page.getByRole('main');
    await main.getByRole('link', { name: 'high: 2 open cases' }).waitFor();
    await main.getByRole('link', { name: 'critical: 1 open case' }).waitFor();
    assert.equal(await page.getByTestId('kpi-open-cases').textContent(), '3');
    // MTTA: six acknowledged cases, 105 min on average; MTTR: four closed cases, 465 min.
    assert.equal(await page.getByTestId('kpi-mtta').textContent(), '1.8 h');
    assert.equal(await page.getByTestId('kpi-mttr').textContent(), '7.8 h');
    assert.equal(await page.getByTestId('kpi-automation-rate').textContent(), '25 %');
    assert.equal(await page.getByTestId('kpi-pending-approvals').textContent(), '2');
    const rules = main.getByRole('table');
    await rules.getByRole('link', { name: 'Port scan' }).waitFor();
    assert.match(
      (await rules.getByRole('row').nth(1).textContent()) ?? '',
      /Port scan.*ids.*5.*3.*67 %.*\(2 of 3\)/,
    );
    await c.screenshot(page, 'dashboard');
    await main.getByRole('link', { name: 'high: 2 open cases' }).click();
    await page.waitForURL(/\/ui\/cases\?status=open&severity=high$/);
  });

  it('shows a new alert at the top of the open queue without a reload, and counts them when filtered', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Alerts' }).click();
    const queue = page.getByRole('region', { name: 'Alert queue' });
    await queue.getByRole('button', { name: 'Port scan' }).first().waitFor();
    await ingest('Beacon to a new domain');
    await queue.getByRole('button', { name: 'Beacon to a new domain' }).waitFor();
    assert.equal(
      await queue.getByRole('row').nth(1).getByRole('button').textContent(),
      'Beacon to a new domain',
      'the new alert is the first row',
    );
    await queue.getByRole('button', { name: 'Beacon to a new domain' }).click();
    const detail = page.getByRole('region', { name: 'Alert details' });
    await detail.getByRole('cell', { name: '10.20.30.40' }).waitFor();
    assert.match(
      (await detail.getByLabel('Raw event').textContent()) ?? '',
      /"signature": "Beacon to a new domain"/,
    );
    await detail.getByRole('button', { name: 'Close details' }).click();
    await filters().getByLabel('Severity').selectOption('critical');
    await page.waitForURL(/severity=critical/);
    await ingest('Another arrival while filtered');
    await page.getByRole('status').filter({ hasText: '1 new alert' }).waitFor();
  });

  it('filters the queue, saves the filters as a view and applies it again', async () => {
    await filters().getByRole('button', { name: 'Clear' }).click();
    await page.waitForURL(/\/ui\/alerts$/);
    await filters().getByLabel('Severity').selectOption('high');
    await filters().getByLabel('Source').fill('ids');
    await filters().getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/\/ui\/alerts\?severity=high&source=ids$/);
    const queue = await loadedQueue();
    assert.equal(await queue.getByRole('row').count(), 4, 'a header and the three high Port scan alerts');
    await page.getByLabel('View name').fill('High from the IDS');
    await page.getByRole('button', { name: 'Save view' }).click();
    await page.getByText('Saved “High from the IDS”.').waitFor();
    await c.screenshot(page, 'alerts');
    await filters().getByRole('button', { name: 'Clear' }).click();
    await page.waitForURL(/\/ui\/alerts$/);
    await page.getByRole('combobox', { name: /^Saved view/ }).selectOption({ label: 'High from the IDS' });
    await page.waitForURL(/\/ui\/alerts\?severity=high&source=ids$/);
    assert.equal(await filters().getByLabel('Source').inputValue(), 'ids');
    await loadedQueue();
    assert.equal(await queue.getByRole('row').count(), 4);
  });

  it('attaches two selected alerts to an open case', async () => {
    await filters().getByRole('button', { name: 'Clear' }).click();
    await filters().getByLabel('Rule').fill('R2');
    await filters().getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/rule=R2/);
    const queue = page.getByRole('region', { name: 'Alert queue' });
    await queue.getByRole('checkbox', { name: 'Select SSH' }).nth(1).waitFor();
    await queue.getByRole('checkbox', { name: 'Select SSH' }).nth(0).check();
    await queue.getByRole('checkbox', { name: 'Select SSH' }).nth(1).check();
    const bulk = page.getByRole('region', { name: 'Bulk actions' });
    await bulk.getByText('2 selected').waitFor();
    const target = cases.c2!;
    await bulk.getByLabel('Open case').selectOption(target);
    await bulk.getByRole('button', { name: 'Attach to case' }).click();
    await bulk.getByText('Attached 2 alerts.').waitFor();
    const attached = await c.harness.as('viewer', {
      method: 'GET',
      url: `/api/v1/alerts?caseId=${target}`,
    });
    assert.equal(attached.json().items.length, 2);
    assert.ok(attached.json().items.every((a: { rule: { id: string } }) => a.rule.id === 'R2'));
    await queue
      .getByRole('link', { name: target.slice(-8) })
      .first()
      .waitFor();
  });
});

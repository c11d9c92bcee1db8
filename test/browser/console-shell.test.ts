import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';
import { chromiumPath, startConsole, type ConsoleHarness } from '../support/browser.ts';

const chrome = chromiumPath();

describe('console shell in Chromium', { skip: 'skip' in chrome ? chrome.skip : false }, () => {
  let c: ConsoleHarness;
  before(async () => {
    c = await startConsole('path' in chrome ? chrome.path : '');
  });
  after(() => c?.close());

  it('refuses a wrong password with the reason, then logs in and shows the person and role', async () => {
    const context = await c.browser.newContext({ baseURL: c.baseUrl });
    const page = await context.newPage();
    await page.goto('/ui/cases');
    await page.getByLabel('Username').fill('analyst');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Log in' }).click();
    const error = await page.getByRole('alert').textContent();
    assert.match(error ?? '', /password|credentials/i);
    await context.close();
    const logged = await c.loginAs('analyst');
    assert.equal(await logged.getByTestId('who').textContent(), 'analyst · analyst');
    await logged.context().close();
  });

  it('offers a viewer no audit log, and a manager the audit log', async () => {
    const viewer = await c.loginAs('viewer');
    const nav = viewer.getByRole('navigation', { name: 'Main' });
    assert.equal(await nav.getByRole('link', { name: 'Audit log' }).count(), 0);
    await viewer.goto('/ui/audit');
    await viewer.getByText('cannot open this page').waitFor();
    await viewer.context().close();
    const manager = await c.loginAs('manager');
    assert.equal(
      await manager
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: 'Audit log' })
        .count(),
      1,
    );
    await manager.context().close();
  });

  it("lets an admin set a person's password in Settings, and the person logs in with it", async () => {
    const admin = await c.loginAs('admin');
    await admin.goto('/ui/settings');
    await admin.getByRole('tab', { name: 'Users' }).click();
    const form = admin.getByRole('form', { name: 'Set a password' });
    await form.getByLabel('Person').selectOption({ label: 'viewer' });
    await form.getByLabel('New password').fill('a brand new passphrase');
    await form.getByRole('button', { name: 'Set password' }).click();
    await admin.getByText('viewer has a new password').waitFor();
    await admin.context().close();
    const context = await c.browser.newContext({ baseURL: c.baseUrl });
    const page = await context.newPage();
    await page.goto('/ui/');
    await page.getByLabel('Username').fill('viewer');
    await page.getByLabel('Password').fill('a brand new passphrase');
    await page.getByRole('button', { name: 'Log in' }).click();
    assert.equal(await page.getByTestId('who').textContent(), 'viewer · viewer');
    await context.close();
  });

  it('switches to the dark theme and keeps it after a reload', async () => {
    const page = await c.loginAs('analyst');
    await page.getByLabel('Dark theme').check();
    await page.reload();
    await page.getByTestId('who').waitFor();
    assert.equal(await page.locator('html').getAttribute('data-theme'), 'dark');
    // Alerts, so the dark screenshot shows a case.
    const { token } = await c.harness.riposte.sources.create(
      { name: 'dark-ids', format: 'suricata' },
      { id: 'test-setup', type: 'system' },
    );
    const sent = await fetch(`${c.baseUrl}/api/v1/sources/dark-ids/alerts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify([
        eveAlert({
          signature: 'ET SCAN Nmap scripting engine',
          sid: 7001,
          srcIp: '198.51.100.23',
          severity: 2,
        }),
        eveAlert({
          signature: 'ET MALWARE beacon to known C2',
          sid: 7002,
          destIp: '203.0.113.9',
          severity: 1,
        }),
        eveAlert({
          signature: 'ET POLICY outbound SMB',
          sid: 7003,
          srcIp: '10.1.0.90',
          destIp: '192.0.2.45',
          severity: 3,
        }),
      ]),
    });
    assert.equal(sent.status, 202);
    await c.harness.riposte.grouping.drain();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Cases' }).click();
    await page
      .getByRole('link', { name: /ET (SCAN|MALWARE|POLICY)/ })
      .first()
      .waitFor();
    await c.screenshot(page, 'cases-dark');
    await page.context().close();
  });
});

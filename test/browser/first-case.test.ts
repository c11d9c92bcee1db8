import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chromiumPath, startConsole, type ConsoleHarness } from '../support/browser.ts';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';

const chrome = chromiumPath();

/**
 * A new team's first hour, in the console only: an admin registers a source (the token is shown once),
 * a tool posts an alert with that token, and the admin works the case it formed to a resolution.
 */
describe(
  'a first case, from source to resolution, in Chromium',
  { skip: 'skip' in chrome ? chrome.skip : false },
  () => {
    let c: ConsoleHarness;
    before(async () => {
      c = await startConsole('path' in chrome ? chrome.path : '');
    });
    after(() => c?.close());

    it('creates a source, sees its alert arrive, and closes the case it formed', async () => {
      const page = await c.loginAs('admin');
      await page.getByRole('link', { name: 'Settings' }).click();
      await page.getByRole('tab', { name: 'Sources' }).click();
      const form = page.getByRole('form', { name: 'New source' });
      await form.getByLabel('Source name').fill('edge-ids');
      await form.getByLabel('Format').selectOption('suricata');
      await form.getByRole('button', { name: 'Create source' }).click();
      const token = (await page.getByTestId('source-token').textContent())!.trim();
      assert.ok(token.length > 20);
      await page.getByRole('cell', { name: 'edge-ids', exact: true }).waitFor();

      // The IDS sends an alert, as it would with the token the admin copied.
      const sent = await fetch(`${c.baseUrl}/api/v1/sources/edge-ids/alerts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(eveAlert({ signature: 'ET POLICY first case beacon', sid: 4242001 })),
      });
      assert.equal(sent.status, 202);

      await page.getByRole('link', { name: 'Alerts' }).click();
      await page.getByText('ET POLICY first case beacon').first().waitFor();
      await page.getByRole('link', { name: 'Cases' }).click();
      await page
        .getByRole('link', { name: /ET POLICY first case beacon/ })
        .first()
        .click();
      await page.getByRole('button', { name: 'Assign to me' }).click();
      await page
        .getByLabel('Assignee')
        .locator('option:checked', { hasText: 'admin' })
        .waitFor({ state: 'attached' });
      const close = page.getByRole('region', { name: 'Summary' });
      await close.getByRole('combobox', { name: /^Resolution/ }).selectOption('benign_positive');
      await close.getByLabel('Resolution note').fill('Scheduled policy test from the lab.');
      await close.getByRole('button', { name: 'Close case' }).click();
      await page.getByRole('button', { name: 'Reopen case' }).waitFor();

      const cases = (await c.harness.riposte.cases.list({ status: 'closed' })).items;
      const closed = cases.find((k) => k.title.includes('first case beacon'));
      assert.ok(closed, 'the case is closed in the store');
      assert.equal(closed.assignee, 'admin');
      assert.equal(closed.resolution, 'benign_positive');
      await page.context().close();
    });
  },
);

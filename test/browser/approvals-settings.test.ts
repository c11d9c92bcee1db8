import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FakeServer } from '../../src/integrations/sdk/fake-server.ts';
import { startFakeWeb } from '../../src/integrations/web/fake-web.ts';
import type { Page } from 'playwright-core';
import { chromiumPath, startConsole, type ConsoleHarness } from '../support/browser.ts';
import { FakeTarget } from '../support/fake-target.ts';

const chrome = chromiumPath();
const SECRET = 'hdr-secret-4e7a19c2';

const APPROVE_THEN_BLOCK = `
id: approve_then_block
name: Approve, then block
triggers: { manual: true }
steps:
  - id: ask
    approval:
      title: Block 203.0.113.50?
      description: It scanned 4,000 hosts in ten minutes.
      approvers: { role: manager }
      expires_in: 1h
  - id: block
    uses: fake.block
    with: { ip: 203.0.113.50 }
`;

/**
 * The manager's and admin's pages in Chromium: an approval decided from the inbox moves its run on,
 * an integration instance keeps its secret write-only and passes its connection test, the kill switch
 * shows on every page while engaged, and the audit log shows all of it by actor.
 */
describe(
  'approvals, integrations, settings and audit in Chromium',
  { skip: 'skip' in chrome ? chrome.skip : false },
  () => {
    let c: ConsoleHarness;
    let web: FakeServer;
    const fake = new FakeTarget();
    // One admin session for the admin's three tests: logging in is the slow part.
    let adminPage: Page | undefined;
    const asAdmin = async () => (adminPage ??= await c.loginAs('admin'));

    before(async () => {
      web = await startFakeWeb({ header: { name: 'x-api-key', value: SECRET } });
      c = await startConsole('path' in chrome ? chrome.path : '', {
        config: { outboundAllow: ['127.0.0.1'] },
        setup: (riposte) => {
          for (const action of fake.actions()) riposte.actions.register(action);
        },
      });
    });
    after(async () => {
      await adminPage?.context().close();
      await c?.close();
      await web?.close();
    });

    const api = (role: 'analyst', method: 'GET' | 'POST', url: string, payload?: object) =>
      c.harness.as(role, { method, url, ...(payload ? { payload } : {}) });

    it('a manager approves a waiting run from the inbox with a reason, and the run goes on', async () => {
      const saved = await api('analyst', 'POST', '/api/v1/playbooks', { source: APPROVE_THEN_BLOCK });
      assert.equal(saved.statusCode, 201, saved.body);
      const runId = (
        await api('analyst', 'POST', '/api/v1/runs', { playbookId: 'approve_then_block' })
      ).json().id as string;

      const page = await c.loginAs('manager');
      await page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: 'Approvals & tasks' })
        .click();
      // Opened after the page loads or before: the inbox shows it either way (live, or on load).
      const card = page.getByRole('article', { name: 'Block 203.0.113.50?' });
      await card.waitFor();
      const text = (await card.textContent()) ?? '';
      assert.match(text, /Approve, then block/);
      assert.match(text, /approval step ask/);
      assert.match(text, /0 of 1 approval/);
      assert.match(text, /started by test-analyst/);
      assert.equal(
        fake.calls.filter((call) => call.action === 'fake.block').length,
        0,
        'not before approval',
      );

      await card.getByRole('button', { name: 'Approve' }).click();
      assert.match((await card.getByRole('alert').textContent()) ?? '', /reason is required/);
      await card.getByLabel('Reason').fill('confirmed scanner, block it');
      await c.screenshot(page, 'approvals');
      await card.getByRole('button', { name: 'Approve' }).click();
      await card.waitFor({ state: 'detached' });

      for (let i = 0; i < 200; i++) {
        const run = await c.harness.riposte.runs.get(runId);
        if (run.status === 'succeeded' || run.status === 'failed') break;
        await new Promise((r) => setTimeout(r, 25));
      }
      assert.equal((await c.harness.riposte.runs.get(runId)).status, 'succeeded');
      assert.ok(
        fake.calls.some((call) => call.action === 'fake.block' && call.input['ip'] === '203.0.113.50'),
      );
      await page.getByLabel('Show').selectOption('completed');
      const done = page.getByRole('article', { name: 'Block 203.0.113.50?' });
      assert.match((await done.textContent()) ?? '', /manager: approve — “confirmed scanner, block it”/);
      await page.context().close();
    });

    it('an admin creates an instance whose secret is never shown back, and tests its connection', async () => {
      const page = await asAdmin();
      await page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: 'Integrations' })
        .click();
      await page.getByLabel('Category').selectOption('utility');
      await page.getByRole('button', { name: 'Add Web (generic HTTP) instance' }).click();
      const form = page.getByRole('form', { name: 'New Web (generic HTTP) instance' });
      await form.getByLabel('Instance name').fill('lab');
      await form.getByLabel('Base URL').fill(`${web.url}/protected/`);
      await form.getByLabel('Auth header name').fill('x-api-key');
      await form.getByLabel('Auth header value').fill(SECRET);
      await form.getByRole('button', { name: 'Save instance' }).click();
      await page.getByRole('status').filter({ hasText: 'Saved web/lab' }).waitFor();
      assert.doesNotMatch(await page.content(), new RegExp(SECRET), 'the secret is not in the page');

      // Editing shows no value, and saving with the secret left empty keeps it.
      await page.getByRole('button', { name: 'Edit web/lab' }).click();
      const edit = page.getByRole('form', { name: 'Edit web/lab' });
      const secret = edit.getByRole('textbox', { name: /^Auth header value/ });
      assert.equal(await secret.inputValue(), '');
      assert.equal(await secret.getAttribute('placeholder'), 'stored — leave empty to keep');
      await edit.getByRole('button', { name: 'Save instance' }).click();
      await page.getByRole('status').filter({ hasText: 'Saved web/lab' }).waitFor();

      await page.getByRole('button', { name: 'Test connection web/lab' }).click();
      const result = page.getByTestId('test-result');
      await result.waitFor();
      assert.match((await result.textContent()) ?? '', /Connection OK/);
      assert.equal(web.requests.at(-1)?.headers['x-api-key'], SECRET, 'the stored secret was used');
      const row = page.getByRole('row').filter({ hasText: 'lab' }).filter({ hasText: 'Test connection' });
      await row.getByText('✓ ok').first().waitFor();
      assert.doesNotMatch(await page.content(), new RegExp(SECRET));
      await c.screenshot(page, 'integrations');
    });

    it('an admin engages the kill switch: every page shows the banner, to everyone, until it is released', async () => {
      const page = await asAdmin();
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
      await page.getByRole('tab', { name: 'Kill switch' }).click();
      const banner = page.getByTestId('kill-switch-banner');
      assert.equal(await banner.count(), 0);
      assert.equal(await page.getByTestId('kill-switch-state').textContent(), 'Released');
      await page.getByLabel('Reason').fill('suspected automation loop');
      await page.getByRole('button', { name: 'Engage the kill switch' }).click();
      await banner.waitFor();
      assert.match((await banner.textContent()) ?? '', /suspected automation loop/);
      assert.equal(await page.getByTestId('kill-switch-state').textContent(), 'Engaged');
      await c.screenshot(page, 'settings');

      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Cases' }).click();
      await banner.waitFor();
      const viewer = await c.loginAs('viewer');
      await viewer.getByTestId('kill-switch-banner').waitFor();
      await viewer.goto('/ui/settings');
      assert.equal(
        await viewer.getByRole('button', { name: /kill switch/ }).count(),
        0,
        'a viewer only sees it',
      );
      await viewer.context().close();

      await page.goto('/ui/settings?tab=kill-switch');
      await page.getByLabel('Reason').fill('loop fixed');
      await page.getByRole('button', { name: 'Release the kill switch' }).click();
      await banner.waitFor({ state: 'detached' });
      assert.equal(await page.getByTestId('kill-switch-state').textContent(), 'Released');
      assert.equal((await c.harness.riposte.responseRules.killSwitch()).engaged, false);
    });

    it('an admin creates an API token limited to reading cases: shown once, listed with its scopes', async () => {
      const page = await asAdmin();
      await page.goto('/ui/settings?tab=tokens');
      const form = page.getByRole('form', { name: 'New API token' });
      await form.getByLabel('Token name').fill('siem dashboard');
      await form.getByLabel('Token role').selectOption('analyst');
      await form.getByLabel('Scopes (optional)').fill('cases:read');
      await form.getByRole('button', { name: 'Create token' }).click();
      const token = (await page.getByTestId('new-token').textContent()) ?? '';
      assert.match(token, /^rpt_/);
      const row = page.getByRole('row', { name: /siem dashboard/ });
      assert.match((await row.textContent()) ?? '', /analyst\s*cases:read/);
      const statuses = await page.evaluate(async (bearer) => {
        const headers = { authorization: `Bearer ${bearer}` };
        const cases = await fetch('/api/v1/cases', { headers, credentials: 'omit' });
        const alerts = await fetch('/api/v1/alerts', { headers, credentials: 'omit' });
        return [cases.status, alerts.status];
      }, token);
      assert.deepEqual(statuses, [200, 403]);
    });

    it('the audit log shows these entries, filtered by actor, with details and a verified chain', async () => {
      const page = await asAdmin();
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
      await page.getByLabel('Actor').fill('admin');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      // The unfiltered entries stay on screen until the filtered ones replace them.
      await page.waitForURL(/actor=admin/);
      await page.locator('section[aria-label="Entries"][aria-busy="false"]').waitFor();
      const table = page.getByRole('table');
      await table.getByText('response.kill_switch.lift').waitFor();
      const actions = await table.locator('tbody td:nth-child(3)').allTextContents();
      for (const action of [
        'response.kill_switch.engage',
        'response.kill_switch.lift',
        'integration.instance.create',
        'integration.instance.update',
      ])
        assert.ok(actions.includes(action), `${action} in ${actions.join(', ')}`);
      const actors = await table.locator('tbody td:nth-child(2)').allTextContents();
      assert.ok(
        actors.every((a) => a.startsWith('admin')),
        actors.join(', '),
      );
      assert.equal(
        actions.indexOf('response.kill_switch.lift') < actions.indexOf('response.kill_switch.engage'),
        true,
        'newest first',
      );
      await page.getByRole('button', { name: 'Verify the chain' }).click();
      await page.getByText(/Chain intact: \d+ entries checked/).waitFor();
      await c.screenshot(page, 'audit');

      await page.getByLabel('Actor').fill('manager');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await page.waitForURL(/actor=manager/);
      await page.locator('section[aria-label="Entries"][aria-busy="false"]').waitFor();
      const approved = page.getByRole('row').filter({ hasText: 'approval.approved' });
      await approved.waitFor();
      assert.equal(await page.getByRole('row').filter({ hasText: 'response.kill_switch' }).count(), 0);
      await approved.getByRole('button', { name: /Details of entry/ }).click();
      const details = page.getByLabel(/Details of entry \d+ as JSON/);
      assert.match((await details.textContent()) ?? '', /confirmed scanner, block it/);
    });
  },
);

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { slugProblem } from '../../src/tenants/tenant-config.ts';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';
import { chromiumPath, startConsole, type ConsoleHarness } from '../support/browser.ts';
import { freePort } from '../support/local-service.ts';

const chrome = chromiumPath();
const SYSTEM = { id: 'test-setup', type: 'system' as const };

/**
 * Tenants from the main installation's console, served by one process at `<slug>.localhost` as
 * `riposte serve` does: an admin creates one and reads its first admin's password once; that admin
 * logs in to the tenant's own console (its badge, none of the main installation's data, no Tenants
 * tab); a refused slug is shown at its field; a disabled tenant is refused, enabled it is served again.
 */
describe('tenants in Chromium', { skip: 'skip' in chrome ? chrome.skip : false }, () => {
  let c: ConsoleHarness;
  let port: number;
  let main: Page | undefined;
  let acme: Page | undefined;
  const acmeUrl = () => `http://acme.localhost:${port}`;
  const asAdmin = async () => (main ??= await c.loginAs('admin'));
  const tenantsTab = async (page: Page) => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('tab', { name: 'Tenants' }).click();
  };
  /** A request from the tenant's console page: the browser resolves *.localhost (Node does not). */
  const fromAcme = (path: string) => {
    assert.ok(acme, 'the tenant was logged in to');
    return acme.evaluate(async (url) => {
      const response = await fetch(url, { headers: { accept: 'application/json' } });
      const body = (await response.json().catch(() => ({}))) as { code?: string; tenant?: string };
      return { status: response.status, body };
    }, path);
  };
  const createTenant = async (page: Page, slug: string, name: string) => {
    const form = page.getByRole('form', { name: 'New tenant' });
    await form.getByLabel('Slug').fill(slug);
    await form.getByLabel('Name').fill(name);
    await form.getByRole('button', { name: 'Create tenant' }).click();
  };

  before(async () => {
    port = await freePort();
    // The public URL names an address, so tenants are served under localhost, on this port.
    c = await startConsole('path' in chrome ? chrome.path : '', {
      port,
      tenants: true,
      config: { publicUrl: `http://127.0.0.1:${port}` },
    });
    // The main installation has an alert and its case: the tenant must show neither.
    const { token } = await c.harness.riposte.sources.create(
      { name: 'main-ids', format: 'suricata' },
      SYSTEM,
    );
    const sent = await fetch(`${c.baseUrl}/api/v1/sources/main-ids/alerts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify([eveAlert({ signature: 'ET MALWARE main only', sid: 9101, severity: 1 })]),
    });
    assert.equal(sent.status, 202);
    await c.harness.riposte.grouping.drain();
  });
  after(async () => {
    await acme?.context().close();
    await main?.context().close();
    await c?.close();
  });

  it("an admin creates a tenant in Settings and is shown its first admin's password once", async () => {
    const page = await asAdmin();
    assert.equal(await page.getByTestId('tenant').count(), 0, 'the main installation has no tenant badge');
    await tenantsTab(page);
    await page.getByText('No tenants yet').waitFor();
    await createTenant(page, 'acme', 'Acme Corp');
    const box = page.getByTestId('new-tenant-password');
    await box.waitFor();
    assert.match((await box.textContent()) ?? '', /Tenant acme \(Acme Corp\) is ready/);
    assert.match((await box.textContent()) ?? '', /shown only this once/);
    assert.equal(await box.getByRole('link').getAttribute('href'), `${acmeUrl()}/ui/`);
    const password = (await box.getByLabel('Password of admin').textContent()) ?? '';
    assert.ok(password.length >= 16, password);

    const row = page.getByRole('row').filter({ hasText: 'Acme Corp' });
    assert.equal(await row.getByTestId('tenant-state-acme').textContent(), 'active');
    assert.equal(await row.getByRole('link').getAttribute('href'), `${acmeUrl()}/ui/`);
    assert.match((await row.textContent()) ?? '', /by admin/);
    await c.screenshot(page, 'settings-tenants');

    // The tenant's own console, in a browser that has never seen the main one.
    const context = await c.browser.newContext({
      viewport: { width: 1440, height: 900 },
      baseURL: acmeUrl(),
    });
    acme = await context.newPage();
    await acme.goto('/ui/');
    await acme.getByLabel('Username').fill('admin');
    await acme.getByLabel('Password').fill(password);
    await acme.getByRole('button', { name: 'Log in' }).click();
    assert.equal(await acme.getByTestId('who').textContent(), 'admin · admin');
    assert.equal(await acme.getByTestId('tenant').textContent(), 'tenant acme');

    // Once: the box goes when read, and the list never carries the password.
    await box.getByRole('button', { name: 'I have stored it' }).click();
    await box.waitFor({ state: 'detached' });
    assert.doesNotMatch(await page.content(), new RegExp(password));
  });

  it("the tenant's console has none of the main installation's alerts or cases, and no Tenants tab", async () => {
    assert.ok(acme, 'the tenant was logged in to');
    const nav = acme.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Alerts' }).click();
    await acme.getByText('No alerts yet.').waitFor();
    await nav.getByRole('link', { name: 'Cases' }).click();
    await acme.getByText('No cases match these filters.').waitFor();
    assert.equal(await acme.getByText('ET MALWARE main only').count(), 0);
    assert.match(await acme.title(), /acme/);

    await nav.getByRole('link', { name: 'Settings' }).click();
    await acme.getByRole('tab', { name: 'Users and roles' }).waitFor();
    assert.equal(await acme.getByRole('tab', { name: 'Tenants' }).count(), 0);
    assert.equal((await fromAcme('/api/v1/tenants')).status, 404, 'a tenant has no tenants');

    // The main installation still has its own.
    const page = await asAdmin();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Alerts' }).click();
    await page.getByText('ET MALWARE main only').first().waitFor();
  });

  it("refuses a bad slug and a taken one with the server's reason at the slug field", async () => {
    const page = await asAdmin();
    await tenantsTab(page);
    const form = page.getByRole('form', { name: 'New tenant' });
    const slug = form.getByRole('textbox', { name: 'Slug' });
    await createTenant(page, 'Bad Slug', 'Bad');
    const refusal = form.getByRole('alert');
    await refusal.waitFor();
    assert.equal(await refusal.textContent(), slugProblem('Bad Slug'));
    assert.equal(await slug.getAttribute('aria-invalid'), 'true');
    assert.equal(await slug.inputValue(), 'Bad Slug', 'the form keeps what was typed');
    assert.equal(await page.getByTestId('new-tenant-password').count(), 0);

    await createTenant(page, 'acme', 'Another Acme');
    await form.getByRole('alert').filter({ hasText: /acme/ }).waitFor();
    assert.equal(await slug.getAttribute('aria-invalid'), 'true');
    assert.equal(await page.getByRole('row').filter({ hasText: 'Another Acme' }).count(), 0);
  });

  it('a disabled tenant is refused (403 tenant_disabled); enabled again it is served', async () => {
    const page = await asAdmin();
    await tenantsTab(page);
    const state = page.getByTestId('tenant-state-acme');
    await page.getByRole('button', { name: 'Disable acme' }).click();
    await state.getByText('disabled').waitFor();
    const refused = await fromAcme('/api/v1/session');
    assert.equal(refused.status, 403);
    assert.equal(refused.body.code, 'tenant_disabled');
    // A disabled tenant's console is not served: the list shows where it would be, not a link.
    assert.equal(await page.getByRole('row').filter({ hasText: 'Acme Corp' }).getByRole('link').count(), 0);

    await page.getByRole('button', { name: 'Enable acme' }).click();
    await state.getByText('active').waitFor();
    const served = await fromAcme('/api/v1/session');
    assert.equal(served.status, 200, 'its sessions live in its own database, kept while disabled');
    assert.equal(served.body.tenant, 'acme');
  });

  it("sets a tenant's alert limit in place, and lifts it again", async () => {
    const page = await asAdmin();
    await tenantsTab(page);
    const limit = page.getByTestId('tenant-limit-acme');
    assert.equal(await limit.textContent(), 'none');
    await page.getByRole('button', { name: 'Change the alert limit of acme' }).click();
    const form = page.getByRole('form', { name: 'Alert limit of acme' });
    await form.getByLabel('Alerts a minute, all its sources').fill('12000');
    await form.getByRole('button', { name: 'Save' }).click();
    await limit.getByText('12,000 a minute').waitFor();
    assert.equal((await c.harness.riposte.tenants!.registry.get('acme'))!.alertLimitPerMinute, 12000);
    await page.getByRole('button', { name: 'Change the alert limit of acme' }).click();
    assert.equal(await form.getByLabel('Alerts a minute, all its sources').inputValue(), '12000');
    await form.getByLabel('Alerts a minute, all its sources').fill('');
    await form.getByRole('button', { name: 'Save' }).click();
    await limit.getByText('none').waitFor();
    assert.equal((await c.harness.riposte.tenants!.registry.get('acme'))!.alertLimitPerMinute, null);
  });

  it('deletes a disabled tenant only once its slug is typed', async () => {
    const page = await asAdmin();
    await tenantsTab(page);
    await createTenant(page, 'initech', 'Initech');
    await page.getByTestId('new-tenant-password').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Delete initech' }).count(), 0, 'active: no delete');
    await page.getByRole('button', { name: 'Disable initech' }).click();
    await page.getByRole('button', { name: 'Delete initech' }).click();
    const confirm = page.getByRole('group', { name: 'Confirm deleting initech' });
    const go = confirm.getByRole('button', { name: 'Confirm delete initech' });
    assert.equal(await go.isDisabled(), true);
    await confirm.getByLabel('Type initech to confirm').fill('initec');
    assert.equal(await go.isDisabled(), true);
    await confirm.getByLabel('Type initech to confirm').fill('initech');
    await go.click();
    await confirm.waitFor({ state: 'detached' });
    await page.getByRole('row').filter({ hasText: 'Initech' }).waitFor({ state: 'detached' });
    assert.deepEqual(
      (await c.harness.riposte.tenants!.registry.list()).map((t) => t.slug),
      ['acme'],
    );
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chromiumPath, startConsole, type ConsoleHarness } from '../support/browser.ts';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';

const chrome = chromiumPath();

/**
 * Settings → Sources, as an admin keeps them: a generic source created with its mapping and edited
 * later, its token rotated with a grace, and what each source sent lately.
 */
describe('the Sources tab, in Chromium', { skip: 'skip' in chrome ? chrome.skip : false }, () => {
  let c: ConsoleHarness;
  before(async () => {
    c = await startConsole('path' in chrome ? chrome.path : '');
  });
  after(() => c?.close());

  it('creates a generic source with its mapping, then edits the mapping; the token stays', async () => {
    const page = await c.loginAs('admin');
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('tab', { name: 'Sources' }).click();
    const form = page.getByRole('form', { name: 'New source' });
    await form.getByLabel('Source name').fill('app-events');
    await form.getByLabel('Format').selectOption('generic');
    await form.getByLabel('Options (JSON)').fill('{"mapping": {"title": "event.msg"}}');
    await form.getByRole('button', { name: 'Create source' }).click();
    const token = (await page.getByTestId('source-token').textContent())!.trim();
    const send = async (event: Record<string, unknown>) => {
      const res = await fetch(`${c.baseUrl}/api/v1/sources/app-events/alerts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(event),
      });
      assert.equal(res.status, 202);
      const id = ((await res.json()) as { alertIds: string[] }).alertIds[0]!;
      return (await c.harness.riposte.alerts.get(id)).title;
    };
    assert.equal(await send({ msg: 'queue backed up', app: 'billing' }), 'queue backed up');

    await page.getByRole('button', { name: 'Edit source app-events' }).click();
    const edit = page.getByRole('form', { name: 'Edit source' });
    await edit.getByLabel('Options (JSON)').fill('{"mapping": ');
    await edit.getByRole('button', { name: 'Save source' }).click();
    await edit.getByText(/Options: not valid JSON/).waitFor();
    await edit.getByLabel('Options (JSON)').fill('{"mapping": {"title": "event.app + \': \' + event.msg"}}');
    await edit.getByRole('button', { name: 'Save source' }).click();
    await edit.waitFor({ state: 'detached' });
    assert.equal(await send({ msg: 'queue backed up', app: 'billing' }), 'billing: queue backed up');
    await page.context().close();
  });

  it('rotates a source token with a grace: the new token is shown once, and both work meanwhile', async () => {
    const page = await c.loginAs('admin');
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('tab', { name: 'Sources' }).click();
    const form = page.getByRole('form', { name: 'New source' });
    await form.getByLabel('Source name').fill('branch-ids');
    await form.getByRole('button', { name: 'Create source' }).click();
    const old = (await page.getByTestId('source-token').textContent())!.trim();
    await page.getByRole('cell', { name: 'branch-ids', exact: true }).waitFor();

    await page.getByRole('button', { name: 'Rotate the token of branch-ids' }).click();
    const rotation = page.getByRole('group', { name: 'Rotate the token of branch-ids' });
    await rotation.getByLabel('The old token').selectOption({ label: 'works 1 more hour' });
    await rotation.getByRole('button', { name: 'Replace token' }).click();
    const fresh = (await page.getByTestId('rotated-token').textContent())!.trim();
    assert.notEqual(fresh, old);
    await page.getByText('The old token still works until').waitFor();
    await page.getByText(/the old one works until/).waitFor();

    const post = (token: string, sid: number) =>
      fetch(`${c.baseUrl}/api/v1/sources/branch-ids/alerts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(eveAlert({ signature: 'ET POLICY rotation check', sid })),
      });
    assert.equal((await post(old, 4242101)).status, 202, 'the old token, within its hour');
    assert.equal((await post(fresh, 4242102)).status, 202, 'the new token');
    // The list tells what each source sent lately.
    await page.reload();
    await page.getByRole('tab', { name: 'Sources' }).click();
    await page
      .getByRole('row', { name: /branch-ids/ })
      .getByText('2 in the last hour')
      .waitFor();
    await page.context().close();
  });

  it('watches a source for silence: set in the form, shown silent once it is, and taken off again', async () => {
    const page = await c.loginAs('admin');
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('tab', { name: 'Sources' }).click();
    const form = page.getByRole('form', { name: 'New source' });
    await form.getByLabel('Source name').fill('dc-logs');
    await form.getByLabel('Report silent after').selectOption({ label: '1 hour' });
    await form.getByRole('button', { name: 'Create source' }).click();
    const row = page.getByRole('row', { name: /dc-logs/ });
    await row.getByText('expected within 1 hour').waitFor();
    const { riposte } = c.harness;
    assert.equal((await riposte.sources.get('dc-logs')).expectWithinSeconds, 3600);

    // Watched since an hour and a minute ago, nothing sent: the watch reports it. (Moved back in the
    // database rather than checked at a time ahead, so the worker's own watch, every 15 s at the real
    // time, agrees instead of taking the report back before the page shows it.)
    await riposte.database.db
      .updateTable('sources')
      .set({ watched_since: new Date(Date.now() - 3_660_000).toISOString() })
      .where('name', '=', 'dc-logs')
      .execute();
    assert.deepEqual((await riposte.sourceWatch.check()).silent, ['dc-logs']);
    await page.reload();
    await page.getByRole('tab', { name: 'Sources' }).click();
    await row.getByTestId('source-silent').waitFor();

    await page.getByRole('button', { name: 'Edit source dc-logs' }).click();
    const edit = page.getByRole('form', { name: 'Edit source' });
    assert.equal(await edit.getByLabel('Report silent after').inputValue(), '3600');
    await edit.getByLabel('Report silent after').selectOption({ label: 'not watched' });
    await edit.getByRole('button', { name: 'Save source' }).click();
    await edit.waitFor({ state: 'detached' });
    await row.getByTestId('source-silent').waitFor({ state: 'detached' });
    assert.equal(await row.getByText(/expected within/).count(), 0);
    const source = await riposte.sources.get('dc-logs');
    assert.equal(source.expectWithinSeconds, null);
    assert.equal(source.silentSince, null);
    await page.context().close();
  });
  it("limits a source's alerts: set in the form, shown in the list, lifted again", async () => {
    const page = await c.loginAs('admin');
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('tab', { name: 'Sources' }).click();
    const form = page.getByRole('form', { name: 'New source' });
    await form.getByLabel('Source name').fill('pa-fw');
    await form.getByLabel('Format').selectOption('cef');
    await form.getByLabel('Alert limit a minute').fill('600');
    await form.getByRole('button', { name: 'Create source' }).click();
    const row = page.getByRole('row', { name: /pa-fw/ });
    await row.getByText('at most 600 alerts a minute').waitFor();
    const { riposte } = c.harness;
    assert.equal((await riposte.sources.get('pa-fw')).alertLimitPerMinute, 600);

    await page.getByRole('button', { name: 'Edit source pa-fw' }).click();
    const edit = page.getByRole('form', { name: 'Edit source' });
    assert.equal(await edit.getByLabel('Alert limit a minute').inputValue(), '600');
    // Below 1 the form does not go: the field says why, and the stored limit stays.
    await edit.getByLabel('Alert limit a minute').fill('0');
    await edit.getByRole('button', { name: 'Save source' }).click();
    assert.equal(
      await edit
        .getByLabel('Alert limit a minute')
        .evaluate((input) => (input as unknown as { validity: { valid: boolean } }).validity.valid),
      false,
    );
    assert.equal((await riposte.sources.get('pa-fw')).alertLimitPerMinute, 600);
    await edit.getByLabel('Alert limit a minute').fill('');
    await edit.getByRole('button', { name: 'Save source' }).click();
    await edit.waitFor({ state: 'detached' });
    await row.getByTestId('source-limit').waitFor({ state: 'detached' });
    assert.equal((await riposte.sources.get('pa-fw')).alertLimitPerMinute, null);
    await page.context().close();
  });
});

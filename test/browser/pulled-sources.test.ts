import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Locator } from 'playwright-core';
import { defender } from '../../src/integrations/defender/defender-integration.ts';
import { startFakeDefender, type FakeDefender } from '../../src/integrations/defender/fake-defender.ts';
import { okta } from '../../src/integrations/okta/okta-integration.ts';
import { chromiumPath, startConsole, type ConsoleHarness } from '../support/browser.ts';

const chrome = chromiumPath();
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
const ACTOR = { id: 'test', type: 'system' as const };

/**
 * Settings → Sources for a source that pulls a vendor API: created in the pull form (the server's
 * refusals shown at the settings they name), shown failing with the vendor's reason, pulled again on
 * demand once the vendor answers; edited, and turned off.
 */
describe(
  'a pulled source in the Sources tab, in Chromium',
  { skip: 'skip' in chrome ? chrome.skip : false },
  () => {
    let c: ConsoleHarness;
    let mde: FakeDefender;
    before(async () => {
      mde = await startFakeDefender({
        alerts: [1, 2].map((n) => ({
          id: `da6374729003828388${n}_1364969609`,
          title: `Suspicious PowerShell ${n}`,
          severity: 'High',
          alertCreationTime: minutesAgo(10 - n),
          lastUpdateTime: minutesAgo(10 - n),
        })),
      });
      c = await startConsole('path' in chrome ? chrome.path : '', {
        config: { outboundAllow: ['127.0.0.1'] },
      });
      await c.harness.riposte.instances.put(
        defender,
        'mde',
        {
          fields: {
            base_url: mde.url,
            tenant_id: mde.tenantId,
            client_id: mde.clientId,
            client_secret: mde.clientSecret,
            token_url: mde.tokenUrl,
          },
        },
        ACTOR,
      );
    });
    after(async () => {
      await c?.close();
      await mde?.close();
    });

    /**
     * The server's error about a setting, shown at it: the control is marked invalid and described by it.
     * Waits for the mark, since the server answers after the click returns.
     */
    const fieldError = async (control: Locator) => {
      await control.and(control.page().locator('[aria-invalid="true"]')).waitFor();
      const id = await control.getAttribute('aria-describedby');
      assert.ok(id, 'the control names its error');
      return (await control.page().locator(`[id="${id}"]`).textContent()) ?? '';
    };

    it('creates it in the pull form, shows the server’s refusals at their fields, shows it failing with the reason, and pulls it now once the vendor answers', async () => {
      const { riposte } = c.harness;
      const poll = async () => {
        await riposte.pulls.pollDue();
        await riposte.pulls.settled();
      };
      await riposte.instances.put(
        defender,
        'mde-old',
        {
          fields: {
            base_url: mde.url,
            tenant_id: mde.tenantId,
            client_id: mde.clientId,
            client_secret: mde.clientSecret,
          },
        },
        ACTOR,
      );
      mde.alertList.fault = 'unauthorized';
      const page = await c.loginAs('admin');
      await page.getByRole('link', { name: 'Settings' }).click();
      await page.getByRole('tab', { name: 'Sources' }).click();
      const form = page.getByRole('form', { name: 'New source' });
      await form.getByLabel('Source name').fill('mde-alerts');
      await form.getByLabel('Format').selectOption('defender');
      assert.equal(await form.getByLabel('Options (JSON)').count(), 0, 'the pull has its own fields');
      const pull = form.getByRole('group', { name: "Pull from the vendor's API" });
      await pull.getByLabel("Pull from the vendor's API").check();
      const instance = pull.getByLabel('Integration instance');
      // The instances of the defender integration, the default one first chosen.
      assert.deepEqual(await instance.locator('option').allTextContents(), ['mde (default)', 'mde-old']);
      assert.equal(await instance.inputValue(), 'mde');
      await instance.selectOption('mde-old');
      await pull.getByLabel('Poll every (seconds)').fill('5');
      assert.equal(await pull.getByLabel('Poll every (seconds)').getAttribute('placeholder'), 'default 60');
      await pull.getByLabel('Overlap (seconds)').fill('120');
      await pull.getByRole('radio', { name: 'this one' }).check();
      await pull.getByLabel('Filter expression').fill("severity eq 'High'");
      await form.getByRole('button', { name: 'Create source' }).click();
      // The first setting the server checks that is wrong: the interval.
      assert.match(
        await fieldError(pull.getByLabel('Poll every (seconds)')),
        /^options\.pull\.every_seconds: must be a whole number from 10 to 86400; got 5$/,
      );
      assert.equal(await form.getByRole('alert').count(), 1, 'shown at the field only');
      await pull.getByLabel('Poll every (seconds)').fill('120');
      // The instance chosen is deleted meanwhile: the server names it, at the instance.
      await riposte.instances.remove('defender', 'mde-old', ACTOR);
      await form.getByRole('button', { name: 'Create source' }).click();
      assert.match(
        await fieldError(instance),
        /options\.pull\.instance: the defender integration has no instance "mde-old" \(it has "mde"\)/,
      );
      assert.equal(await pull.getByLabel('Poll every (seconds)').getAttribute('aria-invalid'), null);
      await instance.selectOption('mde');
      await form.getByRole('button', { name: 'Create source' }).click();
      await page.getByTestId('source-token').waitFor();
      assert.deepEqual((await riposte.sources.get('mde-alerts')).options, {
        pull: { instance: 'mde', every_seconds: 120, overlap_seconds: 120, filter: "severity eq 'High'" },
      });

      const status = page.getByTestId('source-pull-mde-alerts');
      await status.getByText('pulled from defender/mde every 120 s').waitFor();
      await status.getByText(/last good poll none yet/).waitFor();
      await poll();
      await page.reload();
      await page.getByRole('tab', { name: 'Sources' }).click();
      await status.getByText('pull failing').waitFor();
      await status.getByText(/Defender refused \/api\/alerts \(401\)/).waitFor();

      mde.alertList.fault = null;
      await status.getByRole('button', { name: 'Pull mde-alerts now' }).click();
      // The next look of a worker takes it; the test looks itself rather than wait for the clock.
      await poll();
      await page.reload();
      await page.getByRole('tab', { name: 'Sources' }).click();
      await status.getByText(/2 records read/).waitFor();
      assert.equal(await status.getByText('pull failing').count(), 0);
      const titles = (await riposte.alerts.list({ source: 'mde-alerts', limit: 10 })).items.map(
        (a) => a.title,
      );
      assert.deepEqual(titles.sort(), ['Suspicious PowerShell 1', 'Suspicious PowerShell 2']);
      await page.context().close();
    });

    it('edits the pull in its form, and turns it off', async () => {
      const { riposte } = c.harness;
      await riposte.sources.create(
        {
          name: 'mde-edit',
          format: 'defender',
          options: { pull: { instance: 'mde', page_size: 50, filter: null } },
        },
        ACTOR,
      );
      const page = await c.loginAs('admin');
      await page.getByRole('link', { name: 'Settings' }).click();
      await page.getByRole('tab', { name: 'Sources' }).click();
      await page.getByTestId('source-pull-mde-edit').getByText('every 60 s').waitFor();
      await page.getByRole('button', { name: 'Edit source mde-edit' }).click();
      const edit = page.getByRole('form', { name: 'Edit source' });
      const pull = edit.getByRole('group', { name: "Pull from the vendor's API" });
      assert.equal(await pull.getByLabel("Pull from the vendor's API").isChecked(), true);
      assert.equal(await pull.getByLabel('Integration instance').inputValue(), 'mde');
      assert.equal(await pull.getByLabel('Page size (records)').inputValue(), '50');
      assert.equal(await pull.getByLabel('Poll every (seconds)').inputValue(), '', 'left to its default');
      assert.equal(await pull.getByRole('radio', { name: 'none: every record' }).isChecked(), true);
      assert.equal(await edit.getByLabel('Other options (JSON)').inputValue(), '{}', 'the pull is not in it');

      await pull.getByLabel('Page size (records)').fill('1001');
      await edit.getByRole('button', { name: 'Save source' }).click();
      assert.match(
        await fieldError(pull.getByLabel('Page size (records)')),
        /options\.pull\.page_size: must be a whole number from 1 to 1000; got 1001/,
      );
      await pull.getByLabel('Page size (records)').fill('');
      await pull.getByLabel('Poll every (seconds)').fill('300');
      await edit.getByRole('button', { name: 'Save source' }).click();
      await edit.waitFor({ state: 'detached' });
      await page.getByTestId('source-pull-mde-edit').getByText('every 300 s').waitFor();
      assert.deepEqual((await riposte.sources.get('mde-edit')).options, {
        pull: { instance: 'mde', every_seconds: 300, filter: null },
      });

      await page.getByRole('button', { name: 'Edit source mde-edit' }).click();
      await pull.getByLabel("Pull from the vendor's API").uncheck();
      await edit.getByRole('button', { name: 'Save source' }).click();
      await edit.waitFor({ state: 'detached' });
      await page.getByTestId('source-pull-mde-edit').waitFor({ state: 'detached' });
      assert.deepEqual((await riposte.sources.get('mde-edit')).options, {});
      await page.context().close();
    });

    it('offers an Okta pull no overlap, shows its default filter, and takes "none"', async () => {
      const { riposte } = c.harness;
      await riposte.instances.put(
        okta,
        'acme',
        { fields: { base_url: 'https://acme.okta.example', api_token: 'not-used-here' } },
        ACTOR,
      );
      const page = await c.loginAs('admin');
      await page.getByRole('link', { name: 'Settings' }).click();
      await page.getByRole('tab', { name: 'Sources' }).click();
      const form = page.getByRole('form', { name: 'New source' });
      await form.getByLabel('Source name').fill('okta-log');
      await form.getByLabel('Format').selectOption('okta');
      const pull = form.getByRole('group', { name: "Pull from the vendor's API" });
      await pull.getByLabel("Pull from the vendor's API").check();
      assert.equal(await pull.getByLabel('Integration instance').inputValue(), 'acme');
      assert.equal(await pull.getByLabel('Overlap (seconds)').count(), 0);
      await pull.getByRole('radio', { name: /the default: eventType sw "security\."/ }).waitFor();
      await pull.getByRole('radio', { name: 'none: every record' }).check();
      await form.getByRole('button', { name: 'Create source' }).click();
      await page.getByTestId('source-token').waitFor();
      await page.getByTestId('source-pull-okta-log').getByText('pulled from okta/acme every 60 s').waitFor();
      assert.deepEqual((await riposte.sources.get('okta-log')).options, {
        pull: { instance: 'acme', filter: null },
      });
      await page.context().close();
    });
  },
);

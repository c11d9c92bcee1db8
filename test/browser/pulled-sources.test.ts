import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defender } from '../../src/integrations/defender/defender-integration.ts';
import { startFakeDefender, type FakeDefender } from '../../src/integrations/defender/fake-defender.ts';
import { chromiumPath, startConsole, type ConsoleHarness } from '../support/browser.ts';

const chrome = chromiumPath();
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

/**
 * Settings → Sources for a source that pulls a vendor API: created with its `options.pull`, shown
 * failing with the vendor's reason, then pulled again on demand once the vendor answers.
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
        { id: 'test', type: 'system' },
      );
    });
    after(async () => {
      await c?.close();
      await mde?.close();
    });

    it('creates it with its pull options, shows it failing with the reason, and pulls it now once the vendor answers', async () => {
      const { riposte } = c.harness;
      const poll = async () => {
        await riposte.pulls.pollDue();
        await riposte.pulls.settled();
      };
      mde.alertList.fault = 'unauthorized';
      const page = await c.loginAs('admin');
      await page.getByRole('link', { name: 'Settings' }).click();
      await page.getByRole('tab', { name: 'Sources' }).click();
      const form = page.getByRole('form', { name: 'New source' });
      await form.getByLabel('Source name').fill('mde-alerts');
      await form.getByLabel('Format').selectOption('defender');
      await form.getByLabel('Options (JSON)').fill('{"pull": {"instance": "nope"}}');
      await form.getByRole('button', { name: 'Create source' }).click();
      await page
        .getByText(/options\.pull\.instance: the defender integration has no instance "nope"/)
        .waitFor();
      await form.getByLabel('Options (JSON)').fill('{"pull": {"instance": "mde"}}');
      await form.getByRole('button', { name: 'Create source' }).click();
      await page.getByTestId('source-token').waitFor();

      await poll();
      await page.reload();
      await page.getByRole('tab', { name: 'Sources' }).click();
      const status = page.getByTestId('source-pull-mde-alerts');
      await status.getByText('pull failing').waitFor();
      await status.getByText(/Defender refused \/api\/alerts \(401\)/).waitFor();
      await status.getByText('pulled from defender/mde every 60 s').waitFor();

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
  },
);

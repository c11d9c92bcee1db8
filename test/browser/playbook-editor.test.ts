import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chromiumPath, startConsole, type ConsoleHarness } from '../support/browser.ts';
import { cacaoManual, cacaoPlaybook, cacaoUuid } from '../fixtures/own/cacao-documents.ts';

const chrome = chromiumPath();
const ACTOR = { id: 'test-setup', type: 'system' as const };

/** 21 lines; the document ends with a newline, so the cursor at its end stands on line 22. */
const NOTE = `id: triage_note
name: Triage note
description: Comment on high-severity alerts.
triggers:
  manual: true
steps:
  - id: look
    uses: core.echo
    with:
      title: \${{ alert.title }}
  - id: high
    if: \${{ alert.severity == "high" }}
    then: note
    else: done
  - id: note
    uses: riposte.add_case_comment
    with:
      case_id: \${{ alert.caseId }}
      body: 'High: \${{ alert.title }}'
  - id: done
    end: true
`;

/** A second playbook with runs, so the list shows outcomes. */
const CHECK = `id: echo_check
name: Echo check
triggers:
  manual: true
  schedule: ['0 8 * * 1-5']
inputs:
  text: { type: string, required: true }
steps:
  - id: say
    uses: core.echo
    with: { text: '\${{ inputs.text }}' }
  - id: check
    if: \${{ inputs.text == "ok" }}
    then: done
    else: give_up
  - id: done
    end: true
  - id: give_up
    fail: not ok
`;

const TESTS = `playbook: triage_note
cases:
  - name: a high alert gets a note
    alert: { title: Scan, severity: high, caseId: case_1 }
    mocks:
      look: { output: { title: Scan } }
    expect:
      status: succeeded
      path: [look, high, note, done]
      actions:
        - { action: riposte.add_case_comment, with: { body: 'High: Scan' } }
  - name: a low alert is left alone
    alert: { title: Ping, severity: low, caseId: case_1 }
    mocks:
      look: { output: {} }
    expect:
      status: succeeded
      path: [look, high, done]
      actions: []
`;

describe('playbook editor in Chromium', { skip: 'skip' in chrome ? chrome.skip : false }, () => {
  let c: ConsoleHarness;
  before(async () => {
    c = await startConsole('path' in chrome ? chrome.path : '');
    await c.harness.riposte.playbooks.save(NOTE, ACTOR);
    const stored = await c.harness.as('analyst', {
      method: 'PUT',
      url: '/api/v1/playbooks/triage_note/tests',
      payload: { source: TESTS },
    });
    assert.equal(stored.statusCode, 200, stored.body);
    await c.harness.riposte.playbooks.save(CHECK, ACTOR);
    for (const text of ['ok', 'not ok']) {
      const run = await c.harness.riposte.runs.start({
        playbookId: 'echo_check',
        inputs: { text },
        startedBy: 'admin',
        actor: ACTOR,
      });
      await c.harness.riposte.runs.settle(run.id, 10_000, { untilTerminal: true });
    }
  });
  after(() => c?.close());

  it('an analyst sees an inline error, completes a key, saves a version, diffs it and runs the tests', async () => {
    const page = await c.loginAs('analyst');
    await page.getByRole('link', { name: 'Playbooks' }).click();
    const row = page.getByRole('row', { name: /triage_note/ });
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /Triage note.*enabled.*manual.*no runs/);
    const check = page.getByRole('row', { name: /echo_check/ });
    assert.match((await check.textContent()) ?? '', /schedule: 0 8 \* \* 1-5 · manual/);
    assert.match((await check.textContent()) ?? '', /succeeded 1/);
    assert.match((await check.textContent()) ?? '', /failed 1/);
    // Runs in the last 7 days, but no time_saved to count.
    assert.match((await check.textContent()) ?? '', /no time_saved$/);
    await c.screenshot(page, 'playbooks');
    await row.getByRole('link', { name: 'triage_note' }).click();

    const editor = page.getByRole('textbox', { name: 'Playbook YAML' });
    await editor.waitFor();
    await page.getByText('Valid.').waitFor();
    // A step that routes to a step that does not exist.
    await editor.click();
    await page.keyboard.press('Control+End');
    await page.keyboard.insertText('  - id: tell\n    uses: core.echo\n    next: nowhere');
    const errors = page.getByRole('list', { name: 'Errors' });
    const item = errors.getByRole('listitem').filter({ hasText: 'nowhere' });
    await item.waitFor();
    assert.match((await item.textContent()) ?? '', /^line 24, column 11: .*there is no step "nowhere"/);
    assert.ok(
      (await page.locator('.cm-lintRange-error').count()) >= 1,
      'the error is underlined in the text',
    );
    await c.screenshot(page, 'playbook-editor');

    // Clicking the error puts the cursor on its line (on the next frame, when the editor takes focus).
    await item.getByRole('button').click();
    await page.locator('.cm-content:focus').waitFor();
    assert.match((await editor.locator('.cm-activeLine').textContent()) ?? '', /next: nowhere/);

    // Fix it, then ask for a key the schema allows in an action step.
    await page.keyboard.press('End');
    for (let i = 0; i < 'nowhere'.length; i++) await page.keyboard.press('Backspace');
    // Each edit is waited for in the text before the next: under load the editor (and its completion
    // popup) can lag a keystroke behind, and an edit landing early goes to the wrong place.
    const activeLine = (text: RegExp) =>
      editor.locator('.cm-activeLine', { hasText: text }).waitFor({ timeout: 5000 });
    await page.keyboard.type('done');
    await activeLine(/next: done$/);
    await page.keyboard.press('Escape');
    await page.keyboard.insertText('\n    ');
    await page.keyboard.type('tim');
    const option = page.getByRole('option', { name: /timeout/ });
    await option.waitFor();
    await option.click();
    await activeLine(/^\s*timeout:/);
    await page.keyboard.type('30s');
    await activeLine(/timeout:\s*30s$/);
    await page.getByText(/^Valid, 1 warning/).waitFor();
    assert.match(
      (await page.getByRole('list', { name: 'Warnings' }).textContent()) ?? '',
      /"tell" is never reached/,
    );

    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved as version 2.').waitFor();

    // The graph preview follows the text; selecting a step jumps to its line.
    await page.getByRole('tab', { name: 'Graph preview' }).click();
    await page.getByRole('button', { name: /^note:/ }).click();
    // The editor moves its cursor on the next frame: wait for the line rather than read it at once.
    await editor.locator('.cm-activeLine', { hasText: /- id: note/ }).waitFor({ timeout: 5000 });
    assert.match((await editor.locator('.cm-activeLine').textContent()) ?? '', /- id: note/);

    await page.getByRole('tab', { name: 'Versions' }).click();
    const diff = page.getByRole('table', { name: 'Differences' });
    await diff.waitFor();
    await page.getByText('4 line(s) added, 0 removed').waitFor();
    const added = await diff.locator('tr.add').allTextContents();
    assert.deepEqual(
      added.map((t) => t.replace(/^\d+\+/, '').trim()),
      ['- id: tell', 'uses: core.echo', 'next: done', 'timeout: 30s'],
    );

    await page.getByRole('tab', { name: 'Tests' }).click();
    await page.getByRole('button', { name: 'Run tests' }).click();
    const results = page.getByRole('region', { name: 'Test results' });
    await results.getByText('2 passed, 0 failed').waitFor();
    assert.equal(await results.getByText('passed', { exact: true }).count(), 2);
    await page.context().close();
  });

  it('an analyst previews a CACAO playbook, sees why strict refuses it, imports it and exports it back', async () => {
    const cacao = cacaoPlaybook(
      {
        [`action--${cacaoUuid(4)}`]: {
          ...cacaoManual('Reset it', `end--${cacaoUuid(99)}`),
          commands: [{ type: 'manual', command: 'Reset the password in the directory' }],
        },
      },
      { name: 'Reset a password', created: '2026-11-01T10:00:00Z', modified: '2026-11-01T10:00:00Z' },
    );
    const page = await c.loginAs('analyst');
    await page.goto('/ui/playbooks');
    await page.getByRole('button', { name: 'Import CACAO…' }).click();
    const panel = page.getByRole('region', { name: 'Import a CACAO playbook' });
    await panel.getByLabel('CACAO file (JSON)').setInputFiles({
      name: 'reset.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(cacao)),
    });
    await panel.getByLabel('Profile').selectOption('strict');
    await panel.getByRole('button', { name: 'Preview' }).click();
    const refused = panel.getByRole('list', { name: 'Import errors' });
    await refused.waitFor();
    assert.match(
      (await refused.textContent()) ?? '',
      /\/created: created must be UTC with exactly three digits/,
    );
    await panel.getByLabel('Profile').selectOption('lenient');
    await panel.getByRole('button', { name: 'Preview' }).click();
    await panel.getByRole('list', { name: 'Import warnings' }).waitFor();
    assert.match((await panel.getByLabel('Translated playbook').textContent()) ?? '', /title: Reset it/);
    await panel.getByRole('button', { name: 'Import as reset_a_password' }).click();
    await page.getByRole('heading', { name: 'Reset a password (reset_a_password)' }).waitFor();
    const link = page.getByRole('link', { name: 'Export as CACAO' });
    const href = await link.getAttribute('href');
    assert.equal(href, '/api/v1/playbooks/reset_a_password/cacao?version=1');
    const exported = (await page.evaluate(async (url) => (await fetch(url!)).json(), href)) as {
      id?: string;
    };
    assert.equal(exported.id, cacao.id, JSON.stringify(exported).slice(0, 500));
    await page.context().close();
  });

  it('shows how a playbook behaves: runs, success rate and each step', async () => {
    const page = await c.loginAs('viewer');
    await page.goto('/ui/playbooks/echo_check');
    await page.getByRole('tab', { name: 'Metrics' }).click();
    await page.getByTestId('metrics-success').getByText('50 %').waitFor();
    const steps = page.getByRole('table', { name: 'Step figures' });
    const check = steps.getByRole('row', { name: /^check/ });
    assert.match((await check.textContent()) ?? '', /^checkif20 %0.*(else 1, then 1|then 1, else 1)$/);
    const giveUp = steps.getByRole('row', { name: /^give_up/ });
    assert.match((await giveUp.textContent()) ?? '', /give_up\s*fail\s*1\s*100 %/);
    assert.match(
      (await page.getByTestId('metrics-time-saved').textContent()) ?? '',
      /not estimated \(set time_saved in the playbook\)/,
    );
    await page.context().close();
  });

  it('a viewer reads the playbook but is offered no Save and no New playbook', async () => {
    const page = await c.loginAs('viewer');
    await page.goto('/ui/playbooks');
    await page.getByRole('row', { name: /triage_note/ }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'New playbook' }).count(), 0);
    await page.goto('/ui/playbooks/triage_note');
    await page.getByRole('textbox', { name: 'Playbook YAML' }).waitFor();
    await page.getByText(/^Valid/).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Save' }).count(), 0);
    await page.getByRole('tab', { name: 'Tests' }).click();
    assert.equal(await page.getByRole('button', { name: 'Run tests' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Save tests' }).count(), 0);
    await page.context().close();
  });
});

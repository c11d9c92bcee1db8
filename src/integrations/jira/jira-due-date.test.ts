import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { expectActionError, runIntegrationAction } from '../sdk/integration-test-kit.ts';
import { daysFromToday } from './create-issue.ts';
import { FAKE_JIRA_EMAIL, FAKE_JIRA_TOKEN, startFakeJira, type FakeJira } from './fake-jira.ts';
import { jiraIntegration as jira } from './jira-integration.ts';

/** The due date of a ticket (Jira's `duedate`), given as a date or as days from today for an SLA. */
describe('jira create_issue due date', () => {
  let fake: FakeJira;
  const run = (input: Record<string, unknown>) =>
    runIntegrationAction(jira, 'create_issue', input, {
      baseUrl: fake.url,
      fields: { email: FAKE_JIRA_EMAIL, api_token: FAKE_JIRA_TOKEN, base_url: fake.url },
    });
  const sentFields = () =>
    (JSON.parse(fake.requests.at(-1)!.body) as { fields: Record<string, unknown> }).fields;

  before(async () => {
    fake = await startFakeJira();
  });
  after(() => fake.close());
  // The test kit gives every run the same idempotency key: without this, a second create finds the first.
  beforeEach(() => {
    fake.issues.length = 0;
  });

  it('sends due_date as duedate', async () => {
    await run({ project: 'SEC', summary: 'Patch CVE-2021-44228 on web-01', due_date: '2026-03-04' });
    assert.equal(sentFields()['duedate'], '2026-03-04');
    assert.equal(fake.issues.at(-1)?.fields.duedate, '2026-03-04');
  });

  it('turns due_in_days into the UTC date that many days ahead', async () => {
    const expected = daysFromToday(7);
    await run({ project: 'SEC', summary: 'Patch CVE-2024-3400 on fw-01', due_in_days: 7 });
    assert.equal(sentFields()['duedate'], expected);
    assert.equal(daysFromToday(2, Date.parse('2026-12-30T23:59:00Z')), '2027-01-01');
  });

  it('sends no duedate without either, and refuses both at once before any request', async () => {
    await run({ project: 'SEC', summary: 'No SLA' });
    assert.equal('duedate' in sentFields(), false);
    const count = fake.requests.length;
    await expectActionError(
      run({ project: 'SEC', summary: 'x', due_date: '2026-03-04', due_in_days: 2 }),
      'invalid_input',
    );
    assert.equal(fake.requests.length, count);
  });

  it('passes on Jira’s refusal of a date it cannot parse', async () => {
    await expectActionError(run({ project: 'SEC', summary: 'x', due_date: '2026-13-45' }), 'rejected', {
      pattern: /duedate: Error parsing date string: 2026-13-45/,
      secrets: [FAKE_JIRA_TOKEN],
    });
  });
});

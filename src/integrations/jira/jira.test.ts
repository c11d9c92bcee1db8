import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  runIntegrationAction,
  testIntegrationConnection,
  expectActionError,
} from '../sdk/integration-test-kit.ts';
import { FAKE_JIRA_EMAIL, FAKE_JIRA_TOKEN, startFakeJira, type FakeJira } from './fake-jira.ts';
import { jiraIntegration as jira } from './jira-integration.ts';

// The test kit runs every action with this idempotency key.
const LABEL = 'riposte-run_test:step:1';

const failsWith = (promise: Promise<unknown>, code: string, pattern?: RegExp) =>
  expectActionError(promise, code, { pattern, secrets: [FAKE_JIRA_TOKEN] });

describe('jira', () => {
  let fake: FakeJira;
  const options = (token = FAKE_JIRA_TOKEN, server = fake) => ({
    baseUrl: server.url,
    fields: { email: FAKE_JIRA_EMAIL, api_token: token, base_url: server.url },
  });
  const run = (name: string, input: Record<string, unknown>, token = FAKE_JIRA_TOKEN) =>
    runIntegrationAction(jira, name, input, options(token)) as Promise<Record<string, unknown>>;

  before(async () => {
    fake = await startFakeJira({
      issues: [
        {
          id: '9000',
          key: 'SEC-100',
          fields: {
            project: { key: 'SEC' },
            summary: 'another step’s ticket',
            description: null,
            issuetype: { name: 'Task' },
            labels: ['riposte-run_other:step:1'],
            priority: null,
          },
          comments: [],
        },
      ],
    });
  });
  after(() => fake.close());
  beforeEach(() => {
    fake.requests.length = 0;
  });

  it('searches for its label, then POSTs the documented issue body with basic auth', async () => {
    const output = await run('create_issue', {
      project: 'SEC',
      summary: 'Phishing: invoice.pdf from evil.example',
      description: 'Reported by alice.\nSender: evil@example.com\n\nVerdict: malicious',
      issue_type: 'Incident',
      labels: ['phishing'],
      priority: 'High',
    });
    const [search, create] = fake.requests;
    assert.equal(search?.method, 'GET');
    assert.equal(search?.path, '/rest/api/3/search/jql');
    assert.equal(search?.query.get('jql'), `labels = "${LABEL}"`);
    assert.equal(
      create?.headers['authorization'],
      `Basic ${Buffer.from(`${FAKE_JIRA_EMAIL}:${FAKE_JIRA_TOKEN}`).toString('base64')}`,
    );
    assert.equal(create?.method, 'POST');
    assert.equal(create?.path, '/rest/api/3/issue');
    assert.deepEqual(JSON.parse(create!.body), {
      fields: {
        project: { key: 'SEC' },
        summary: 'Phishing: invoice.pdf from evil.example',
        description: {
          type: 'doc',
          version: 1,
          content: [
            {
              type: 'paragraph',
              content: [
                { type: 'text', text: 'Reported by alice.' },
                { type: 'hardBreak' },
                { type: 'text', text: 'Sender: evil@example.com' },
              ],
            },
            { type: 'paragraph', content: [{ type: 'text', text: 'Verdict: malicious' }] },
          ],
        },
        issuetype: { name: 'Incident' },
        labels: ['phishing', LABEL],
        priority: { name: 'High' },
      },
    });
    assert.deepEqual(output, {
      id: '10002',
      key: 'SEC-2',
      self: `${fake.url}/rest/api/3/issue/10002`,
      url: `${fake.url}/browse/SEC-2`,
      deduplicated: false,
    });
    assert.equal(fake.issues.length, 2, 'SEC-100 carries another step’s label and is not taken for this one');
  });

  it('does not create a second issue when the step runs again with the same idempotency key', async () => {
    const before = fake.issues.length;
    const again = await run('create_issue', { project: 'SEC', summary: 'Phishing again' });
    assert.equal(fake.issues.length, before, 'no new issue');
    assert.deepEqual(
      fake.requests.map((r) => r.method),
      ['GET'],
    );
    assert.equal(again['key'], 'SEC-2');
    assert.equal(again['deduplicated'], true);
  });

  it('sets fields and adds/removes labels with PUT, and names the ticket as its target', async () => {
    const output = await run('update_issue', {
      key: 'SEC-2',
      summary: 'Phishing: contained',
      priority: 'Medium',
      add_labels: ['contained'],
      remove_labels: ['phishing'],
      notify_users: false,
    });
    const [put] = fake.requests;
    assert.equal(put?.method, 'PUT');
    assert.equal(put?.path, '/rest/api/3/issue/SEC-2');
    assert.equal(put?.query.get('notifyUsers'), 'false');
    assert.deepEqual(JSON.parse(put!.body), {
      fields: { summary: 'Phishing: contained', priority: { name: 'Medium' } },
      update: { labels: [{ add: 'contained' }, { remove: 'phishing' }] },
    });
    assert.deepEqual(output, { key: 'SEC-2', url: `${fake.url}/browse/SEC-2` });
    const issue = fake.issues.find((i) => i.key === 'SEC-2')!;
    assert.deepEqual(issue.fields.labels, [LABEL, 'contained']);
    const action = jira.actions.find((a) => a.name === 'update_issue')!;
    assert.deepEqual(action.target?.({ key: 'SEC-2' }), { type: 'ticket', value: 'SEC-2' });
  });

  it('refuses an update that changes nothing, without calling Jira', async () => {
    await failsWith(run('update_issue', { key: 'SEC-2' }), 'invalid_input');
    assert.equal(fake.requests.length, 0);
  });

  it('adds an ADF comment once per step, found again by its marker', async () => {
    const first = await run('add_comment', { key: 'SEC-2', body: 'Blocked the sender domain.' });
    const post = fake.requests.find((r) => r.method === 'POST');
    assert.equal(post?.path, '/rest/api/3/issue/SEC-2/comment');
    assert.deepEqual(JSON.parse(post!.body), {
      body: {
        type: 'doc',
        version: 1,
        content: [
          { type: 'paragraph', content: [{ type: 'text', text: 'Blocked the sender domain.' }] },
          {
            type: 'paragraph',
            content: [{ type: 'text', text: 'riposte:run_test:step:1', marks: [{ type: 'code' }] }],
          },
        ],
      },
    });
    assert.equal(first['deduplicated'], false);
    const second = await run('add_comment', { key: 'SEC-2', body: 'Blocked the sender domain.' });
    assert.equal(second['deduplicated'], true);
    assert.equal(second['id'], first['id']);
    assert.equal(fake.issues.find((i) => i.key === 'SEC-2')!.comments.length, 1);
  });

  it('reports Jira’s field errors from a 400 and its message from a 404', async () => {
    // A fresh site: on this one the kit's idempotency key already found SEC-2.
    const empty = await startFakeJira();
    try {
      await failsWith(
        runIntegrationAction(
          jira,
          'create_issue',
          { project: 'NOPE', summary: 'x', issue_type: 'Epic' },
          options(FAKE_JIRA_TOKEN, empty),
        ),
        'rejected',
        /project: valid project is required; issuetype: Specify an issue type/,
      );
    } finally {
      await empty.close();
    }
    await failsWith(
      run('update_issue', { key: 'SEC-999', summary: 'x' }),
      'not_found',
      /Issue does not exist or you do not have permission to see it/,
    );
    await failsWith(run('add_comment', { key: 'SEC-999', body: 'x' }), 'not_found');
  });

  it('fails a wrong API token as unauthorized, not retryable, without the token in the message', async () => {
    const error = await failsWith(
      run('create_issue', { project: 'SEC', summary: 'x' }, 'wrong-token-xyz'),
      'unauthorized',
    );
    assert.equal(error.retryable, false);
    await failsWith(testIntegrationConnection(jira, options('wrong-token-xyz')), 'unauthorized');
    await testIntegrationConnection(jira, options());
  });

  it('refuses an instance without base_url before sending anything', async () => {
    await failsWith(
      runIntegrationAction(
        jira,
        'create_issue',
        { project: 'SEC', summary: 'x' },
        {
          baseUrl: fake.url,
          fields: { email: FAKE_JIRA_EMAIL, api_token: FAKE_JIRA_TOKEN },
        },
      ),
      'not_configured',
    );
    assert.equal(fake.requests.length, 0);
  });
});

describe('jira rate limit', () => {
  it('turns a 429 into rate_limited with Jira’s Retry-After', async () => {
    const fake = await startFakeJira({ requestsBeforeLimit: 0 });
    try {
      const error = await failsWith(
        runIntegrationAction(
          jira,
          'create_issue',
          { project: 'SEC', summary: 'x' },
          {
            baseUrl: fake.url,
            fields: { email: FAKE_JIRA_EMAIL, api_token: FAKE_JIRA_TOKEN, base_url: fake.url },
          },
        ),
        'rate_limited',
      );
      assert.equal(error.retryable, true);
      assert.equal(error.retryAfterMs, 30_000);
      assert.equal(fake.issues.length, 0);
    } finally {
      await fake.close();
    }
  });
});

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  runIntegrationAction,
  testIntegrationConnection,
  expectActionError,
} from '../sdk/integration-test-kit.ts';
import { FAKE_SLACK_TOKEN, startFakeSlack, type FakeSlack } from './fake-slack.ts';
import { slackIntegration as slack } from './slack-integration.ts';

const failsWith = (promise: Promise<unknown>, code: string, pattern?: RegExp) =>
  expectActionError(promise, code, { pattern, secrets: [FAKE_SLACK_TOKEN] });

const options = (server: FakeSlack, token = FAKE_SLACK_TOKEN) => ({
  baseUrl: server.baseUrl,
  fields: { bot_token: token },
});
const BLOCKS = [{ type: 'section', text: { type: 'mrkdwn', text: '*Malware* on WS-042' } }];

describe('slack', () => {
  let fake: FakeSlack;
  const post = (input: Record<string, unknown>, token = FAKE_SLACK_TOKEN) =>
    runIntegrationAction(slack, 'post_message', input, options(fake, token)) as Promise<
      Record<string, unknown>
    >;

  before(async () => {
    fake = await startFakeSlack({
      channels: [
        { id: 'C0SOCALERTS', name: 'soc-alerts', member: true },
        { id: 'C0OUTSIDER', name: 'general', member: false },
        { id: 'C0OLDSTUFF', name: 'old-alerts', member: true, archived: true },
      ],
    });
  });
  after(() => fake.close());
  beforeEach(() => {
    fake.requests.length = 0;
  });

  it('checks recent history, then POSTs chat.postMessage as JSON with the bot token and metadata', async () => {
    const output = await post({ channel: 'C0SOCALERTS', text: 'Malware on WS-042', blocks: BLOCKS });
    const [history, send] = fake.requests;
    assert.equal(history?.method, 'GET');
    assert.equal(history?.path, '/api/conversations.history');
    assert.deepEqual(Object.fromEntries(history!.query), {
      channel: 'C0SOCALERTS',
      limit: '50',
      include_all_metadata: 'true',
    });
    assert.equal(send?.method, 'POST');
    assert.equal(send?.path, '/api/chat.postMessage');
    assert.equal(send?.headers['authorization'], `Bearer ${FAKE_SLACK_TOKEN}`);
    assert.equal(send?.headers['content-type'], 'application/json; charset=utf-8');
    assert.deepEqual(JSON.parse(send!.body), {
      channel: 'C0SOCALERTS',
      text: 'Malware on WS-042',
      blocks: BLOCKS,
      metadata: { event_type: 'riposte_action', event_payload: { idempotency_key: 'run_test:step:1' } },
    });
    assert.deepEqual(output, {
      channel: 'C0SOCALERTS',
      ts: '1714564801.000100',
      deduplicated: false,
      checked: true,
    });
    const action = slack.actions.find((a) => a.name === 'post_message')!;
    assert.equal(action.effect, 'write');
    assert.deepEqual(action.target?.({ channel: 'C0SOCALERTS' }), { type: 'channel', value: 'C0SOCALERTS' });
  });

  it('does not post twice when the step runs again with the same idempotency key', async () => {
    const again = await post({ channel: 'C0SOCALERTS', text: 'Malware on WS-042' });
    assert.equal(fake.messages.get('C0SOCALERTS')!.length, 1);
    assert.deepEqual(again, {
      channel: 'C0SOCALERTS',
      ts: '1714564801.000100',
      deduplicated: true,
      checked: true,
    });
    assert.equal(fake.requests.filter((r) => r.path === '/api/chat.postMessage').length, 0);
  });

  it('posts by channel name without a history check (history takes IDs only)', async () => {
    const output = await post({ channel: '#soc-alerts', text: 'by name', thread_ts: '1714564801.000100' });
    assert.deepEqual(
      fake.requests.map((r) => r.path),
      ['/api/chat.postMessage'],
    );
    assert.equal(JSON.parse(fake.requests[0]!.body).channel, 'soc-alerts');
    assert.equal(output['channel'], 'C0SOCALERTS', 'Slack answers with the channel ID');
    assert.equal(output['checked'], false);
  });

  it('maps Slack’s HTTP 200 ok:false errors to action errors', async () => {
    await failsWith(post({ channel: 'C0NOTHERE1', text: 'x' }), 'not_found', /channel_not_found/);
    const outsider = await failsWith(post({ channel: 'general', text: 'x' }), 'rejected', /not_in_channel/);
    assert.equal(outsider.retryable, false);
    await failsWith(post({ channel: 'old-alerts', text: 'x' }), 'rejected', /is_archived/);
  });

  it('fails invalid_auth as unauthorized, not retryable, without the token in the message', async () => {
    const error = await failsWith(
      post({ channel: 'soc-alerts', text: 'x' }, 'xoxb-wrong-token'),
      'unauthorized',
      /invalid_auth/,
    );
    assert.equal(error.retryable, false);
    await failsWith(testIntegrationConnection(slack, options(fake, 'xoxb-wrong-token')), 'unauthorized');
    await testIntegrationConnection(slack, options(fake));
  });
});

describe('slack scopes and rate limits', () => {
  it('posts without the duplicate check when the token lacks channels:history', async () => {
    const fake = await startFakeSlack({ scopes: ['chat:write'] });
    try {
      const output = await runIntegrationAction(
        slack,
        'post_message',
        { channel: 'C0SOCALERTS', text: 'x' },
        options(fake),
      );
      assert.deepEqual(output, {
        channel: 'C0SOCALERTS',
        ts: '1714564801.000100',
        deduplicated: false,
        checked: false,
      });
      const noWrite = await startFakeSlack({ scopes: ['channels:history'] });
      try {
        await failsWith(
          runIntegrationAction(
            slack,
            'post_message',
            { channel: 'C0SOCALERTS', text: 'x' },
            options(noWrite),
          ),
          'unauthorized',
          /missing_scope" \(needs chat:write\)/,
        );
      } finally {
        await noWrite.close();
      }
    } finally {
      await fake.close();
    }
  });

  it('turns HTTP 429 ratelimited into rate_limited with Retry-After', async () => {
    const fake = await startFakeSlack({ postsBeforeLimit: 0 });
    try {
      const error = await failsWith(
        runIntegrationAction(slack, 'post_message', { channel: 'soc-alerts', text: 'x' }, options(fake)),
        'rate_limited',
        /ratelimited/,
      );
      assert.equal(error.retryable, true);
      assert.equal(error.retryAfterMs, 30_000);
    } finally {
      await fake.close();
    }
  });
});

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { runIntegrationAction, expectActionError } from '../sdk/integration-test-kit.ts';
import { FAKE_TEAMS_PATH, startFakeTeams, type FakeTeams } from './fake-teams.ts';
import { teamsIntegration as teams } from './teams-integration.ts';

const SECRET = /IncomingWebhook\/5d0e9f0cfake|4e9c-fake-secret|triggers\/manual/;

const failsWith = (promise: Promise<unknown>, code: string, pattern?: RegExp) =>
  expectActionError(promise, code, { pattern, secrets: [SECRET] });

const send = (server: FakeTeams, input: Record<string, unknown>, url = server.webhookUrl) =>
  runIntegrationAction(teams, 'post_message', input, { baseUrl: server.url, fields: { webhook_url: url } });

const ALERT = {
  title: 'Malware on WS-042',
  text: 'EDR quarantined invoice.exe',
  facts: { Host: 'WS-042', Verdict: 'malicious' },
  link: { title: 'Open case', url: 'https://riposte.example/cases/42' },
};

describe('teams connector webhook', () => {
  let fake: FakeTeams;
  before(async () => {
    fake = await startFakeTeams();
  });
  after(() => fake.close());
  beforeEach(() => {
    fake.requests.length = 0;
    fake.delivered.length = 0;
  });

  it('POSTs an Adaptive Card message to the webhook URL and reads the "1" answer', async () => {
    const output = await send(fake, ALERT);
    assert.deepEqual(output, { status: 200, response: '1' });
    const [request] = fake.requests;
    assert.equal(request?.method, 'POST');
    assert.equal(request?.path, FAKE_TEAMS_PATH);
    assert.equal(request?.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(request!.body), {
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          contentUrl: null,
          content: {
            $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
            type: 'AdaptiveCard',
            version: '1.4',
            body: [
              { type: 'TextBlock', text: 'Malware on WS-042', weight: 'Bolder', size: 'Medium', wrap: true },
              { type: 'TextBlock', text: 'EDR quarantined invoice.exe', wrap: true },
              {
                type: 'FactSet',
                facts: [
                  { title: 'Host', value: 'WS-042' },
                  { title: 'Verdict', value: 'malicious' },
                ],
              },
            ],
            actions: [
              { type: 'Action.OpenUrl', title: 'Open case', url: 'https://riposte.example/cases/42' },
            ],
            msteams: { width: 'Full' },
          },
        },
      ],
    });
  });

  it('sends a legacy MessageCard when asked', async () => {
    await send(fake, { ...ALERT, format: 'message_card' });
    assert.deepEqual(fake.delivered[0], {
      '@type': 'MessageCard',
      '@context': 'https://schema.org/extensions',
      summary: 'Malware on WS-042',
      title: 'Malware on WS-042',
      text: 'EDR quarantined invoice.exe',
      sections: [
        {
          facts: [
            { name: 'Host', value: 'WS-042' },
            { name: 'Verdict', value: 'malicious' },
          ],
        },
      ],
      potentialAction: [
        {
          '@type': 'OpenUri',
          name: 'Open case',
          targets: [{ os: 'default', uri: 'https://riposte.example/cases/42' }],
        },
      ],
    });
  });

  it('reports the webhook’s 400 text, and a removed webhook as not_found, without the URL', async () => {
    await failsWith(
      send(fake, { card: { type: 'NotACard' } }),
      'rejected',
      /Bad payload received by generic incoming webhook/,
    );
    await failsWith(send(fake, { text: 'x' }, `${fake.webhookUrl}-removed`), 'not_found');
    await failsWith(send(fake, {}), 'invalid_input');
  });
});

describe('teams throttling', () => {
  for (const throttle of ['status_429', 'status_200_text'] as const) {
    it(`turns a throttled delivery (${throttle}) into rate_limited`, async () => {
      const fake = await startFakeTeams({ messagesBeforeLimit: 0, throttle });
      try {
        const error = await failsWith(send(fake, { text: 'x' }), 'rate_limited', /HTTP error 429/);
        assert.equal(error.retryable, true);
        assert.equal(error.retryAfterMs, throttle === 'status_429' ? 30_000 : 60_000);
        assert.equal(fake.delivered.length, 0);
      } finally {
        await fake.close();
      }
    });
  }
});

describe('teams workflows webhook', () => {
  it('delivers a ready Adaptive Card and reads 202 Accepted', async () => {
    const fake = await startFakeTeams({ kind: 'workflow' });
    try {
      const card = { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: 'hello' }] };
      const output = await send(fake, { card });
      assert.deepEqual(output, { status: 202, response: '' });
      assert.deepEqual(fake.delivered[0], {
        type: 'message',
        attachments: [
          { contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card },
        ],
      });
      await failsWith(
        send(fake, { text: 'x', format: 'message_card' }),
        'rejected',
        /TriggerInputSchemaMismatch/,
      );
    } finally {
      await fake.close();
    }
  });
});

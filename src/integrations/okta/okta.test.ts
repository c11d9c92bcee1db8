import assert from 'node:assert/strict';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { OutboundHttp } from '../http/outbound-http.ts';
import {
  runIntegrationAction,
  testIntegrationConnection,
  expectActionError,
  checkAlreadyApplied,
} from '../sdk/integration-test-kit.ts';
import { startFakeOkta, type FakeOkta } from './fake-okta.ts';
import { okta, type LifecycleOutput } from './okta-integration.ts';

const http = new OutboundHttp({ allow: ['127.0.0.1'], attempts: 2, maxInlineWaitMs: 2000 });
const JDOE = '00u1a2b3c4d5e6f7g8h9';

const failsWith = (promise: Promise<unknown>, code: string, secret: string, pattern?: RegExp) =>
  expectActionError(promise, code, { pattern, secrets: [secret] });

describe('okta', () => {
  let fake: FakeOkta;
  const fields = (token = fake.apiToken) => ({ base_url: fake.url, api_token: token });
  const run = <T = LifecycleOutput>(name: string, input: Record<string, unknown>, token?: string) =>
    runIntegrationAction(okta, name, input, { baseUrl: fake.url, fields: fields(token) }) as Promise<T>;
  /** The engine's check-before-act call, through the real outbound client. */
  const alreadyApplied = (name: string, input: Record<string, unknown>) => {
    return checkAlreadyApplied(okta, name, input, { baseUrl: fake.url, fields: fields(), http });
  };

  beforeEach(async () => {
    fake = await startFakeOkta({
      users: [
        { id: JDOE, login: 'jdoe@example.com', sessions: 3 },
        { id: '00u9staged000000000x', login: 'new.hire@example.com', status: 'STAGED' },
      ],
      faults: { 'broken@example.com': 'server_error', 'html@example.com': 'html' },
    });
  });
  afterEach(() => fake.close());
  after(() => http.close());

  it('suspends a user by login with the documented requests and SSWS header', async () => {
    const output = await run('suspend_user', { user: 'jdoe@example.com' });
    assert.deepEqual(output, {
      userId: JDOE,
      login: 'jdoe@example.com',
      previousStatus: 'ACTIVE',
      requested: true,
    });
    const [lookup, suspend] = fake.requests;
    assert.equal(lookup?.method, 'GET');
    assert.equal(lookup?.path, '/api/v1/users/jdoe%40example.com');
    assert.equal(lookup?.headers['authorization'], `SSWS ${fake.apiToken}`);
    assert.equal(suspend?.method, 'POST');
    assert.equal(suspend?.path, `/api/v1/users/${JDOE}/lifecycle/suspend`);
    assert.equal(fake.user('jdoe@example.com')?.status, 'SUSPENDED');
  });

  it('reads the suspension back, and a repeat sends nothing', async () => {
    await run('suspend_user', { user: 'jdoe@example.com' });
    assert.equal(await alreadyApplied('suspend_user', { user: 'jdoe@example.com' }), true);
    assert.equal(await alreadyApplied('unsuspend_user', { user: JDOE }), false);
    const count = fake.requests.length;
    const again = await run('suspend_user', { user: 'jdoe@example.com' });
    assert.equal(again.requested, false);
    assert.equal(again.previousStatus, 'SUSPENDED');
    assert.deepEqual(
      fake.requests.slice(count).map((r) => r.method),
      ['GET'],
      'a retried suspension is only a lookup',
    );
  });

  it('unsuspends through the declared inverse and its input', async () => {
    const suspend = okta.actions.find((a) => a.name === 'suspend_user')!;
    const output = await run('suspend_user', { user: 'jdoe@example.com' });
    const inverseInput = suspend.inverseInput!({ user: 'jdoe@example.com' } as never, output as never);
    assert.equal(suspend.inverse, 'unsuspend_user');
    assert.deepEqual(inverseInput, { user: JDOE });
    const restored = await run('unsuspend_user', inverseInput);
    assert.deepEqual(restored, {
      userId: JDOE,
      login: 'jdoe@example.com',
      previousStatus: 'SUSPENDED',
      requested: true,
    });
    assert.equal(fake.requests.at(-1)?.path, `/api/v1/users/${JDOE}/lifecycle/unsuspend`);
    assert.equal(fake.user(JDOE)?.status, 'ACTIVE');
    assert.equal(await alreadyApplied('unsuspend_user', { user: JDOE }), true);
  });

  it('clears sessions with DELETE, revoking OAuth tokens only when asked', async () => {
    const output = await run('clear_sessions', { user: 'jdoe@example.com', revokeOAuthTokens: true });
    assert.deepEqual(output, { userId: JDOE, login: 'jdoe@example.com', oauthTokensRevoked: true });
    const request = fake.requests.at(-1)!;
    assert.equal(request.method, 'DELETE');
    assert.equal(request.path, `/api/v1/users/${JDOE}/sessions`);
    assert.equal(request.query.get('oauthTokens'), 'true');
    assert.equal(fake.user(JDOE)?.sessions, 0);
    await run('clear_sessions', { user: JDOE });
    assert.equal(fake.requests.at(-1)?.query.has('oauthTokens'), false);
    assert.equal(fake.oauthTokensCleared.get(JDOE), false);
  });

  it('declares RE&CT ids, targets and inverses', () => {
    const byName = Object.fromEntries(okta.actions.map((a) => [a.name, a]));
    assert.equal(byName['suspend_user']?.react, 'RA3601');
    assert.equal(byName['unsuspend_user']?.react, 'RA5601');
    assert.equal(byName['clear_sessions']?.react, 'RA4601');
    assert.equal(byName['clear_sessions']?.inverse, undefined, 'sessions cannot be given back');
    assert.equal(byName['clear_sessions']?.effect, 'destructive');
    assert.deepEqual(byName['suspend_user']?.target!({ user: 'jdoe@example.com' } as never), {
      type: 'user',
      value: 'jdoe@example.com',
    });
  });

  it('passes on Okta’s refusal of a transition the status does not allow (E0000001)', async () => {
    const error = await failsWith(
      run('suspend_user', { user: 'new.hire@example.com' }),
      'bad_request',
      fake.apiToken,
      /E0000001: Api validation failed/,
    );
    assert.equal(error.retryable, false);
    assert.equal(fake.user('new.hire@example.com')?.status, 'STAGED');
  });

  it('fails a wrong token as unauthorized, not retryable, without the token', async () => {
    const wrong = '00wrongtoken0123456789';
    const error = await failsWith(
      run('suspend_user', { user: 'jdoe@example.com' }, wrong),
      'unauthorized',
      wrong,
      /Invalid token provided/,
    );
    assert.equal(error.retryable, false);
    assert.equal(fake.user(JDOE)?.status, 'ACTIVE');
  });

  it('answers an unknown user with not_found and Okta’s summary', async () => {
    const error = await failsWith(
      run('suspend_user', { user: 'ghost@example.com' }),
      'not_found',
      fake.apiToken,
      /E0000007: Not found: Resource not found: ghost@example.com \(User\)/,
    );
    assert.equal(error.retryable, false);
  });

  it('turns a 500 and an HTML page into clear errors', async () => {
    const server = await failsWith(
      run('suspend_user', { user: 'broken@example.com' }),
      'server_error',
      fake.apiToken,
      /500/,
    );
    assert.equal(server.retryable, true);
    await failsWith(
      run('suspend_user', { user: 'html@example.com' }),
      'invalid_response',
      fake.apiToken,
      /text\/html/,
    );
  });

  it('refuses an instance without its org URL before sending anything', async () => {
    await failsWith(
      runIntegrationAction(
        okta,
        'suspend_user',
        { user: JDOE },
        { baseUrl: fake.url, fields: { api_token: fake.apiToken } },
      ),
      'not_configured',
      fake.apiToken,
    );
    assert.equal(fake.requests.length, 0);
  });

  it('checks the connection with a cheap authenticated call', async () => {
    await testIntegrationConnection(okta, { baseUrl: fake.url, fields: fields() });
    await failsWith(
      testIntegrationConnection(okta, { baseUrl: fake.url, fields: fields('00nope0000') }),
      'unauthorized',
      '00nope0000',
    );
  });
});

describe('okta rate limit', () => {
  it('answers 429 (E0000047) as rate_limited until X-Rate-Limit-Reset', async () => {
    const fake = await startFakeOkta({
      users: [{ id: JDOE, login: 'jdoe@example.com' }],
      requestsPerMinute: 1,
    });
    try {
      const options = { baseUrl: fake.url, fields: { base_url: fake.url, api_token: fake.apiToken } };
      const error = await failsWith(
        runIntegrationAction(okta, 'suspend_user', { user: 'jdoe@example.com' }, options),
        'rate_limited',
        fake.apiToken,
        /E0000047: API call exceeded rate limit/,
      );
      assert.equal(error.retryable, true);
      assert.ok(error.retryAfterMs! > 50_000 && error.retryAfterMs! <= 61_000, String(error.retryAfterMs));
      assert.equal(fake.user(JDOE)?.status, 'ACTIVE', 'the lookup passed, the suspension was refused');
    } finally {
      await fake.close();
    }
  });
});

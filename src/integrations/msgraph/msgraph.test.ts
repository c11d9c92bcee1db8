import assert from 'node:assert/strict';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { OutboundHttp } from '../http/outbound-http.ts';
import {
  runIntegrationAction,
  testIntegrationConnection,
  expectActionError,
  checkAlreadyApplied,
} from '../sdk/integration-test-kit.ts';
import { startFakeMsGraph, type FakeMsGraph } from './fake-msgraph.ts';
import { msgraph, type AccountOutput } from './msgraph-integration.ts';

const http = new OutboundHttp({ allow: ['127.0.0.1'], attempts: 2, maxInlineWaitMs: 2000 });
const JDOE = '7f9c1d2e-3a4b-4c5d-8e6f-0a1b2c3d4e5f';

const failsWith = (promise: Promise<unknown>, code: string, secret: string, pattern?: RegExp) =>
  expectActionError(promise, code, { pattern, secrets: [secret] });

const fieldsOf = (fake: FakeMsGraph, secret = fake.clientSecret) => ({
  tenant_id: fake.tenantId,
  client_id: fake.clientId,
  client_secret: secret,
  token_url: fake.tokenUrl,
});

describe('msgraph', () => {
  let fake: FakeMsGraph;
  const run = <T = AccountOutput>(name: string, input: Record<string, unknown>, secret?: string) =>
    runIntegrationAction(msgraph, name, input, {
      baseUrl: fake.url,
      fields: fieldsOf(fake, secret),
    }) as Promise<T>;
  /** The engine's check-before-act call, through the real outbound client. */
  const alreadyApplied = (name: string, input: Record<string, unknown>) => {
    const fields = fieldsOf(fake);
    return checkAlreadyApplied(msgraph, name, input, { baseUrl: fake.url, fields: fields, http });
  };

  beforeEach(async () => {
    fake = await startFakeMsGraph({
      users: [{ id: JDOE, userPrincipalName: 'jdoe@contoso.com' }],
      faults: { 'broken@contoso.com': 'server_error', 'html@contoso.com': 'html' },
    });
  });
  afterEach(() => fake.close());
  after(() => http.close());

  it('disables an account with the documented token and Graph requests', async () => {
    const output = await run('disable_account', { user: 'jdoe@contoso.com' });
    assert.deepEqual(output, {
      userId: JDOE,
      userPrincipalName: 'jdoe@contoso.com',
      previousAccountEnabled: true,
      requested: true,
    });
    const [token, lookup, patch] = fake.requests;
    assert.equal(token?.method, 'POST');
    assert.equal(token?.path, `/${fake.tenantId}/oauth2/v2.0/token`);
    assert.deepEqual(Object.fromEntries(new URLSearchParams(token!.body)), {
      client_id: fake.clientId,
      client_secret: fake.clientSecret,
      scope: 'https://graph.microsoft.com/.default',
      grant_type: 'client_credentials',
    });
    assert.equal(lookup?.path, '/v1.0/users/jdoe%40contoso.com');
    assert.equal(lookup?.query.get('$select'), 'id,userPrincipalName,accountEnabled');
    assert.match(String(lookup?.headers['authorization']), /^Bearer eyJ/);
    assert.equal(patch?.method, 'PATCH');
    assert.equal(patch?.path, `/v1.0/users/${JDOE}`);
    assert.deepEqual(JSON.parse(patch!.body), { accountEnabled: false });
    assert.equal(fake.user(JDOE)?.accountEnabled, false);
  });

  it('reads the state back, and a repeat sends no PATCH', async () => {
    await run('disable_account', { user: 'jdoe@contoso.com' });
    assert.equal(await alreadyApplied('disable_account', { user: 'jdoe@contoso.com' }), true);
    assert.equal(await alreadyApplied('enable_account', { user: JDOE }), false);
    const again = await run('disable_account', { user: JDOE });
    assert.equal(again.requested, false);
    assert.equal(fake.requests.filter((r) => r.method === 'PATCH').length, 1);
  });

  it('enables the account again through the declared inverse and its input', async () => {
    const disable = msgraph.actions.find((a) => a.name === 'disable_account')!;
    const output = await run('disable_account', { user: 'jdoe@contoso.com' });
    const inverseInput = disable.inverseInput!({ user: 'jdoe@contoso.com' } as never, output as never);
    assert.equal(disable.inverse, 'enable_account');
    assert.deepEqual(inverseInput, { user: JDOE });
    const restored = await run('enable_account', inverseInput);
    assert.equal(restored.previousAccountEnabled, false);
    assert.deepEqual(JSON.parse(fake.requests.at(-1)!.body), { accountEnabled: true });
    assert.equal(fake.user(JDOE)?.accountEnabled, true);
    assert.equal(await alreadyApplied('enable_account', { user: JDOE }), true);
  });

  it('revokes sign-in sessions', async () => {
    const output = await run<{ userId: string }>('revoke_sessions', { user: 'jdoe@contoso.com' });
    assert.deepEqual(output, { userId: JDOE, userPrincipalName: 'jdoe@contoso.com' });
    const request = fake.requests.at(-1)!;
    assert.equal(request.method, 'POST');
    assert.equal(request.path, `/v1.0/users/${JDOE}/revokeSignInSessions`);
    assert.notEqual(fake.user(JDOE)?.signInSessionsValidFrom, null);
  });

  it('declares RE&CT ids, targets and inverses', () => {
    const byName = Object.fromEntries(msgraph.actions.map((a) => [a.name, a]));
    assert.equal(byName['disable_account']?.react, 'RA3601');
    assert.equal(byName['enable_account']?.react, 'RA5601');
    assert.equal(byName['revoke_sessions']?.react, 'RA4601');
    assert.equal(byName['revoke_sessions']?.inverse, undefined);
    assert.deepEqual(byName['disable_account']?.target!({ user: JDOE } as never), {
      type: 'user',
      value: JDOE,
    });
    assert.equal(msgraph.credentials.find((c) => c.name === 'client_secret')?.secret, true);
  });

  it('keeps its token, and gets a fresh one after a 401', async () => {
    await run('disable_account', { user: JDOE });
    await run('enable_account', { user: JDOE });
    assert.equal(fake.tokensIssued(), 1);
    fake.revokeTokens();
    await run('disable_account', { user: JDOE });
    assert.equal(fake.tokensIssued(), 2);
    assert.equal(fake.user(JDOE)?.accountEnabled, false);
  });

  it('fails a wrong secret as unauthorized (AADSTS7000215), not retryable, without the secret', async () => {
    const wrong = 'Q8~wrong-secret-value-000000';
    const error = await failsWith(
      run('disable_account', { user: JDOE }, wrong),
      'unauthorized',
      wrong,
      /invalid_client: AADSTS7000215: Invalid client secret provided/,
    );
    assert.equal(error.retryable, false);
    assert.doesNotMatch(error.message, /Trace ID/, 'the trace lines are left out');
    assert.equal(fake.user(JDOE)?.accountEnabled, true);
  });

  it('answers an unknown user with not_found and Graph’s reason', async () => {
    const error = await failsWith(
      run('disable_account', { user: 'ghost@contoso.com' }),
      'not_found',
      fake.clientSecret,
      /Request_ResourceNotFound: Resource 'ghost@contoso.com' does not exist/,
    );
    assert.equal(error.retryable, false);
  });

  it('turns a 500 and an HTML page into clear errors', async () => {
    const server = await failsWith(
      run('disable_account', { user: 'broken@contoso.com' }),
      'server_error',
      fake.clientSecret,
      /500/,
    );
    assert.equal(server.retryable, true);
    await failsWith(
      run('disable_account', { user: 'html@contoso.com' }),
      'invalid_response',
      fake.clientSecret,
      /text\/html/,
    );
  });

  it('checks the connection with a cheap authenticated call', async () => {
    await testIntegrationConnection(msgraph, { baseUrl: fake.url, fields: fieldsOf(fake) });
  });
});

describe('msgraph throttling', () => {
  it('answers 429 TooManyRequests as rate_limited with Retry-After', async () => {
    const fake = await startFakeMsGraph({
      users: [{ id: JDOE, userPrincipalName: 'jdoe@contoso.com' }],
      requestLimit: 1,
      retryAfterSeconds: 45,
    });
    try {
      const error = await failsWith(
        runIntegrationAction(
          msgraph,
          'disable_account',
          { user: JDOE },
          { baseUrl: fake.url, fields: fieldsOf(fake) },
        ),
        'rate_limited',
        fake.clientSecret,
        /TooManyRequests/,
      );
      assert.equal(error.retryable, true);
      assert.equal(error.retryAfterMs, 45_000);
      assert.equal(fake.user(JDOE)?.accountEnabled, true);
    } finally {
      await fake.close();
    }
  });
});

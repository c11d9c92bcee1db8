import assert from 'node:assert/strict';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { OutboundHttp } from '../http/outbound-http.ts';
import { checkAlreadyApplied, expectActionError, runIntegrationAction } from '../sdk/integration-test-kit.ts';
import type { ForcePasswordChangeOutput } from './force-password-change.ts';
import { startFakeMsGraph, type FakeMsGraph } from './fake-msgraph.ts';
import { msgraph } from './msgraph-integration.ts';

const http = new OutboundHttp({ allow: ['127.0.0.1'], attempts: 2, maxInlineWaitMs: 2000 });
const JDOE = '7f9c1d2e-3a4b-4c5d-8e6f-0a1b2c3d4e5f';
const ADMIN = '0a0b0c0d-1111-2222-3333-444455556666';

describe('msgraph.force_password_change', () => {
  let fake: FakeMsGraph;
  const options = () => ({
    baseUrl: fake.url,
    fields: {
      tenant_id: fake.tenantId,
      client_id: fake.clientId,
      client_secret: fake.clientSecret,
      token_url: fake.tokenUrl,
    },
  });
  const run = (input: Record<string, unknown>) =>
    runIntegrationAction(
      msgraph,
      'force_password_change',
      input,
      options(),
    ) as Promise<ForcePasswordChangeOutput>;

  beforeEach(async () => {
    fake = await startFakeMsGraph({
      users: [
        { id: JDOE, userPrincipalName: 'jdoe@contoso.com' },
        { id: ADMIN, userPrincipalName: 'admin@contoso.com', privileged: true },
      ],
    });
  });
  afterEach(() => fake.close());
  after(() => http.close());

  it('reads the password profile, then PATCHes both flags by default', async () => {
    const output = await run({ user: 'jdoe@contoso.com' });
    assert.deepEqual(output, {
      userId: JDOE,
      userPrincipalName: 'jdoe@contoso.com',
      withMfa: true,
      requested: true,
    });
    const [, lookup, patch] = fake.requests;
    assert.equal(lookup?.path, '/v1.0/users/jdoe%40contoso.com');
    assert.equal(lookup?.query.get('$select'), 'id,userPrincipalName,passwordProfile');
    assert.equal(patch?.method, 'PATCH');
    assert.equal(patch?.path, `/v1.0/users/${JDOE}`);
    assert.deepEqual(JSON.parse(patch!.body), {
      passwordProfile: { forceChangePasswordNextSignIn: true, forceChangePasswordNextSignInWithMfa: true },
    });
    assert.deepEqual(fake.user(JDOE)?.passwordProfile, {
      forceChangePasswordNextSignIn: true,
      forceChangePasswordNextSignInWithMfa: true,
    });
  });

  it('answers check before act from the profile, and a retry sends no PATCH', async () => {
    const check = (input: Record<string, unknown>) =>
      checkAlreadyApplied(msgraph, 'force_password_change', input, { ...options(), http });
    assert.equal(await check({ user: JDOE }), false);
    await run({ user: JDOE, withMfa: false });
    assert.deepEqual(JSON.parse(fake.requests.at(-1)!.body), {
      passwordProfile: { forceChangePasswordNextSignIn: true },
    });
    assert.equal(await check({ user: JDOE, withMfa: false }), true);
    assert.equal(await check({ user: JDOE }), false, 'the MFA flag is not set yet');
    await run({ user: JDOE });
    assert.equal(await check({ user: JDOE }), true);
    const again = await run({ user: JDOE });
    assert.equal(again.requested, false);
    assert.equal(fake.requests.filter((r) => r.method === 'PATCH').length, 2);
  });

  it('fails unauthorized, not retried, when Graph refuses an administrator’s profile', async () => {
    const error = await expectActionError(run({ user: 'admin@contoso.com' }), 'unauthorized', {
      pattern: /403.*Authorization_RequestDenied: Insufficient privileges/,
      secrets: [fake.clientSecret],
    });
    assert.equal(error.retryable, false);
    assert.equal(fake.user(ADMIN)?.passwordProfile.forceChangePasswordNextSignIn, false);
  });

  it('is a write with the user as target and no inverse', () => {
    const action = msgraph.actions.find((a) => a.name === 'force_password_change')!;
    assert.equal(action.effect, 'write');
    assert.equal(action.inverse, undefined);
    assert.deepEqual(action.target!({ user: 'jdoe@contoso.com' } as never), {
      type: 'user',
      value: 'jdoe@contoso.com',
    });
  });
});

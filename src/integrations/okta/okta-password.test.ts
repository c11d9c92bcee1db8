import assert from 'node:assert/strict';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { OutboundHttp } from '../http/outbound-http.ts';
import { checkAlreadyApplied, expectActionError, runIntegrationAction } from '../sdk/integration-test-kit.ts';
import { startFakeOkta, type FakeOkta } from './fake-okta.ts';
import { okta, type LifecycleOutput } from './okta-integration.ts';

const http = new OutboundHttp({ allow: ['127.0.0.1'], attempts: 2, maxInlineWaitMs: 2000 });
const JDOE = '00u1a2b3c4d5e6f7g8h9';

describe('okta password actions', () => {
  let fake: FakeOkta;
  const options = () => ({ baseUrl: fake.url, fields: { base_url: fake.url, api_token: fake.apiToken } });
  const run = (name: string, input: Record<string, unknown>) =>
    runIntegrationAction(okta, name, input, options()) as Promise<LifecycleOutput>;
  const alreadyApplied = (name: string, input: Record<string, unknown>) =>
    checkAlreadyApplied(okta, name, input, { ...options(), http });

  beforeEach(async () => {
    fake = await startFakeOkta({
      users: [
        { id: JDOE, login: 'jdoe@example.com' },
        { id: '00u9suspended0000000', login: 'gone@example.com', status: 'SUSPENDED' },
      ],
    });
  });
  afterEach(() => fake.close());
  after(() => http.close());

  it('resets the password: RECOVERY, and Okta mails the link (sendEmail=true)', async () => {
    const output = await run('reset_password', { user: 'jdoe@example.com' });
    assert.deepEqual(output, {
      userId: JDOE,
      login: 'jdoe@example.com',
      previousStatus: 'ACTIVE',
      requested: true,
    });
    const request = fake.requests.at(-1)!;
    assert.equal(request.method, 'POST');
    assert.equal(request.path, `/api/v1/users/${JDOE}/lifecycle/reset_password`);
    assert.equal(request.query.get('sendEmail'), 'true');
    assert.equal(request.headers['authorization'], `SSWS ${fake.apiToken}`);
    assert.equal(fake.user(JDOE)?.status, 'RECOVERY');
    assert.deepEqual(fake.passwordResets, [{ userId: JDOE, sendEmail: true }]);
    assert.ok(!JSON.stringify(output).includes('reset_password/'), 'no reset link in the output');
  });

  it('reads the reset back, and a retried step sends nothing more', async () => {
    assert.equal(await alreadyApplied('reset_password', { user: JDOE }), false);
    await run('reset_password', { user: JDOE });
    assert.equal(await alreadyApplied('reset_password', { user: JDOE }), true);
    const again = await run('reset_password', { user: JDOE });
    assert.equal(again.requested, false);
    assert.equal(again.previousStatus, 'RECOVERY');
    assert.equal(fake.passwordResets.length, 1);
  });

  it('expires the password: PASSWORD_EXPIRED, once', async () => {
    const output = await run('expire_password', { user: 'jdoe@example.com' });
    assert.equal(output.requested, true);
    assert.equal(fake.requests.at(-1)?.path, `/api/v1/users/${JDOE}/lifecycle/expire_password`);
    assert.equal(fake.user(JDOE)?.status, 'PASSWORD_EXPIRED');
    assert.equal(await alreadyApplied('expire_password', { user: JDOE }), true);
    assert.equal((await run('expire_password', { user: JDOE })).requested, false);
  });

  it('passes on Okta’s refusal for a status that allows no reset (E0000001), not retryable', async () => {
    const error = await expectActionError(
      run('reset_password', { user: 'gone@example.com' }),
      'bad_request',
      {
        pattern: /E0000001/,
        secrets: [fake.apiToken],
      },
    );
    assert.equal(error.retryable, false);
    assert.equal(fake.user('gone@example.com')?.status, 'SUSPENDED');
  });

  it('declares effects, targets and RE&CT ids, and no inverse', () => {
    const byName = Object.fromEntries(okta.actions.map((a) => [a.name, a]));
    assert.equal(byName['reset_password']?.effect, 'destructive');
    assert.equal(byName['reset_password']?.react, 'RA4601');
    assert.equal(byName['reset_password']?.inverse, undefined);
    assert.equal(byName['expire_password']?.effect, 'write');
    assert.equal(byName['expire_password']?.react, undefined, 'the password still signs in once');
    assert.deepEqual(byName['expire_password']?.target!({ user: 'jdoe@example.com' } as never), {
      type: 'user',
      value: 'jdoe@example.com',
    });
  });
});

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  runIntegrationAction,
  testIntegrationConnection,
  expectActionError,
} from '../sdk/integration-test-kit.ts';
import {
  FAKE_SN_PASSWORD,
  FAKE_SN_USER,
  startFakeServiceNow,
  type FakeServiceNow,
} from './fake-servicenow.ts';
import { serviceNowIntegration as servicenow } from './servicenow-integration.ts';

// The test kit runs every action with this idempotency key.
const CORRELATION = 'riposte:run_test:step:1';

const failsWith = (promise: Promise<unknown>, code: string, pattern?: RegExp) =>
  expectActionError(promise, code, { pattern, secrets: [FAKE_SN_PASSWORD] });

const options = (server: FakeServiceNow, password = FAKE_SN_PASSWORD) => ({
  baseUrl: server.url,
  fields: { username: FAKE_SN_USER, password, base_url: server.url },
});

describe('servicenow', () => {
  let fake: FakeServiceNow;
  const run = (name: string, input: Record<string, unknown>, password = FAKE_SN_PASSWORD) =>
    runIntegrationAction(servicenow, name, input, options(fake, password)) as Promise<
      Record<string, unknown>
    >;

  before(async () => {
    fake = await startFakeServiceNow({
      incidents: [
        {
          sys_id: 'f'.repeat(32),
          number: 'INC0009999',
          state: '2',
          short_description: 'another step’s incident',
          correlation_id: 'riposte:run_other:step:1',
        },
      ],
    });
  });
  after(() => fake.close());
  beforeEach(() => {
    fake.requests.length = 0;
  });

  it('queries its correlation_id, then POSTs the incident with basic auth', async () => {
    const output = await run('create_incident', {
      short_description: 'Malware on WS-042',
      description: 'EDR quarantined invoice.exe',
      urgency: 1,
      impact: 2,
      category: 'security',
    });
    const [query, post] = fake.requests;
    assert.equal(query?.method, 'GET');
    assert.equal(query?.path, '/api/now/table/incident');
    assert.equal(query?.query.get('sysparm_query'), `correlation_id=${CORRELATION}`);
    assert.equal(query?.query.get('sysparm_limit'), '1');
    assert.equal(post?.method, 'POST');
    assert.equal(
      post?.headers['authorization'],
      `Basic ${Buffer.from(`${FAKE_SN_USER}:${FAKE_SN_PASSWORD}`).toString('base64')}`,
    );
    assert.deepEqual(JSON.parse(post!.body), {
      short_description: 'Malware on WS-042',
      description: 'EDR quarantined invoice.exe',
      urgency: '1',
      impact: '2',
      category: 'security',
      correlation_id: CORRELATION,
      correlation_display: 'Riposte',
    });
    const created = fake.incidents[1]!;
    assert.deepEqual(output, {
      sys_id: created['sys_id'],
      number: 'INC0010002',
      state: '1',
      url: `${fake.url}/nav_to.do?uri=${encodeURIComponent(`incident.do?sys_id=${created['sys_id']}`)}`,
      deduplicated: false,
    });
  });

  it('does not open a second incident when the step runs again with the same idempotency key', async () => {
    const again = await run('create_incident', { short_description: 'Malware on WS-042' });
    assert.equal(fake.incidents.length, 2);
    assert.deepEqual(
      fake.requests.map((r) => r.method),
      ['GET'],
    );
    assert.equal(again['number'], 'INC0010002');
    assert.equal(again['deduplicated'], true);
  });

  it('PATCHes fields by sys_id, state as its code, and names the ticket as its target', async () => {
    const sysId = fake.incidents[1]!['sys_id']!;
    const output = await run('update_incident', {
      sys_id: sysId,
      state: 'resolved',
      close_code: 'Solved (Permanently)',
      close_notes: 'Host reimaged',
    });
    const [patch] = fake.requests;
    assert.equal(patch?.method, 'PATCH');
    assert.equal(patch?.path, `/api/now/table/incident/${sysId}`);
    assert.deepEqual(JSON.parse(patch!.body), {
      close_code: 'Solved (Permanently)',
      close_notes: 'Host reimaged',
      state: '6',
    });
    assert.equal(output['state'], '6');
    const action = servicenow.actions.find((a) => a.name === 'update_incident')!;
    assert.deepEqual(action.target?.({ sys_id: sysId }), { type: 'ticket', value: sysId });
  });

  it('reads ServiceNow’s 404 body for an unknown sys_id', async () => {
    await failsWith(
      run('update_incident', { sys_id: '0'.repeat(32), state: 'closed' }),
      'not_found',
      /No Record found: Record doesn't exist or ACL restricts the record retrieval/,
    );
  });

  it('fails a wrong password as unauthorized, not retryable, without the password in the message', async () => {
    const error = await failsWith(
      run('create_incident', { short_description: 'x' }, 'wrong-password'),
      'unauthorized',
      /User Not Authenticated/,
    );
    assert.equal(error.retryable, false);
    await failsWith(testIntegrationConnection(servicenow, options(fake, 'wrong-password')), 'unauthorized');
    await testIntegrationConnection(servicenow, options(fake));
  });
});

describe('servicenow refusals and limits', () => {
  it('tells a data policy’s 403 "Operation Failed" (rejected) from an ACL’s 403 (unauthorized)', async () => {
    const fake = await startFakeServiceNow({ mandatory: ['assignment_group'] });
    try {
      const error = await failsWith(
        runIntegrationAction(servicenow, 'create_incident', { short_description: 'x' }, options(fake)),
        'rejected',
        /Operation Failed: Data Policy Exception/,
      );
      assert.equal(error.retryable, false);
      assert.equal(fake.incidents.length, 0);
    } finally {
      await fake.close();
    }
  });

  it('turns an inbound rate-limit rule’s 429 into rate_limited with Retry-After', async () => {
    const fake = await startFakeServiceNow({ requestsBeforeLimit: 0 });
    try {
      const error = await failsWith(
        runIntegrationAction(servicenow, 'create_incident', { short_description: 'x' }, options(fake)),
        'rate_limited',
      );
      assert.equal(error.retryAfterMs, 45_000);
    } finally {
      await fake.close();
    }
  });
});

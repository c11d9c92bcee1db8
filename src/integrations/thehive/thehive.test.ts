import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  runIntegrationAction,
  testIntegrationConnection,
  expectActionError,
} from '../sdk/integration-test-kit.ts';
import { FAKE_HIVE_KEY, startFakeTheHive, type FakeTheHive } from './fake-thehive.ts';
import { theHiveIntegration as thehive } from './thehive-integration.ts';

// The test kit runs every action with this idempotency key.
const TAG = 'riposte:run_test:step:1';

const failsWith = (promise: Promise<unknown>, code: string, pattern?: RegExp) =>
  expectActionError(promise, code, { pattern, secrets: [FAKE_HIVE_KEY] });

const options = (server: FakeTheHive, key = FAKE_HIVE_KEY, extra: Record<string, string> = {}) => ({
  baseUrl: server.url,
  fields: { api_key: key, base_url: server.url, ...extra },
});
const CASE = {
  title: 'Phishing wave',
  description: '12 users received invoice.pdf',
  severity: 3,
  tlp: 2,
  pap: 2,
  tags: ['phishing'],
};

describe('thehive', () => {
  let fake: FakeTheHive;
  const run = (input: Record<string, unknown>, key = FAKE_HIVE_KEY, extra: Record<string, string> = {}) =>
    runIntegrationAction(thehive, 'create_case', input, options(fake, key, extra)) as Promise<
      Record<string, unknown>
    >;

  before(async () => {
    fake = await startFakeTheHive({
      organisations: ['SOC', 'CERT'],
      cases: [
        {
          _id: '~4096',
          _type: 'Case',
          number: 1,
          title: 'another step’s case',
          description: 'x',
          severity: 2,
          tlp: 2,
          pap: 2,
          tags: ['riposte:run_other:step:1'],
          flag: false,
          status: 'New',
          _createdAt: 0,
          _createdBy: 'someone',
        },
      ],
    });
  });
  after(() => fake.close());
  beforeEach(() => {
    fake.requests.length = 0;
  });

  it('looks for its tag with the Query API, then POSTs the case with the Bearer key', async () => {
    const output = await run(CASE, FAKE_HIVE_KEY, { organisation: 'CERT' });
    const [query, create] = fake.requests;
    assert.equal(query?.method, 'POST');
    assert.equal(query?.path, '/api/v1/query');
    assert.deepEqual(JSON.parse(query!.body), {
      query: [
        { _name: 'listCase' },
        { _name: 'filter', _eq: { _field: 'tags', _value: TAG } },
        { _name: 'page', from: 0, to: 1 },
      ],
    });
    assert.equal(create?.path, '/api/v1/case');
    assert.equal(create?.headers['authorization'], `Bearer ${FAKE_HIVE_KEY}`);
    assert.equal(create?.headers['x-organisation'], 'CERT');
    assert.deepEqual(JSON.parse(create!.body), { ...CASE, tags: ['phishing', TAG] });
    assert.deepEqual(output, {
      _id: '~49152',
      number: 2,
      title: 'Phishing wave',
      status: 'New',
      url: `${fake.url}/cases/~49152/details`,
      deduplicated: false,
    });
  });

  it('does not open a second case when the step runs again with the same idempotency key', async () => {
    const again = await run(CASE);
    assert.equal(fake.cases.length, 2);
    assert.deepEqual(
      fake.requests.map((r) => r.path),
      ['/api/v1/query'],
    );
    assert.equal(again['number'], 2);
    assert.equal(again['deduplicated'], true);
  });

  it('fails a wrong key as unauthorized, not retryable, without the key in the message', async () => {
    const error = await failsWith(run(CASE, 'wrong-key-123'), 'unauthorized', /AuthenticationError/);
    assert.equal(error.retryable, false);
    await failsWith(testIntegrationConnection(thehive, options(fake, 'wrong-key-123')), 'unauthorized');
    await testIntegrationConnection(thehive, options(fake));
  });
});

describe('thehive refusals and limits', () => {
  it('reports TheHive’s {type, message} from a 400 and refuses an unknown organisation', async () => {
    const fake = await startFakeTheHive({
      intercept: (request) =>
        request.path === '/api/v1/case'
          ? {
              status: 400,
              json: { type: 'AttributeCheckingError', message: 'assignee: user nobody not found' },
            }
          : undefined,
    });
    try {
      const error = await failsWith(
        runIntegrationAction(thehive, 'create_case', { ...CASE, assignee: 'nobody' }, options(fake)),
        'rejected',
        /\(400\): AttributeCheckingError: assignee: user nobody not found/,
      );
      assert.equal(error.retryable, false);
      await failsWith(
        runIntegrationAction(
          thehive,
          'create_case',
          CASE,
          options(fake, FAKE_HIVE_KEY, { organisation: 'RED' }),
        ),
        'unauthorized',
        /AuthorizationError/,
      );
    } finally {
      await fake.close();
    }
  });

  it('turns a 429 from TheHive (or its proxy) into rate_limited with Retry-After', async () => {
    const fake = await startFakeTheHive({ requestsBeforeLimit: 0 });
    try {
      const error = await failsWith(
        runIntegrationAction(thehive, 'create_case', CASE, options(fake)),
        'rate_limited',
      );
      assert.equal(error.retryAfterMs, 20_000);
    } finally {
      await fake.close();
    }
  });
});

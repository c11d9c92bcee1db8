import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { expectActionError, runIntegrationAction } from '../sdk/integration-test-kit.ts';
import { crowdstrike } from './crowdstrike-integration.ts';
import { startFakeCrowdStrike, type FakeCrowdStrike } from './fake-crowdstrike.ts';
import type { PrevalenceOutput } from './falcon-indicators.ts';

const WS42 = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const SRV7 = 'b1b2c3d4e5f60718293a4b5c6d7e8f91';
const LAPTOP = 'c1b2c3d4e5f60718293a4b5c6d7e8f92';
const SPREAD = 'e'.repeat(64);
const ONE_HOST_MD5 = 'f'.repeat(32);

describe('crowdstrike.hash_prevalence', () => {
  let fake: FakeCrowdStrike;
  const run = (input: Record<string, unknown>) =>
    runIntegrationAction(crowdstrike, 'hash_prevalence', input, {
      baseUrl: fake.url,
      fields: { client_id: fake.clientId, client_secret: fake.clientSecret },
    }) as Promise<PrevalenceOutput>;

  beforeEach(async () => {
    fake = await startFakeCrowdStrike({
      hosts: [
        { deviceId: WS42, hostname: 'WS-042' },
        { deviceId: SRV7, hostname: 'srv-7' },
        { deviceId: LAPTOP, hostname: 'lt-mona' },
      ],
      observed: { [`sha256:${SPREAD}`]: [WS42, SRV7, LAPTOP], [`md5:${ONE_HOST_MD5}`]: [SRV7] },
    });
  });
  afterEach(() => fake.close());

  it('counts the hosts that saw a file and names them, with the documented requests', async () => {
    const output = await run({ hash: SPREAD.toUpperCase() });
    assert.deepEqual(output, {
      type: 'sha256',
      value: SPREAD,
      hostCount: 3,
      hosts: [
        { deviceId: WS42, hostname: 'WS-042' },
        { deviceId: SRV7, hostname: 'srv-7' },
        { deviceId: LAPTOP, hostname: 'lt-mona' },
      ],
      truncated: false,
    });
    const [, count, ranOn, details] = fake.requests;
    assert.equal(count?.path, '/indicators/aggregates/devices-count/v1');
    assert.deepEqual(Object.fromEntries(count!.query), { type: 'sha256', value: SPREAD });
    assert.match(String(count?.headers['authorization']), /^Bearer \S+$/);
    assert.equal(ranOn?.path, '/indicators/queries/devices/v1');
    assert.deepEqual(Object.fromEntries(ranOn!.query), { type: 'sha256', value: SPREAD, limit: '20' });
    assert.deepEqual(details?.query.getAll('ids'), [WS42, SRV7, LAPTOP]);
  });

  it('names at most list_hosts hosts and says the list is cut', async () => {
    const output = await run({ hash: SPREAD, list_hosts: 2 });
    assert.equal(output.hostCount, 3);
    assert.equal(output.hosts.length, 2);
    assert.equal(output.truncated, true);
    const countOnly = await run({ hash: ONE_HOST_MD5, list_hosts: 0 });
    assert.deepEqual(
      [countOnly.type, countOnly.hostCount, countOnly.hosts, countOnly.truncated],
      ['md5', 1, [], true],
    );
  });

  it("reads Falcon's 404 as no host at all, and asks nothing more", async () => {
    const output = await run({ hash: '0'.repeat(64) });
    assert.deepEqual([output.hostCount, output.hosts, output.truncated], [0, [], false]);
    assert.deepEqual(
      fake.requests.map((r) => r.path),
      ['/oauth2/token', '/indicators/aggregates/devices-count/v1'],
    );
  });

  it('takes only the hashes Falcon indicators know (SHA-256, MD5)', async () => {
    await assert.rejects(run({ hash: 'd'.repeat(40) }), /invalid input/);
  });

  it('passes the rate limit on with the moment to come back', async () => {
    await fake.close();
    fake = await startFakeCrowdStrike({ requestLimit: 0, retryAfterSeconds: 30 });
    const error = await expectActionError(run({ hash: SPREAD }), 'rate_limited');
    assert.ok(error.retryAfterMs !== undefined && error.retryAfterMs > 20_000);
  });
});

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { expectActionError, runIntegrationAction } from '../sdk/integration-test-kit.ts';
import { defender } from './defender-integration.ts';
import { startFakeDefender, type FakeDefender } from './fake-defender.ts';
import type { FileMachinesOutput } from './file-machines.ts';

const WS42 = '1e5bc9d7e413ddd7902c2932e418702b84d0cc07';
const SRV7 = '7b1f4967d9728e5aa3c06a9e617a22a4a5a17378';
const SHA1 = '87662bc3d60e4200ceaf7aae249d1c343f4b83c9';

describe('defender.file_machines', () => {
  let fake: FakeDefender;
  const run = (input: Record<string, unknown>) =>
    runIntegrationAction(defender, 'file_machines', input, {
      baseUrl: fake.url,
      fields: {
        tenant_id: fake.tenantId,
        client_id: fake.clientId,
        client_secret: fake.clientSecret,
        token_url: fake.tokenUrl,
      },
    }) as Promise<FileMachinesOutput>;

  beforeEach(async () => {
    fake = await startFakeDefender({
      machines: [
        { id: WS42, computerDnsName: 'ws-042.contoso.com', lastSeen: '2024-05-01T10:00:00Z' },
        { id: SRV7, computerDnsName: 'srv-7.contoso.com', lastSeen: '2024-05-01T11:00:00Z' },
      ],
      files: { [SHA1]: [WS42, SRV7] },
    });
  });
  afterEach(() => fake.close());

  it('lists the machines that saw a file with the documented request', async () => {
    const output = await run({ sha1: SHA1.toUpperCase() });
    assert.deepEqual(output, {
      sha1: SHA1,
      machineCount: 2,
      machines: [
        { machineId: WS42, computerDnsName: 'ws-042.contoso.com', lastSeen: '2024-05-01T10:00:00Z' },
        { machineId: SRV7, computerDnsName: 'srv-7.contoso.com', lastSeen: '2024-05-01T11:00:00Z' },
      ],
    });
    const call = fake.requests.at(-1)!;
    assert.equal(call.path, `/api/files/${SHA1}/machines`);
    assert.match(String(call.headers['authorization']), /^Bearer /);
  });

  it('reads an empty list as a file nobody has', async () => {
    const output = await run({ sha1: 'a'.repeat(40) });
    assert.deepEqual([output.machineCount, output.machines], [0, []]);
  });

  it('passes the quota on with Retry-After', async () => {
    await fake.close();
    fake = await startFakeDefender({ requestLimit: 0, retryAfterSeconds: 45 });
    const error = await expectActionError(run({ sha1: SHA1 }), 'rate_limited');
    assert.equal(error.retryAfterMs, 45_000);
  });
});

import assert from 'node:assert/strict';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { OutboundHttp } from '../http/outbound-http.ts';
import {
  runIntegrationAction,
  testIntegrationConnection,
  expectActionError,
  checkAlreadyApplied,
} from '../sdk/integration-test-kit.ts';
import { defender, type MachineActionOutput } from './defender-integration.ts';
import { startFakeDefender, type FakeDefender } from './fake-defender.ts';

const http = new OutboundHttp({ allow: ['127.0.0.1'], attempts: 2, maxInlineWaitMs: 2000 });
const WS42 = '1e5bc9d7e413ddd7902c2932e418702b84d0cc07';
const OLD42 = '0000c9d7e413ddd7902c2932e418702b84d0cc00';
const SRV7 = '7b1f4967d9728e5aa3c06a9e617a22a4a5a17378';
const SHA1 = '87662bc3d60e4200ceaf7aae249d1c343f4b83c9';

const failsWith = (promise: Promise<unknown>, code: string, secret: string, pattern?: RegExp) =>
  expectActionError(promise, code, { pattern, secrets: [secret] });

const fieldsOf = (fake: FakeDefender, secret = fake.clientSecret) => ({
  tenant_id: fake.tenantId,
  client_id: fake.clientId,
  client_secret: secret,
  token_url: fake.tokenUrl,
});

describe('defender', () => {
  let fake: FakeDefender;
  const run = (name: string, input: Record<string, unknown>, secret?: string) =>
    runIntegrationAction(defender, name, input, {
      baseUrl: fake.url,
      fields: fieldsOf(fake, secret),
    }) as Promise<MachineActionOutput>;
  /** The engine's check-before-act call, through the real outbound client. */
  const alreadyApplied = (name: string, input: Record<string, unknown>) => {
    const fields = fieldsOf(fake);
    return checkAlreadyApplied(defender, name, input, { baseUrl: fake.url, fields: fields, http });
  };
  const isolations = () => fake.actions.filter((a) => a.type === 'Isolate' && a.machineId === WS42);

  beforeEach(async () => {
    fake = await startFakeDefender({
      machines: [
        { id: WS42, computerDnsName: 'ws-042.contoso.com', lastSeen: '2024-05-01T11:00:00Z' },
        { id: OLD42, computerDnsName: 'ws-042.contoso.com', lastSeen: '2023-10-01T09:00:00Z' },
        { id: SRV7, computerDnsName: "o'brien-srv.contoso.com" },
      ],
      // An isolation that failed earlier changed nothing.
      actions: [
        {
          type: 'Isolate',
          scope: 'Full',
          requestorComment: 'x',
          status: 'Failed',
          machineId: SRV7,
          creationDateTimeUtc: '2024-04-01T00:00:00Z',
          relatedFileInfo: null,
        },
      ],
      faults: { 'broken.contoso.com': 'server_error', 'html.contoso.com': 'html' },
    });
  });
  afterEach(() => fake.close());
  after(() => http.close());

  it('isolates a machine by name with the documented requests', async () => {
    const output = await run('isolate_machine', { machine: 'ws-042.contoso.com', comment: 'case 42' });
    assert.equal(output.requested, true);
    assert.equal(output.machineId, WS42, 'the machine seen last');
    assert.equal(output.machineActionId, isolations()[0]?.id);
    const [token, machines, history, isolate] = fake.requests;
    assert.equal(token?.path, `/${fake.tenantId}/oauth2/v2.0/token`);
    assert.equal(
      new URLSearchParams(token!.body).get('scope'),
      'https://api.securitycenter.microsoft.com/.default',
    );
    assert.equal(machines?.path, '/api/machines');
    assert.equal(machines?.query.get('$filter'), "computerDnsName eq 'ws-042.contoso.com'");
    assert.match(String(machines?.headers['authorization']), /^Bearer /);
    assert.equal(history?.path, '/api/machineactions');
    assert.equal(history?.query.get('$filter'), `machineId eq '${WS42}'`);
    assert.equal(isolate?.method, 'POST');
    assert.equal(isolate?.path, `/api/machines/${WS42}/isolate`);
    assert.equal(isolate?.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(isolate!.body), { Comment: 'case 42', IsolationType: 'Full' });
  });

  it('reads the isolation back from machine actions, and a repeat sends nothing', async () => {
    await run('isolate_machine', { machine: 'ws-042.contoso.com', isolationType: 'Selective' });
    assert.equal(isolations()[0]?.scope, 'Selective');
    assert.equal(
      await alreadyApplied('isolate_machine', { machineId: WS42 }),
      true,
      'a pending isolation counts',
    );
    assert.equal(isolations()[0]?.status, 'Succeeded');
    assert.equal(await alreadyApplied('release_machine', { machineId: WS42 }), false);
    const again = await run('isolate_machine', { machineId: WS42 });
    assert.deepEqual(again, {
      machineId: WS42,
      computerDnsName: 'ws-042.contoso.com',
      machineActionId: null,
      requested: false,
    });
    assert.equal(isolations().length, 1);
  });

  it('isolates once when two attempts race (Defender refuses the pending duplicate)', async () => {
    const outputs = await Promise.all([
      run('isolate_machine', { machineId: WS42 }),
      run('isolate_machine', { machineId: WS42 }),
    ]);
    assert.deepEqual(outputs.map((o) => o.requested).sort(), [false, true]);
    assert.equal(isolations().length, 1);
    const posts = fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/isolate'));
    assert.equal(posts.length, 2, 'both passed the check; the second POST met "already in progress"');
  });

  it('releases through the declared inverse and its input', async () => {
    const isolate = defender.actions.find((a) => a.name === 'isolate_machine')!;
    const output = await run('isolate_machine', { machine: 'ws-042.contoso.com' });
    const inverseInput = isolate.inverseInput!({ machine: 'ws-042.contoso.com' } as never, output as never);
    assert.equal(isolate.inverse, 'release_machine');
    assert.deepEqual(inverseInput, { machineId: WS42, comment: 'Riposte: rollback of isolation' });
    const released = await run('release_machine', inverseInput);
    assert.equal(released.requested, true);
    const request = fake.requests.at(-1)!;
    assert.equal(request.path, `/api/machines/${WS42}/unisolate`);
    assert.deepEqual(JSON.parse(request.body), { Comment: 'Riposte: rollback of isolation' });
    assert.equal(await alreadyApplied('release_machine', { machineId: WS42 }), true);
    assert.equal(await alreadyApplied('isolate_machine', { machineId: WS42 }), false);
  });

  it('does not count a failed isolation, and quotes names in the OData filter', async () => {
    assert.equal(await alreadyApplied('isolate_machine', { machine: "o'brien-srv.contoso.com" }), false);
    assert.equal(fake.requests.at(-2)?.query.get('$filter'), "computerDnsName eq 'o''brien-srv.contoso.com'");
    assert.equal(await alreadyApplied('release_machine', { machineId: SRV7 }), true);
  });

  it('stops and quarantines a file once', async () => {
    const output = await run('stop_and_quarantine_file', { machineId: WS42, sha1: SHA1.toUpperCase() });
    assert.equal(output.requested, true);
    const request = fake.requests.at(-1)!;
    assert.equal(request.path, `/api/machines/${WS42}/StopAndQuarantineFile`);
    assert.deepEqual(JSON.parse(request.body), { Comment: 'Riposte: stop and quarantine file', Sha1: SHA1 });
    assert.equal(await alreadyApplied('stop_and_quarantine_file', { machineId: WS42, sha1: SHA1 }), true);
    assert.equal(await alreadyApplied('stop_and_quarantine_file', { machineId: SRV7, sha1: SHA1 }), false);
    const again = await run('stop_and_quarantine_file', { machineId: WS42, sha1: SHA1 });
    assert.equal(again.requested, false);
    assert.equal(fake.actions.filter((a) => a.type === 'StopAndQuarantineFile').length, 1);
  });

  it('declares RE&CT ids, targets and inverses', () => {
    const byName = Object.fromEntries(defender.actions.map((a) => [a.name, a]));
    assert.equal(byName['isolate_machine']?.react, undefined, 'RE&CT has no host isolation action');
    assert.equal(byName['stop_and_quarantine_file']?.react, 'RA3302');
    assert.equal(byName['stop_and_quarantine_file']?.inverse, undefined);
    assert.equal(byName['stop_and_quarantine_file']?.effect, 'destructive');
    assert.deepEqual(
      byName['stop_and_quarantine_file']?.target!({ machineId: WS42, sha1: SHA1.toUpperCase() } as never),
      {
        type: 'file',
        value: SHA1,
      },
    );
    assert.deepEqual(byName['isolate_machine']?.target!({ machine: 'ws-042.contoso.com' } as never), {
      type: 'host',
      value: 'ws-042.contoso.com',
    });
  });

  it('fails a wrong secret as unauthorized, not retryable, without the secret', async () => {
    const wrong = 'Q8~not-the-secret-000000000';
    const error = await failsWith(
      run('isolate_machine', { machineId: WS42 }, wrong),
      'unauthorized',
      wrong,
      /AADSTS7000215/,
    );
    assert.equal(error.retryable, false);
    assert.equal(isolations().length, 0);
  });

  it('answers unknown machines with not_found and Defender’s reason', async () => {
    const secret = fake.clientSecret;
    await failsWith(
      run('isolate_machine', { machine: 'ghost.contoso.com' }),
      'not_found',
      secret,
      /ghost\.contoso\.com/,
    );
    await failsWith(
      run('isolate_machine', { machineId: 'f'.repeat(40) }),
      'not_found',
      secret,
      /no machine f{40}/,
    );
    await failsWith(run('isolate_machine', {}), 'invalid_input', secret);
    await assert.rejects(run('stop_and_quarantine_file', { machineId: WS42, sha1: 'abc' }), /invalid input/);
  });

  it('turns a 500 and an HTML page into clear errors', async () => {
    const server = await failsWith(
      run('isolate_machine', { machine: 'broken.contoso.com' }),
      'server_error',
      fake.clientSecret,
      /500/,
    );
    assert.equal(server.retryable, true);
    await failsWith(
      run('isolate_machine', { machine: 'html.contoso.com' }),
      'invalid_response',
      fake.clientSecret,
      /text\/html/,
    );
  });

  it('gets a fresh token after a 401 and checks the connection', async () => {
    await run('isolate_machine', { machineId: WS42 });
    fake.revokeTokens();
    assert.equal((await run('release_machine', { machineId: WS42 })).requested, true);
    await testIntegrationConnection(defender, { baseUrl: fake.url, fields: fieldsOf(fake) });
  });
});

describe('defender throttling', () => {
  it('answers 429 as rate_limited with Retry-After', async () => {
    const fake = await startFakeDefender({
      machines: [{ id: WS42, computerDnsName: 'ws-042.contoso.com' }],
      requestLimit: 2,
      retryAfterSeconds: 60,
    });
    try {
      const error = await failsWith(
        runIntegrationAction(
          defender,
          'isolate_machine',
          { machineId: WS42 },
          { baseUrl: fake.url, fields: fieldsOf(fake) },
        ),
        'rate_limited',
        fake.clientSecret,
        /TooManyRequests/,
      );
      assert.equal(error.retryable, true);
      assert.equal(error.retryAfterMs, 60_000);
      assert.equal(fake.actions.length, 0);
    } finally {
      await fake.close();
    }
  });
});

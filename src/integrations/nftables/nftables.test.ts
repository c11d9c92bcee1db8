import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { inspect } from 'node:util';
import {
  createNetnsPair,
  findExecutable,
  netnsSkipReason,
  type NetnsPair,
} from '../../../test/support/netns.ts';
import { ActionError } from '../../core/action.ts';
import type { HttpClient } from '../sdk/http-client.ts';
import type { IntegrationContext } from '../sdk/integration.ts';
import { runIntegrationAction, testIntegrationConnection } from '../sdk/integration-test-kit.ts';
import { nftablesIntegration } from './nftables-integration.ts';

const BASE_URL = nftablesIntegration.baseUrl;

/** nftables never speaks HTTP: a call through the context's client is a bug. */
const noHttp: HttpClient = {
  request: () => Promise.reject(new Error('nftables used the HTTP client')),
  getJson: () => Promise.reject(new Error('nftables used the HTTP client')),
  postJson: () => Promise.reject(new Error('nftables used the HTTP client')),
};

function contextFor(fields: Record<string, string>): IntegrationContext {
  return {
    http: noHttp,
    fields,
    instance: 'test',
    idempotencyKey: 'run_test:step:1',
    attempt: 1,
    signal: new AbortController().signal,
  };
}

function action(name: string) {
  const found = nftablesIntegration.actions.find((a) => a.name === name);
  assert.ok(found, `nftables has an action ${name}`);
  return found;
}

/** The engine's check before act, as it calls it. */
function alreadyApplied(name: string, input: Record<string, unknown>, fields: Record<string, string>) {
  const check = action(name).alreadyApplied;
  assert.ok(check, `${name} declares alreadyApplied`);
  return check(input as never, contextFor(fields));
}

async function rejection(promise: Promise<unknown>): Promise<ActionError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ActionError, `expected an ActionError, got ${inspect(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('nftables actions: declarations', () => {
  it('block_ip is destructive RA3101 with unblock_ip as inverse; unblock_ip is RA5101', () => {
    const block = action('block_ip');
    assert.equal(block.effect, 'destructive');
    assert.equal(block.react, 'RA3101');
    assert.equal(block.inverse, 'unblock_ip');
    assert.deepEqual(block.target?.({ ip: '2001:DB8:0:0::0001' } as never), {
      type: 'ipv6',
      value: '2001:db8::1',
    });
    assert.equal(block.target?.({ ip: 'not an ip' } as never), null);
    assert.deepEqual(block.inverseInput?.({ ip: '192.0.2.7', ttl_seconds: 60 } as never, {} as never), {
      ip: '192.0.2.7',
    });
    const unblock = action('unblock_ip');
    assert.equal(unblock.react, 'RA5101');
    assert.deepEqual(unblock.target?.({ ip: '192.0.2.7' } as never), { type: 'ipv4', value: '192.0.2.7' });
    assert.equal(action('list_blocked').effect, 'read');
  });
});

describe('nftables against the kernel, inside network namespaces', { skip: netnsSkipReason() }, () => {
  const nftBin = findExecutable('nft') ?? 'nft';
  let pair: NetnsPair;
  let fields: Record<string, string>;
  let scratch: string;

  const call = (name: string, input: Record<string, unknown>, overrides: Record<string, string> = {}) =>
    runIntegrationAction(nftablesIntegration, name, input, {
      baseUrl: BASE_URL,
      fields: { ...fields, ...overrides },
    }) as Promise<Record<string, unknown>>;

  /** The set as the kernel has it, read with nft directly, not through the integration's parser. */
  async function kernelSet(set = 'blocklist_v4'): Promise<unknown[]> {
    const stdout = await pair.run('b', nftBin, ['-j', 'list', 'set', 'inet', 'riposte', set]);
    const items = (JSON.parse(stdout) as { nftables: Array<{ set?: { elem?: unknown[] } }> }).nftables;
    return items.find((i) => i.set)?.set?.elem ?? [];
  }

  async function kernelRules(chain: string): Promise<string[]> {
    const stdout = await pair.run('b', nftBin, ['list', 'chain', 'inet', 'riposte', chain]);
    return stdout
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => / drop$/.test(l));
  }

  /** An executable script standing in for nft (a recorder, or the real nft without privileges). */
  function script(name: string, body: string): string {
    const file = path.join(scratch, name);
    writeFileSync(file, `#!/bin/sh\n${body}\n`);
    chmodSync(file, 0o755);
    return file;
  }

  before(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'riposte-nft-'));
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));
  beforeEach(async () => {
    pair = await createNetnsPair();
    // Riposte's firewall is b's; a plays the outside host.
    fields = { netns: pair.b };
  });
  afterEach(() => pair?.destroy());

  it('blocks an address: the set holds it and its packets are dropped both ways, until unblock_ip', async () => {
    const inB = await pair.listen('b');
    const inA = await pair.listen('a');
    assert.equal(await pair.connects('a', pair.ipv4.b, inB.port), true, 'a reaches b before the block');

    const blocked = await call('block_ip', { ip: pair.ipv4.a });
    assert.deepEqual(blocked, {
      ip: pair.ipv4.a,
      family: 'ipv4',
      table: 'riposte',
      set: 'blocklist_v4',
      ttl_seconds: null,
      expires_at: null,
      covered_by: null,
    });
    assert.deepEqual(await kernelSet(), [pair.ipv4.a]);
    assert.equal(await pair.connects('a', pair.ipv4.b, inB.port), false, 'a → b is dropped (input)');
    assert.equal(await pair.connects('b', pair.ipv4.a, inA.port), false, 'b → a is dropped (output)');

    const unblocked = await call('unblock_ip', { ip: pair.ipv4.a });
    assert.deepEqual(unblocked, {
      ip: pair.ipv4.a,
      family: 'ipv4',
      table: 'riposte',
      set: 'blocklist_v4',
      removed: true,
      still_blocked_by: null,
    });
    assert.deepEqual(await kernelSet(), []);
    assert.equal(await pair.connects('a', pair.ipv4.b, inB.port), true, 'a reaches b again');
    assert.equal(await pair.connects('b', pair.ipv4.a, inA.port), true, 'b reaches a again');
  });

  it('checks before acting: a repeated block is reported as applied and duplicates nothing', async () => {
    const ip = pair.ipv4.a;
    // No table yet: nothing is blocked, and nothing needs unblocking.
    assert.equal(await alreadyApplied('block_ip', { ip }, fields), false);
    assert.equal(await alreadyApplied('unblock_ip', { ip }, fields), true);

    await call('block_ip', { ip });
    assert.equal(await alreadyApplied('block_ip', { ip }, fields), true);
    assert.equal(await alreadyApplied('unblock_ip', { ip }, fields), false);

    // Run again anyway (as a retry after a lost answer would): no error, one element, no doubled rules.
    await call('block_ip', { ip });
    assert.deepEqual(await kernelSet(), [ip]);
    for (const chain of ['input', 'forward', 'output'])
      assert.deepEqual(await kernelRules(chain), [
        'ip saddr @blocklist_v4 drop',
        'ip daddr @blocklist_v4 drop',
        'ip6 saddr @blocklist_v6 drop',
        'ip6 daddr @blocklist_v6 drop',
      ]);

    await call('unblock_ip', { ip });
    assert.equal(await alreadyApplied('unblock_ip', { ip }, fields), true);
    assert.equal(await alreadyApplied('block_ip', { ip }, fields), false);
    const again = await call('unblock_ip', { ip });
    assert.equal(again.removed, false, 'unblocking an address that is not blocked is a no-op');
  });

  it('gives the element the ttl as its nftables timeout, and the kernel expires it', async () => {
    const before = Date.now();
    const long = await call('block_ip', { ip: '198.51.100.7', ttl_seconds: 600 });
    assert.equal(long.ttl_seconds, 600);
    const expiresAt = Date.parse(long.expires_at as string);
    assert.ok(
      expiresAt >= before + 600_000 && expiresAt <= Date.now() + 600_000,
      `expires_at ${long.expires_at}`,
    );
    const [element] = (await kernelSet()) as Array<{
      elem: { val: string; timeout: number; expires: number };
    }>;
    assert.equal(element?.elem.val, '198.51.100.7');
    assert.equal(element?.elem.timeout, 600);
    assert.ok(element.elem.expires > 590 && element.elem.expires <= 600, `expires ${element.elem.expires}`);

    const listed = await call('list_blocked', {});
    assert.deepEqual(listed.blocked, [
      {
        address: '198.51.100.7',
        family: 'ipv4',
        timeout_seconds: 600,
        expires_in_seconds: element.elem.expires,
      },
    ]);

    // A short one: dropped at first, then the kernel removes it by itself and traffic flows.
    const listener = await pair.listen('b');
    // 3 s leaves room for the dropped attempt on a loaded machine; the wait below is then short.
    await call('block_ip', { ip: pair.ipv4.a, ttl_seconds: 3 });
    assert.equal(await pair.connects('a', pair.ipv4.b, listener.port, 500), false);
    const deadline = Date.now() + 8000;
    while ((await kernelSet()).length > 1 && Date.now() < deadline) await sleep(200);
    assert.deepEqual(
      ((await kernelSet()) as Array<{ elem: { val: string } }>).map((e) => e.elem.val),
      ['198.51.100.7'],
    );
    assert.equal(
      await pair.connects('a', pair.ipv4.b, listener.port),
      true,
      'the expired block lets a through',
    );
  });

  it('blocks IPv6 addresses in their own set, stored in canonical form', async () => {
    const listener = await pair.listen('b');
    // fd77:<x>::1 written long-hand and in capitals.
    const longHand = pair.ipv6.a.toUpperCase().replace('::', ':0:0:0:0:0:');
    assert.equal(await pair.connects('a', pair.ipv6.b, listener.port), true);

    const blocked = await call('block_ip', { ip: longHand });
    assert.equal(blocked.ip, pair.ipv6.a);
    assert.equal(blocked.set, 'blocklist_v6');
    assert.deepEqual(await kernelSet('blocklist_v6'), [pair.ipv6.a]);
    assert.deepEqual(await kernelSet('blocklist_v4'), []);
    assert.equal(await alreadyApplied('block_ip', { ip: longHand }, fields), true);
    assert.equal(await pair.connects('a', pair.ipv6.b, listener.port), false, 'IPv6 from a is dropped');
    assert.equal(await pair.connects('a', pair.ipv4.b, listener.port), true, 'IPv4 from a still passes');

    await call('unblock_ip', { ip: longHand });
    assert.deepEqual(await kernelSet('blocklist_v6'), []);
    assert.equal(await pair.connects('a', pair.ipv6.b, listener.port), true);
  });

  it('lists prefixes and ranges added by hand, and treats an address inside one as blocked', async () => {
    await call('block_ip', { ip: '192.0.2.10' });
    await pair.run('b', nftBin, [
      'add element inet riposte blocklist_v4 { 10.99.0.0/16, 10.98.0.1-10.98.0.9 }',
    ]);
    const listed = await call('list_blocked', {});
    assert.equal(listed.table, 'inet riposte');
    assert.deepEqual((listed.blocked as Array<{ address: string }>).map((e) => e.address).sort(), [
      '10.98.0.1-10.98.0.9',
      '10.99.0.0/16',
      '192.0.2.10',
    ]);

    assert.equal(await alreadyApplied('block_ip', { ip: '10.99.1.2' }, fields), true);
    assert.equal(await alreadyApplied('block_ip', { ip: '10.98.0.5' }, fields), true);
    assert.equal(await alreadyApplied('block_ip', { ip: '10.98.0.10' }, fields), false);
    const inside = await call('block_ip', { ip: '10.99.1.2' });
    assert.equal(inside.covered_by, '10.99.0.0/16');
    const unblocked = await call('unblock_ip', { ip: '10.99.1.2' });
    assert.equal(unblocked.removed, false);
    assert.equal(unblocked.still_blocked_by, '10.99.0.0/16');
  });

  it('refuses invalid input and configuration before any command runs', async () => {
    const log = path.join(scratch, 'recorded-calls');
    rmSync(log, { force: true });
    const recorder = script('nft-recorder', `echo "$@" >> ${log}`);
    const local = { nft_path: recorder };

    for (const ip of [
      '10.0.0.256',
      '010.1.1.1',
      '10.0.0.0/8',
      '1.2.3.4; flush ruleset',
      '1.2.3.4 }',
      'fe80::1%eth0',
      '::ffff:192.0.2.1',
      '127.0.0.1',
      '::1',
      '0.0.0.0',
    ]) {
      for (const name of ['block_ip', 'unblock_ip']) {
        const error = await rejection(call(name, { ip }, local));
        assert.equal(error.code, 'invalid_input', `${name} ${ip}: ${error.message}`);
        assert.equal(error.retryable, false);
      }
      assert.equal((await rejection(alreadyApplied('block_ip', { ip }, local))).code, 'invalid_input');
    }
    // The schema: ttl within bounds and no unknown fields.
    await assert.rejects(call('block_ip', { ip: '192.0.2.1', ttl_seconds: 0 }, local), /invalid input/);
    await assert.rejects(call('block_ip', { ip: '192.0.2.1', comment: 'x' }, local), /invalid input/);

    const badFields: Array<[Record<string, string>, RegExp]> = [
      [{ table: 'Riposte' }, /table must be/],
      [{ table: 'riposte; flush ruleset' }, /table must be/],
      [{ set_v4: 'a b' }, /set_v4 must be/],
      [{ set_v4: 'same', set_v6: 'same' }, /must be different/],
      [{ family: 'bridge' }, /family must be/],
      [{ netns: '../etc' }, /netns must be/],
      [{ mode: 'ssh' }, /ssh is not implemented/],
      [{ nft_path: 'nft' }, /absolute path/],
    ];
    for (const [overrides, message] of badFields) {
      const error = await rejection(call('block_ip', { ip: '192.0.2.1' }, { ...local, ...overrides }));
      assert.equal(error.code, 'invalid_configuration', JSON.stringify(overrides));
      assert.match(error.message, message);
    }
    const noV6 = await rejection(call('block_ip', { ip: '2001:db8::1' }, { ...local, family: 'ip' }));
    assert.equal(noV6.code, 'invalid_input');

    assert.equal(existsSync(log), false, `nft ran: ${existsSync(log) ? readFileSync(log, 'utf8') : ''}`);
    // The recorder does record when it is called, so the check above can fail.
    await call('list_blocked', {}, { ...local, family: 'ip' }).catch(() => {});
    assert.match(readFileSync(log, 'utf8'), /-j list set ip riposte blocklist_v4/);
  });

  it('maps nft failures: not installed, not permitted, no namespace, a conflicting set', async () => {
    const missing = await rejection(call('block_ip', { ip: '192.0.2.1' }, { nft_path: '/nonexistent/nft' }));
    assert.equal(missing.code, 'not_installed');
    assert.equal(missing.retryable, false);
    assert.match(missing.message, /apt-get update && apt-get install -y nftables/);

    // The real nft, run as nobody: the kernel says no.
    const setpriv = findExecutable('setpriv');
    assert.ok(setpriv, 'setpriv (util-linux) is needed to drop privileges');
    const unprivileged = script(
      'nft-as-nobody',
      `exec ${setpriv} --reuid=65534 --regid=65534 --clear-groups ${nftBin} "$@"`,
    );
    for (const [name, input] of [
      ['block_ip', { ip: '192.0.2.1' }],
      ['unblock_ip', { ip: '192.0.2.1' }],
      ['list_blocked', {}],
    ] as const) {
      const forbidden = await rejection(call(name, input, { nft_path: unprivileged }));
      assert.equal(forbidden.code, 'forbidden', `${name}: ${forbidden.message}`);
      assert.equal(forbidden.retryable, false);
      assert.match(forbidden.message, /Operation not permitted/);
    }
    const connection = await testIntegrationConnection(nftablesIntegration, {
      baseUrl: BASE_URL,
      fields: { ...fields, nft_path: unprivileged },
    }).catch((error: unknown) => error);
    assert.ok(connection instanceof ActionError && connection.code === 'forbidden', inspect(connection));
    await testIntegrationConnection(nftablesIntegration, { baseUrl: BASE_URL, fields });

    const noNamespace = await rejection(call('list_blocked', {}, { netns: `${pair.b}-gone` }));
    assert.equal(noNamespace.code, 'invalid_configuration');
    assert.match(noNamespace.message, /namespace/);

    // A set of that name with another type: nft refuses, and its own words reach the message.
    await pair.run('b', nftBin, [
      'add table inet riposte; add set inet riposte blocklist_v4 { type ipv6_addr; }',
    ]);
    const conflict = await rejection(call('block_ip', { ip: '192.0.2.1' }));
    assert.equal(conflict.code, 'nft_error');
    assert.equal(conflict.retryable, false);
    assert.match(conflict.message, /Error: datatype mismatch, expected IPv4 address/);
    assert.match(conflict.message, /\(netns rp-/);
  });
});

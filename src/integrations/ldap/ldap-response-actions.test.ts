import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { Client, PasswordPolicyControl, PasswordPolicyError, ResultCodeError } from 'ldapts';
import { slapdSkipReason, startSlapd, type Slapd } from '../../../test/support/slapd.ts';
import { ActionError } from '../../core/action.ts';
import { OutboundHttp } from '../http/outbound-http.ts';
import type { IntegrationAction, IntegrationContext } from '../sdk/integration.ts';
import { runIntegrationAction } from '../sdk/integration-test-kit.ts';
import { parseGeneralizedTime } from './account-status.ts';
import { ldapIntegration } from './ldap-integration.ts';

const BASE = 'dc=example,dc=org';
const PEOPLE = `ou=people,${BASE}`;
const GROUPS = `ou=groups,${BASE}`;
const RIPOSTE = `cn=riposte,ou=services,${BASE}`;
const AUDITOR = `cn=auditor,ou=services,${BASE}`;
const RIPOSTE_PASSWORD = 'riposte-write-S3cret!';
const AUDITOR_PASSWORD = 'auditor-read-S3cret!';
const CONTRACT_END = '20991231000000Z';
const INVALID_CREDENTIALS = 49;

/** The README's minimal ACL: the service account writes these attributes and nothing else. */
const ACCESS = [
  'access to attrs=userPassword\n  by self write\n  by anonymous auth\n  by * none',
  `access to dn.subtree="${PEOPLE}" attrs=pwdAccountLockedTime,pwdEndTime,pwdReset\n  by dn.exact="${RIPOSTE}" write\n  by * break`,
  `access to dn.subtree="${GROUPS}" attrs=member,uniqueMember,memberUid\n  by dn.exact="${RIPOSTE}" write\n  by * break`,
  'access to * by * read',
];

const person = (uid: string, extra: string[] = []) =>
  [
    `dn: uid=${uid},${PEOPLE}`,
    'objectClass: inetOrgPerson',
    `uid: ${uid}`,
    `cn: ${uid}`,
    `sn: ${uid}`,
    `userPassword: ${uid}-password`,
    ...extra,
  ].join('\n');

const SEED = `
dn: ou=services,${BASE}
objectClass: organizationalUnit
ou: services

dn: ${RIPOSTE}
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: riposte
userPassword: ${RIPOSTE_PASSWORD}

dn: ${AUDITOR}
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: auditor
userPassword: ${AUDITOR_PASSWORD}

dn: ${PEOPLE}
objectClass: organizationalUnit
ou: people

dn: ${GROUPS}
objectClass: organizationalUnit
ou: groups

${person('alice')}

${person('bob')}

${person('carol', [`pwdEndTime: ${CONTRACT_END}`])}

${person('dave')}

${person('erin')}

dn: cn=finance,${GROUPS}
objectClass: groupOfNames
cn: finance
member: uid=alice,${PEOPLE}
member: uid=bob,${PEOPLE}

dn: cn=vpn-users,${GROUPS}
objectClass: groupOfUniqueNames
cn: vpn-users
uniqueMember: uid=alice,${PEOPLE}
uniqueMember: uid=bob,${PEOPLE}

dn: cn=admins,${GROUPS}
objectClass: posixGroup
cn: admins
gidNumber: 1000
memberUid: alice

dn: cn=solo,${GROUPS}
objectClass: groupOfNames
cn: solo
member: uid=bob,${PEOPLE}
`;

/** pwdReset only restricts a session when the policy says the password must be changed after a reset. */
const MUST_CHANGE = `
dn: cn=default,ou=policies,${BASE}
changetype: modify
replace: pwdMustChange
pwdMustChange: TRUE
`;

const userDn = (uid: string) => `uid=${uid},${PEOPLE}`;

function actionNamed(name: string): IntegrationAction {
  const action = ldapIntegration.actions.find((a) => a.name === name);
  assert.ok(action, `ldap has an action ${name}`);
  return action;
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

describe('ldap response actions against a real OpenLDAP', { skip: slapdSkipReason() }, () => {
  let slapd: Slapd;
  let fields: Record<string, string>;
  const http = new OutboundHttp({ allow: ['127.0.0.1'], attempts: 1 });

  const contextFor = (f: Record<string, string>): IntegrationContext => ({
    http: http.client({ baseUrl: slapd.url, auth: ldapIntegration.auth, fields: f, timeoutMs: 5000 }),
    fields: f,
    instance: 'test',
    idempotencyKey: 'run_1:contain:1',
    attempt: 1,
    signal: new AbortController().signal,
  });
  /** Check before act, as the runtime does it. */
  const already = (name: string, input: Record<string, unknown>, f = fields) =>
    actionNamed(name).alreadyApplied!(input as never, contextFor(f));
  /** One attempt of the action (input and output checked against their schemas), check skipped like a retry. */
  const run = (name: string, input: Record<string, unknown>, f = fields) =>
    runIntegrationAction(ldapIntegration, name, input, { baseUrl: slapd.url, fields: f }) as Promise<
      Record<string, unknown>
    >;
  /** What the runtime does: apply only when not already applied. */
  const respond = async (name: string, input: Record<string, unknown>) => {
    assert.equal(await already(name, input), false, `${name} ${JSON.stringify(input)} is not applied yet`);
    const output = await run(name, input);
    assert.equal(await already(name, input), true, `${name} ${JSON.stringify(input)} is applied after run`);
    return output;
  };
  const undo = (name: string, input: Record<string, unknown>, output: Record<string, unknown>) => {
    const action = actionNamed(name);
    assert.ok(action.inverse, `${name} declares an inverse`);
    return respond(action.inverse, action.inverseInput?.(input as never, output as never) ?? input);
  };
  const lookup = (username: string) => run('lookup_user', { username });

  /** The entry as the directory's administrator sees it, operational attributes included. */
  async function adminRead(dn: string): Promise<Record<string, string[]>> {
    const client = new Client({ url: slapd.url, timeout: 5000 });
    try {
      await client.bind(slapd.adminDn, slapd.adminPassword);
      const { searchEntries } = await client.search(dn, { scope: 'base', attributes: ['*', '+'] });
      const entry = searchEntries[0] ?? {};
      return Object.fromEntries(
        Object.entries(entry)
          .filter(([key]) => key !== 'dn')
          .map(([key, value]) => [key, (Array.isArray(value) ? value : [value]).map(String)]),
      );
    } finally {
      await client.unbind().catch(() => {});
    }
  }

  /** A bind as the user with the password policy control: its result code and ppolicy's reason. */
  async function bindAs(uid: string, password = `${uid}-password`) {
    const client = new Client({ url: slapd.url, timeout: 5000 });
    const control = new PasswordPolicyControl();
    try {
      await client.bind(userDn(uid), password, control);
      return { code: 0, ppolicy: control.value?.error, client };
    } catch (error) {
      await client.unbind().catch(() => {});
      assert.ok(error instanceof ResultCodeError, `bind failed with ${inspect(error)}`);
      return { code: error.code, ppolicy: control.value?.error, client: null };
    }
  }
  async function canBind(uid: string): Promise<boolean> {
    const { code, client } = await bindAs(uid);
    await client?.unbind().catch(() => {});
    return code === 0;
  }

  before(async () => {
    slapd = await startSlapd({ seed: SEED, access: ACCESS });
    assert.ok(slapd.ppolicy, 'the response actions need the ppolicy overlay (Debian slapd ships it)');
    await slapd.apply(MUST_CHANGE);
    fields = { url: slapd.url, bind_dn: RIPOSTE, bind_password: RIPOSTE_PASSWORD, base_dn: BASE };
  });
  after(() => slapd?.stop());

  it('locks an account for real: the entry carries the administrative lock, binds fail, the lookup says locked', async () => {
    const input = { username: 'alice' };
    assert.equal(await canBind('alice'), true);
    const locked = await respond('lock_account', input);
    assert.deepEqual(locked, {
      dn: userDn('alice'),
      account_status: 'locked',
      account_status_reason: 'locked by an administrator (pwdAccountLockedTime 000001010000Z)',
    });
    assert.deepEqual((await adminRead(userDn('alice'))).pwdAccountLockedTime, ['000001010000Z']);
    const bind = await bindAs('alice');
    assert.equal(bind.code, INVALID_CREDENTIALS);
    assert.equal(bind.ppolicy, PasswordPolicyError.AccountLocked);
    assert.equal((await lookup('alice')).account_status, 'locked');
    // A retried attempt after a crash (the check skipped) neither fails nor changes anything.
    assert.deepEqual(await run('lock_account', input), locked);

    const unlocked = await undo('lock_account', input, locked);
    assert.equal(unlocked.account_status, 'enabled');
    assert.equal((await adminRead(userDn('alice'))).pwdAccountLockedTime, undefined);
    assert.equal((await lookup('alice')).account_status, 'enabled');
    assert.equal(await canBind('alice'), true);
    assert.equal((await run('unlock_account', input)).account_status, 'enabled'); // retried: no "no such attribute"
  });

  it('replaces a failure lockout, which may expire, by the administrative lock; unlocking clears the failure count', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await bindAs('bob', 'wrong')).code, INVALID_CREDENTIALS);
    const failed = await adminRead(userDn('bob'));
    assert.equal(failed.pwdFailureTime?.length, 3);
    assert.match(failed.pwdAccountLockedTime?.[0] ?? '', /^\d{14}Z$/);
    assert.equal((await lookup('bob')).account_status, 'locked');

    await respond('lock_account', { username: 'bob' });
    assert.deepEqual((await adminRead(userDn('bob'))).pwdAccountLockedTime, ['000001010000Z']);
    await respond('unlock_account', { username: 'bob' });
    const after = await adminRead(userDn('bob'));
    assert.equal(after.pwdAccountLockedTime, undefined);
    assert.equal(after.pwdFailureTime, undefined);
    assert.equal(await canBind('bob'), true);
  });

  it('disables an account with a passed pwdEndTime, keeps its contract end date and gives it back on enable', async () => {
    const input = { username: 'carol' };
    const before = Date.now();
    const disabled = await respond('disable_account', input);
    assert.equal(disabled.account_status, 'disabled');
    assert.equal(disabled.previous_end_time, CONTRACT_END);
    const end = (await adminRead(userDn('carol'))).pwdEndTime?.[0] ?? '';
    const endsAt = parseGeneralizedTime(end)?.getTime() ?? 0;
    assert.ok(endsAt >= before - 1000 && endsAt <= Date.now(), `pwdEndTime ${end} is the time of the call`);
    assert.equal((await bindAs('carol')).code, INVALID_CREDENTIALS);
    const seen = await lookup('carol');
    assert.equal(seen.account_status, 'disabled');
    assert.match(String(seen.account_status_reason), /\(pwdEndTime\)/);

    const enabled = await undo('disable_account', input, disabled);
    assert.equal(enabled.account_status, 'enabled');
    assert.deepEqual((await adminRead(userDn('carol'))).pwdEndTime, [CONTRACT_END]);
    assert.equal(await canBind('carol'), true);
    assert.equal((await lookup('carol')).account_status, 'enabled');
  });

  it('keeps lock and disable apart: unlocking leaves a disabled account disabled, enabling a locked one locked', async () => {
    const input = { username: 'dave' };
    await respond('disable_account', input);
    await respond('lock_account', input);
    assert.equal((await lookup('dave')).account_status, 'disabled'); // disabled wins over locked
    const unlocked = await run('unlock_account', input);
    assert.equal(unlocked.account_status, 'disabled');
    assert.equal(await canBind('dave'), false);
    await run('lock_account', input);
    const enabled = await run('enable_account', input);
    assert.equal(enabled.account_status, 'locked');
    assert.equal((await adminRead(userDn('dave'))).pwdEndTime, undefined);
    assert.equal(await canBind('dave'), false);
    await run('unlock_account', input);
    assert.equal(await canBind('dave'), true);
  });

  for (const [group, attribute, value] of [
    ['finance', 'member', userDn('alice')],
    ['vpn-users', 'uniqueMember', userDn('alice')],
    ['admins', 'memberUid', 'alice'],
  ] as const) {
    it(`removes a user from a group by ${attribute} and adds them back`, async () => {
      const groupDn = `cn=${group},${GROUPS}`;
      const input = { username: 'alice', group };
      const groupNames = async () =>
        ((await lookup('alice')).groups as { name: string }[]).map((g) => g.name);
      assert.ok((await groupNames()).includes(group));

      const removed = await respond('remove_from_group', input);
      assert.deepEqual(removed, { group_dn: groupDn, user_dn: userDn('alice'), changed: [attribute] });
      assert.ok(!((await adminRead(groupDn))[attribute] ?? []).includes(value));
      assert.ok(!(await groupNames()).includes(group));
      // Retried after a crash: the value is gone already, nothing fails and nothing changes.
      assert.deepEqual((await run('remove_from_group', input)).changed, []);

      const added = await undo('remove_from_group', input, removed);
      assert.deepEqual(added.changed, [attribute]);
      assert.ok(((await adminRead(groupDn))[attribute] ?? []).includes(value));
      assert.ok((await groupNames()).includes(group));
      assert.deepEqual((await run('add_to_group', { username: 'alice', group: groupDn })).changed, []);
    });
  }

  it('finds removing a non-member already applied, and refuses to empty a groupOfNames', async () => {
    assert.equal(await already('remove_from_group', { username: 'bob', group: 'admins' }), true);
    assert.equal(await already('add_to_group', { username: 'bob', group: 'finance' }), true);
    const error = await rejection(run('remove_from_group', { username: 'bob', group: 'solo' }));
    assert.equal(error.code, 'refused');
    assert.equal(error.retryable, false);
    assert.deepEqual((await adminRead(`cn=solo,${GROUPS}`)).member, [userDn('bob')]);
    const missing = await rejection(run('remove_from_group', { username: 'bob', group: 'nonexistent' }));
    assert.equal(missing.code, 'not_found');
  });

  it('forces a password change: pwdReset is set and the next session may only change the password', async () => {
    await respond('force_password_reset', { username: 'erin' });
    assert.deepEqual((await adminRead(userDn('erin'))).pwdReset, ['TRUE']);
    const bind = await bindAs('erin');
    assert.equal(bind.code, 0);
    assert.equal(bind.ppolicy, PasswordPolicyError.ChangeAfterReset);
    try {
      await assert.rejects(bind.client!.search(userDn('erin'), { scope: 'base' }));
    } finally {
      await bind.client?.unbind().catch(() => {});
    }
    assert.deepEqual(await run('force_password_reset', { username: 'erin' }), {
      dn: userDn('erin'),
      must_change_password: true,
    });
  });

  it('fails without write rights as forbidden and with a wrong password as unauthorized, never showing a password', async () => {
    const auditor = { ...fields, bind_dn: AUDITOR, bind_password: AUDITOR_PASSWORD };
    // Reading is allowed, so the check still answers.
    assert.equal(await already('lock_account', { username: 'alice' }, auditor), false);
    const forbidden = await rejection(run('lock_account', { username: 'alice' }, auditor));
    assert.equal(forbidden.code, 'forbidden');
    assert.equal(forbidden.retryable, false);
    assert.match(forbidden.message, /pwdAccountLockedTime of uid=alice/);
    assert.equal((await adminRead(userDn('alice'))).pwdAccountLockedTime, undefined);
    const groupForbidden = await rejection(
      run('remove_from_group', { username: 'alice', group: 'finance' }, auditor),
    );
    assert.equal(groupForbidden.code, 'forbidden');

    const wrong = 'Wr0ng-Pa55word-xyz';
    const unauthorized = await rejection(
      run('disable_account', { username: 'alice' }, { ...fields, bind_password: wrong }),
    );
    assert.equal(unauthorized.code, 'unauthorized');
    for (const error of [forbidden, groupForbidden, unauthorized])
      for (const secret of [wrong, AUDITOR_PASSWORD, RIPOSTE_PASSWORD]) {
        assert.ok(!error.message.includes(secret));
        assert.ok(!inspect(error, { depth: 10 }).includes(secret));
        assert.ok(!JSON.stringify(error).includes(secret));
      }
  });

  it('names an unknown user as not_found, in the check and in the action', async () => {
    assert.equal((await rejection(already('lock_account', { username: 'nobody' }))).code, 'not_found');
    assert.equal((await rejection(run('force_password_reset', { username: '*' }))).code, 'not_found');
  });

  it('declares RE&CT ids, effects, the user as target and the inverses', () => {
    const declared = Object.fromEntries(
      ldapIntegration.actions
        .filter((a) => a.effect !== 'read')
        .map((a) => [
          a.name,
          [a.effect, a.react ?? null, a.inverse ?? null, a.target?.({ username: 'x', group: 'g' } as never)],
        ]),
    );
    const user = { type: 'user', value: 'x' };
    assert.deepEqual(declared, {
      lock_account: ['destructive', 'RA3601', 'unlock_account', user],
      unlock_account: ['write', 'RA5601', 'lock_account', user],
      disable_account: ['destructive', 'RA3601', 'enable_account', user],
      enable_account: ['write', 'RA5601', 'disable_account', user],
      remove_from_group: ['write', null, 'add_to_group', user],
      add_to_group: ['write', null, 'remove_from_group', user],
      force_password_reset: ['write', null, null, user],
    });
  });
});

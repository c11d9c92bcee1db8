import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { slapdSkipReason, startSlapd, type Slapd } from '../../../test/support/slapd.ts';
import { ActionError } from '../../core/action.ts';
import { findingOf, runIntegrationAction, testIntegrationConnection } from '../sdk/integration-test-kit.ts';
import { ldapIntegration } from './ldap-integration.ts';

const BIND_PASSWORD = 'riposte-bind-S3cret!';
const PEOPLE = 'ou=people,dc=example,dc=org';
const GROUPS = 'ou=groups,dc=example,dc=org';

const SEED = `
dn: ou=services,dc=example,dc=org
objectClass: organizationalUnit
ou: services

dn: cn=riposte,ou=services,dc=example,dc=org
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: riposte
userPassword: ${BIND_PASSWORD}

dn: ${PEOPLE}
objectClass: organizationalUnit
ou: people

dn: ${GROUPS}
objectClass: organizationalUnit
ou: groups

${person('carol', 'Carol Chen', 'CEO', 'Executive')}

${person('bob', 'Bob Brown', 'CFO', 'Finance', 'carol')}

${person('alice', 'Alice Adams', 'Accountant', 'Finance', 'bob')}
telephoneNumber: +1 555 0100

${person('mallory', 'Mallory Moss', 'Clerk', 'Finance', 'bob')}

${person('dave', 'Dave Dunn', 'Contractor', 'IT', 'carol')}

${person('eve(ops)', 'Eve Ops', 'Operator', 'IT', 'ghost')}

dn: cn=finance,${GROUPS}
objectClass: groupOfNames
cn: finance
description: Finance department
member: uid=alice,${PEOPLE}
member: uid=bob,${PEOPLE}

dn: cn=vpn-users,${GROUPS}
objectClass: groupOfUniqueNames
cn: vpn-users
uniqueMember: uid=alice,${PEOPLE}
uniqueMember: uid=carol,${PEOPLE}

dn: cn=admins,${GROUPS}
objectClass: posixGroup
cn: admins
gidNumber: 1000
memberUid: carol
memberUid: alice
memberUid: nobody

dn: cn=all-staff,${GROUPS}
objectClass: groupOfNames
cn: all-staff
member: cn=finance,${GROUPS}
member: uid=carol,${PEOPLE}
member: uid=ghost,${PEOPLE}
`;

/** Locks mallory (failed logins) and carol (the administrative lock), disables dave (an end time passed); ppolicy only. */
const LOCKS = `
dn: uid=mallory,${PEOPLE}
changetype: modify
replace: pwdAccountLockedTime
pwdAccountLockedTime: 20250101000000Z

dn: uid=carol,${PEOPLE}
changetype: modify
replace: pwdAccountLockedTime
pwdAccountLockedTime: 000001010000Z

dn: uid=dave,${PEOPLE}
changetype: modify
replace: pwdEndTime
pwdEndTime: 20250101000000Z
`;

function person(uid: string, name: string, title: string, department: string, manager?: string): string {
  const [given, sn] = name.split(' ');
  return [
    `dn: uid=${uid},${PEOPLE}`,
    'objectClass: inetOrgPerson',
    `uid: ${uid}`,
    `cn: ${name}`,
    `givenName: ${given}`,
    `sn: ${sn}`,
    `displayName: ${name}`,
    `mail: ${uid.replace(/\W/g, '')}@example.org`,
    `title: ${title}`,
    `departmentNumber: ${department}`,
    `userPassword: ${uid}-password`,
    ...(manager ? [`manager: uid=${manager},${PEOPLE}`] : []),
  ].join('\n');
}

function fieldsFor(slapd: Slapd, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    url: slapd.url,
    bind_dn: 'cn=riposte,ou=services,dc=example,dc=org',
    bind_password: BIND_PASSWORD,
    base_dn: 'dc=example,dc=org',
    ...overrides,
  };
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

describe('ldap directory against a real OpenLDAP', { skip: slapdSkipReason() }, () => {
  let slapd: Slapd;
  let fields: Record<string, string>;
  const lookup = (input: Record<string, unknown>, overrides: Record<string, string> = {}) =>
    runIntegrationAction(ldapIntegration, 'lookup_user', input, {
      baseUrl: slapd.url,
      fields: { ...fields, ...overrides },
    }) as Promise<Record<string, unknown>>;
  const members = (input: Record<string, unknown>) =>
    runIntegrationAction(ldapIntegration, 'lookup_group_members', input, {
      baseUrl: slapd.url,
      fields,
    }) as Promise<Record<string, unknown>>;

  before(async () => {
    slapd = await startSlapd({ seed: SEED });
    fields = fieldsFor(slapd);
    if (process.env.CI) assert.ok(slapd.ppolicy, 'CI needs the ppolicy overlay (Debian slapd ships it)');
    if (slapd.ppolicy) await slapd.apply(LOCKS);
  });
  after(() => slapd?.stop());

  it('looks a user up by username: identity, title, department, manager, groups, phone', async () => {
    const alice = await lookup({ username: 'alice' });
    assert.equal(typeof alice.last_password_change, slapd.ppolicy ? 'string' : 'object');
    if (slapd.ppolicy) {
      const changed = Date.parse(alice.last_password_change as string);
      assert.ok(
        Math.abs(Date.now() - changed) < 5 * 60_000,
        `pwdChangedTime ${alice.last_password_change} is now`,
      );
    }
    assert.deepEqual(
      { ...alice, last_password_change: undefined },
      {
        found: true,
        dn: `uid=alice,${PEOPLE}`,
        username: 'alice',
        display_name: 'Alice Adams',
        email: 'alice@example.org',
        title: 'Accountant',
        department: 'Finance',
        manager: { dn: `uid=bob,${PEOPLE}`, username: 'bob', display_name: 'Bob Brown' },
        account_status: 'enabled',
        account_status_reason: null,
        // groupOfNames, groupOfUniqueNames and posixGroup memberships, found by searching.
        groups: [
          { dn: `cn=admins,${GROUPS}`, name: 'admins' },
          { dn: `cn=finance,${GROUPS}`, name: 'finance' },
          { dn: `cn=vpn-users,${GROUPS}`, name: 'vpn-users' },
        ],
        phone: '+1 555 0100',
        last_password_change: undefined,
      },
    );
  });

  it('looks a user up by email and resolves the manager to a username and name', async () => {
    const bob = await lookup({ email: 'bob@example.org' });
    assert.equal(bob.dn, `uid=bob,${PEOPLE}`);
    assert.equal(bob.username, 'bob');
    assert.deepEqual(bob.manager, {
      dn: `uid=carol,${PEOPLE}`,
      username: 'carol',
      display_name: 'Carol Chen',
    });
    const carol = await lookup({ email: 'carol@example.org' });
    assert.equal(carol.manager, null);
  });

  it('finds a username with filter metacharacters literally, and keeps a manager DN that resolves to nobody', async () => {
    const eve = await lookup({ username: 'eve(ops)' });
    assert.equal(eve.dn, `uid=eve(ops),${PEOPLE}`);
    assert.deepEqual(eve.manager, { dn: `uid=ghost,${PEOPLE}`, username: null, display_name: null });
    assert.deepEqual(eve.groups, []);
  });

  it('reports ppolicy locks (failed logins, administrator) as locked and a passed pwdEndTime as disabled', async (t) => {
    if (!slapd.ppolicy) return t.skip('this slapd has no ppolicy overlay');
    const mallory = await lookup({ username: 'mallory' });
    assert.equal(mallory.account_status, 'locked');
    assert.match(String(mallory.account_status_reason), /locked since 2025-01-01T00:00:00\.000Z/);
    const carol = await lookup({ username: 'carol' });
    assert.equal(carol.account_status, 'locked');
    assert.match(String(carol.account_status_reason), /locked by an administrator/);
    const dave = await lookup({ username: 'dave' });
    assert.equal(dave.account_status, 'disabled');
    assert.match(
      String(dave.account_status_reason),
      /disabled since 2025-01-01T00:00:00\.000Z \(pwdEndTime\)/,
    );
    assert.equal(
      findingOf(ldapIntegration, 'lookup_user', { username: 'mallory' }, mallory).finding.summary,
      'Finance, manager bob, account locked',
    );
  });

  it('refuses to guess when a filter matches two people or two groups, naming every match', async () => {
    const person = await rejection(
      lookup({ email: 'alice@example.org' }, { email_filter: '(|(mail={email})(uid=bob))' }),
    );
    assert.equal(person.code, 'ambiguous');
    assert.equal(person.retryable, false);
    assert.match(person.message, /^2 directory entries match \(\|\(mail=alice@example\.org\)\(uid=bob\)\): /);
    assert.match(
      person.message,
      new RegExp(`uid=alice,${PEOPLE}; uid=bob,${PEOPLE}|uid=bob,${PEOPLE}; uid=alice,${PEOPLE}`),
    );
    const group = await rejection(
      runIntegrationAction(
        ldapIntegration,
        'lookup_group_members',
        { group: 'finance' },
        { baseUrl: slapd.url, fields: { ...fields, group_filter: '(|(cn={group})(cn=admins))' } },
      ),
    );
    assert.equal(group.code, 'ambiguous');
    assert.match(group.message, /^2 groups match .*; pass the group's DN$/);
  });

  it('answers found: false for someone not in the directory', async () => {
    assert.deepEqual(await lookup({ username: 'nobody' }), { found: false });
    assert.deepEqual(await lookup({ email: 'nobody@example.org' }), { found: false });
  });

  it('treats filter injection as a literal value: it matches nobody', async () => {
    assert.deepEqual(await lookup({ username: '*)(uid=*' }), { found: false });
    assert.deepEqual(await lookup({ username: '*' }), { found: false });
    assert.deepEqual(await lookup({ username: 'alice)(|(uid=*' }), { found: false });
    assert.deepEqual(await lookup({ email: '*@example.org' }), { found: false });
  });

  it('gives enrichment context, never a verdict', async () => {
    const alice = await lookup({ username: 'alice' });
    assert.deepEqual(findingOf(ldapIntegration, 'lookup_user', { username: 'alice' }, alice), {
      observable: { type: 'user', value: 'alice' },
      finding: { verdict: 'unknown', score: null, summary: 'Finance, manager bob' },
    });
    assert.deepEqual(
      findingOf(ldapIntegration, 'lookup_user', { email: 'x@example.org' }, { found: false }),
      {
        observable: { type: 'email', value: 'x@example.org' },
        finding: { verdict: 'unknown', score: null, summary: 'not in the directory' },
      },
    );
  });

  it('fails a wrong bind password as unauthorized, not retryable, without the password anywhere', async () => {
    const wrong = 'Wr0ng-Pa55word-xyz';
    const error = await rejection(lookup({ username: 'alice' }, { bind_password: wrong }));
    assert.equal(error.code, 'unauthorized');
    assert.equal(error.retryable, false);
    assert.match(error.message, /cn=riposte,ou=services/);
    for (const secret of [wrong, BIND_PASSWORD]) {
      assert.ok(!error.message.includes(secret));
      assert.ok(!inspect(error, { depth: 10 }).includes(secret));
      assert.ok(!JSON.stringify(error).includes(secret));
    }
  });

  it('refuses an empty bind password instead of binding anonymously', async () => {
    const error = await rejection(lookup({ username: 'alice' }, { bind_password: '' }));
    assert.equal(error.code, 'invalid_configuration');
    assert.equal(error.retryable, false);
  });

  it('checks the connection: bind and base DN', async () => {
    await testIntegrationConnection(ldapIntegration, { baseUrl: slapd.url, fields });
    const badBase = await rejection(
      testIntegrationConnection(ldapIntegration, {
        baseUrl: slapd.url,
        fields: { ...fields, base_dn: 'dc=missing,dc=org' },
      }),
    );
    assert.equal(badBase.code, 'invalid_configuration');
    const badPassword = await rejection(
      testIntegrationConnection(ldapIntegration, {
        baseUrl: slapd.url,
        fields: { ...fields, bind_password: 'nope' },
      }),
    );
    assert.equal(badPassword.code, 'unauthorized');
  });

  it('lists a groupOfNames group’s members, nested groups and dangling members included', async () => {
    assert.deepEqual(await members({ group: 'finance' }), {
      found: true,
      dn: `cn=finance,${GROUPS}`,
      name: 'finance',
      description: 'Finance department',
      member_count: 2,
      truncated: false,
      members: [
        {
          dn: `uid=alice,${PEOPLE}`,
          type: 'user',
          username: 'alice',
          display_name: 'Alice Adams',
          email: 'alice@example.org',
        },
        {
          dn: `uid=bob,${PEOPLE}`,
          type: 'user',
          username: 'bob',
          display_name: 'Bob Brown',
          email: 'bob@example.org',
        },
      ],
    });
    const all = await members({ group: `cn=all-staff,${GROUPS}` });
    assert.deepEqual(
      (all.members as { dn: string; type: string }[]).map((m) => [m.dn, m.type]),
      [
        [`cn=finance,${GROUPS}`, 'group'],
        [`uid=carol,${PEOPLE}`, 'user'],
        [`uid=ghost,${PEOPLE}`, 'missing'],
      ],
    );
  });

  it('lists posixGroup and groupOfUniqueNames members, and truncates at the limit', async () => {
    const admins = await members({ group: 'admins' });
    assert.deepEqual(
      (admins.members as { username: string; type: string }[]).map((m) => [m.username, m.type]),
      [
        ['carol', 'user'],
        ['alice', 'user'],
        ['nobody', 'missing'],
      ],
    );
    const vpn = await members({ group: 'vpn-users', limit: 1 });
    assert.equal(vpn.member_count, 2);
    assert.equal(vpn.truncated, true);
    assert.equal((vpn.members as unknown[]).length, 1);
    assert.deepEqual(await members({ group: '*' }), { found: false });
  });
});

describe('ldap directory with the memberof overlay', { skip: slapdSkipReason() }, () => {
  let slapd: Slapd;
  before(async () => {
    slapd = await startSlapd({ seed: SEED, memberOf: true });
  });
  after(() => slapd?.stop());

  it('takes groups from memberOf when the server keeps it', async () => {
    const alice = (await runIntegrationAction(
      ldapIntegration,
      'lookup_user',
      { username: 'alice' },
      { baseUrl: slapd.url, fields: fieldsFor(slapd) },
    )) as { groups: unknown };
    // The overlay tracks groupOfNames only: memberOf is trusted as the whole answer when present.
    assert.deepEqual(alice.groups, [{ dn: `cn=finance,${GROUPS}`, name: 'finance' }]);
  });
});

describe('ldap directory that is down or silent', { skip: slapdSkipReason() }, () => {
  it('fails a stopped server as a retryable network error', async () => {
    const slapd = await startSlapd();
    const fields = fieldsFor(slapd, { bind_dn: slapd.adminDn, bind_password: slapd.adminPassword });
    await slapd.stop();
    const error = await rejection(
      runIntegrationAction(
        ldapIntegration,
        'lookup_user',
        { username: 'alice' },
        { baseUrl: slapd.url, fields },
      ),
    );
    assert.equal(error.code, 'network');
    assert.equal(error.retryable, true);
    assert.match(error.message, /ECONNREFUSED/);
    assert.ok(!error.message.includes(slapd.adminPassword));
  });

  it('gives up on a server that accepts but never answers, within the configured timeout', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      const started = Date.now();
      const error = await rejection(
        runIntegrationAction(
          ldapIntegration,
          'lookup_user',
          { username: 'alice' },
          {
            baseUrl: 'http://unused',
            fields: {
              url: `ldap://127.0.0.1:${port}`,
              bind_dn: 'cn=riposte,dc=example,dc=org',
              bind_password: BIND_PASSWORD,
              base_dn: 'dc=example,dc=org',
              timeout_seconds: '0.5',
            },
          },
        ),
      );
      assert.equal(error.code, 'timeout');
      assert.equal(error.retryable, true);
      assert.ok(Date.now() - started < 3000, `gave up after ${Date.now() - started} ms`);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

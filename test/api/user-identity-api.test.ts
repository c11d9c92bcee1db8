import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { FakeOidcProvider } from '../support/fake-oidc-provider.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { sessionOf, signIn } from '../support/oidc-sign-in.ts';
import { databaseKinds } from '../support/test-databases.ts';

const PUBLIC_URL = 'http://riposte.test';
const ACTOR = { id: 'test-setup', type: 'system' as const };
const PASSWORD = 'a password of some length';

interface ListedUser {
  id: string;
  username: string;
  identities: { issuer: string; subject: string; boundAt: string; lastLoginAt: string }[];
}

/**
 * An account's binding to a person at the OpenID provider, as an admin sees it in the users list and
 * removes it (DELETE /api/v1/users/{id}/identity): the provider recreated someone, and the account
 * must follow the new subject.
 */
for (const kind of databaseKinds()) {
  describe(`single sign-on bindings in the users list, and unbinding one (${kind})`, () => {
    let idp: FakeOidcProvider;
    let h: Harness;
    before(async () => {
      idp = await FakeOidcProvider.start({
        clientId: 'riposte-soc',
        clientSecret: 'secret',
        redirectUri: `${PUBLIC_URL}/api/v1/session/oidc/callback`,
        users: {
          ana: { sub: 'sub-ana', preferred_username: 'ana', groups: ['soc'] },
          // The same person after the provider's account was deleted and made again: a new subject.
          'ana-again': { sub: 'sub-ana-2', preferred_username: 'ana', groups: ['soc'] },
        },
      });
      const { oidc } = loadConfig(
        {
          RIPOSTE_OIDC_ISSUER: idp.issuer,
          RIPOSTE_OIDC_CLIENT_ID: 'riposte-soc',
          RIPOSTE_OIDC_CLIENT_SECRET: 'secret',
          RIPOSTE_OIDC_ROLE_MAP: 'soc=analyst',
        },
        { publicUrl: PUBLIC_URL },
      );
      h = await startHarness(kind, { publicUrl: PUBLIC_URL, oidc });
      await h.riposte.users.create({ username: 'pat', role: 'viewer', password: PASSWORD }, ACTOR);
    });
    after(async () => {
      await h?.close();
      await idp?.close();
    });

    const listed = async (username: string): Promise<ListedUser> => {
      const res = await h.as('admin', { method: 'GET', url: '/api/v1/users' });
      assert.equal(res.statusCode, 200, res.body);
      const user = (res.json().items as ListedUser[]).find((u) => u.username === username);
      assert.ok(user, `${username} is listed`);
      return user;
    };
    const unbind = (id: string) =>
      h.as('admin', { method: 'DELETE', url: `/api/v1/users/${encodeURIComponent(id)}/identity` });
    const whoIs = async (cookie: string) =>
      (await h.app.inject({ method: 'GET', url: '/api/v1/session', headers: { cookie } })).statusCode;

    it('lists each account with the issuer and subject it is bound to and its last single sign-on', async () => {
      const first = await signIn(h, idp, 'ana');
      assert.equal(first.answer.statusCode, 302, first.answer.body);
      const ana = await listed('ana');
      assert.equal(ana.identities.length, 1);
      const [bound] = ana.identities;
      assert.equal(bound!.issuer, idp.issuer);
      assert.equal(bound!.subject, 'sub-ana');
      assert.equal(bound!.lastLoginAt, bound!.boundAt, 'bound at the first sign-in');
      assert.deepEqual((await listed('pat')).identities, [], 'a password account is bound to no one');

      // The next sign-in through the binding is recorded on it; when it was bound stays.
      const longAgo = '2020-01-01T00:00:00.000Z';
      await h.riposte.database.db
        .updateTable('user_identities')
        .set({ created_at: longAgo, last_login_at: longAgo })
        .where('subject', '=', 'sub-ana')
        .execute();
      assert.equal((await signIn(h, idp, 'ana')).answer.statusCode, 302);
      const again = (await listed('ana')).identities[0]!;
      assert.equal(again.boundAt, longAgo);
      assert.ok(again.lastLoginAt > longAgo, again.lastLoginAt);
    });

    it('unbinds the account: its single sign-on sessions end, its password sessions stay, and the new subject binds to it', async () => {
      const ana = await listed('ana');
      // Refused while the account is bound to the old subject.
      const refused = await signIn(h, idp, 'ana-again');
      assert.equal(refused.answer.statusCode, 403, refused.answer.body);
      assert.equal(refused.answer.json().reason, 'identity_conflict');

      await h.riposte.users.update(ana.id, { password: PASSWORD }, ACTOR);
      const password = await h.app.inject({
        method: 'POST',
        url: '/api/v1/session',
        payload: { username: 'ana', password: PASSWORD },
      });
      assert.equal(password.statusCode, 200, password.body);
      const passwordSession = sessionOf(password);
      const ssoSession = sessionOf((await signIn(h, idp, 'ana')).answer);
      assert.equal(await whoIs(ssoSession), 200);

      const res = await unbind(ana.id);
      assert.equal(res.statusCode, 204, res.body);
      assert.deepEqual((await listed('ana')).identities, []);
      assert.equal(await whoIs(ssoSession), 401, 'the single sign-on session ended');
      assert.equal(await whoIs(passwordSession), 200, 'the password session stays');
      const audit = await h.riposte.database.db
        .selectFrom('audit_log')
        .select(['actor', 'target_id', 'details'])
        .where('action', '=', 'user.unlink_identity')
        .executeTakeFirstOrThrow();
      assert.equal(audit.actor, 'token:test-admin');
      assert.equal(audit.target_id, ana.id);
      assert.deepEqual(JSON.parse(audit.details), {
        username: 'ana',
        identities: [{ issuer: idp.issuer, subject: 'sub-ana' }],
        sessionsEnded: 1,
      });

      // The person the provider now calls ana is matched by username, as at a first sign-in.
      const rebound = await signIn(h, idp, 'ana-again');
      assert.equal(rebound.answer.statusCode, 302, rebound.answer.body);
      const after = await listed('ana');
      assert.equal(after.id, ana.id, 'the same account');
      assert.deepEqual(
        after.identities.map((i) => i.subject),
        ['sub-ana-2'],
      );
      const link = await h.riposte.database.db
        .selectFrom('audit_log')
        .select('details')
        .where('action', '=', 'user.link_identity')
        .where('target_id', '=', ana.id)
        .executeTakeFirstOrThrow();
      assert.deepEqual(JSON.parse(link.details), { issuer: idp.issuer, subject: 'sub-ana-2' });
    });

    it('answers 404 naming the account that is bound to no one, and the user that does not exist', async () => {
      const pat = await listed('pat');
      const unbound = await unbind(pat.id);
      assert.equal(unbound.statusCode, 404, unbound.body);
      assert.equal(unbound.json().code, 'not_found');
      assert.match(unbound.json().detail, /the account "pat" is not bound to anyone at an OpenID provider/);
      const missing = await unbind('user_nobody');
      assert.equal(missing.statusCode, 404, missing.body);
      assert.equal(missing.json().detail, 'no user with id "user_nobody"');
      const audits = await h.riposte.database.db
        .selectFrom('audit_log')
        .select('target_id')
        .where('action', '=', 'user.unlink_identity')
        .execute();
      assert.equal(audits.length, 1, 'a refused unbinding is not audited');
    });
  });
}

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { sealFlow } from '../../src/auth/oidc/flow-seal.ts';
import { loadConfig } from '../../src/config.ts';
import { keyFor } from '../../src/secrets/keyring.ts';
import { FakeOidcProvider, type FakeUser, type Misbehaviour } from '../support/fake-oidc-provider.ts';
import { sessionOf, setCookie, signIn } from '../support/oidc-sign-in.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { databaseKinds } from '../support/test-databases.ts';

const PUBLIC_URL = 'http://riposte.test';
const REDIRECT_URI = `${PUBLIC_URL}/api/v1/session/oidc/callback`;
const SECRET = 'a-client-secret-with+reserved/chars';
const ACTOR = { id: 'test-setup', type: 'system' as const };

async function whoIs(h: Harness, cookie: string) {
  const me = await h.app.inject({ method: 'GET', url: '/api/v1/session', headers: { cookie } });
  assert.equal(me.statusCode, 200, me.body);
  return me.json().principal as { name: string; role: string };
}

function assertFailure(answer: LightMyRequestResponse, status: number, reason: string, detail: RegExp): void {
  assert.equal(answer.statusCode, status, answer.body);
  assert.equal(answer.headers['content-type'], 'application/problem+json; charset=utf-8');
  const problem = answer.json();
  assert.equal(problem.reason, reason, problem.detail);
  assert.equal(problem.code, status === 403 ? 'sso_refused' : 'sso_failed');
  assert.match(problem.detail, detail);
  assert.equal(setCookie(answer, 'riposte_session'), undefined, 'no session');
}

const USERS: Record<string, FakeUser> = {
  ana: { sub: 'sub-ana', preferred_username: 'ana', email: 'ana@example.com', groups: ['soc', 'everyone'] },
  lead: { sub: 'sub-lead', preferred_username: 'lead', groups: ['soc', 'soc-leads'] },
  hr: { sub: 'sub-hr', preferred_username: 'hr-person', groups: ['hr', 'everyone'] },
  mailonly: { sub: 'sub-mail', email: 'mail.only@example.com', groups: ['soc'] },
  unverified: { sub: 'sub-unverified', email: 'who@example.com', email_verified: false, groups: ['soc'] },
  local: { sub: 'sub-local', preferred_username: 'localperson', groups: ['soc-admins'] },
  impostor: { sub: 'sub-impostor', preferred_username: 'ana', groups: ['soc-admins'] },
  guest: { sub: 'sub-guest', preferred_username: 'guest_example.com#EXT#@tenant.example', groups: ['soc'] },
};

for (const kind of databaseKinds()) {
  describe(`single sign-on through an OpenID provider, confidential client (${kind})`, () => {
    let idp: FakeOidcProvider;
    let h: Harness;
    before(async () => {
      idp = await FakeOidcProvider.start({
        clientId: 'riposte-soc',
        clientSecret: SECRET,
        redirectUri: REDIRECT_URI,
        users: structuredClone(USERS),
      });
      const { oidc } = loadConfig(
        {
          RIPOSTE_OIDC_ISSUER: idp.issuer,
          RIPOSTE_OIDC_CLIENT_ID: 'riposte-soc',
          RIPOSTE_OIDC_CLIENT_SECRET: SECRET,
          RIPOSTE_OIDC_ROLE_MAP: 'soc-admins=admin,soc-leads=manager,soc=analyst',
          RIPOSTE_OIDC_NAME: 'Fake IdP',
        },
        { publicUrl: PUBLIC_URL },
      );
      h = await startHarness(kind, { publicUrl: PUBLIC_URL, oidc });
    });
    after(async () => {
      await h?.close();
      await idp?.close();
    });

    it('tells the console single sign-on is on, with its button label', async () => {
      const status = await h.app.inject({ method: 'GET', url: '/api/v1/session/oidc' });
      assert.deepEqual(status.json(), {
        enabled: true,
        name: 'Fake IdP',
        label: 'Sign in with Fake IdP',
        passwordLogin: true,
      });
    });

    it('creates the account at the first sign-in with the mapped role, and opens the same session a password login does', async () => {
      const { answer } = await signIn(h, idp, 'ana', { returnTo: '/ui/cases?status=open' });
      assert.equal(answer.statusCode, 302, answer.body);
      assert.equal(answer.headers.location, '/ui/cases?status=open');
      const session = setCookie(answer, 'riposte_session')!;
      assert.match(session.attributes, /HttpOnly/);
      assert.match(session.attributes, /SameSite=Strict/);
      assert.match(setCookie(answer, 'riposte_oidc')!.attributes, /Max-Age=0/, 'the flow cookie is cleared');
      const me = await whoIs(h, sessionOf(answer));
      assert.deepEqual([me.name, me.role], ['ana', 'analyst']);
      const stored = await h.riposte.database.db.selectFrom('sessions').selectAll().execute();
      assert.ok(
        stored.some((s) => s.id_token?.split('.').length === 3),
        'the session keeps its ID token (the logout hint)',
      );
      // What Riposte sent: the authorization code flow with PKCE S256, and the secret by client_secret_basic.
      const authorize = idp.authorizeRequests.at(-1)!;
      assert.equal(authorize.get('response_type'), 'code');
      assert.equal(authorize.get('scope'), 'openid profile email');
      assert.equal(authorize.get('code_challenge_method'), 'S256');
      assert.equal(authorize.get('redirect_uri'), REDIRECT_URI);
      assert.ok((authorize.get('nonce') ?? '').length >= 32 && (authorize.get('state') ?? '').length >= 32);
      const token = idp.tokenRequests.at(-1)!;
      assert.match(token.authorization ?? '', /^Basic /);
      assert.equal(token.form.get('client_secret'), null);
      assert.ok((token.form.get('code_verifier') ?? '').length >= 43);
    });

    it('audits the account creation and the login with method oidc, and keeps no secret in the audit log', async () => {
      const rows = await h.riposte.database.db
        .selectFrom('audit_log')
        .selectAll()
        .where('actor', '=', 'ana')
        .orderBy('seq')
        .execute();
      const actions = rows.map((r) => [r.action, JSON.parse(r.details)]);
      assert.deepEqual(actions.find(([a]) => a === 'user.create')?.[1], {
        username: 'ana',
        role: 'analyst',
        via: 'oidc',
        issuer: idp.issuer,
        subject: 'sub-ana',
      });
      assert.deepEqual(actions.find(([a]) => a === 'auth.login')?.[1], {
        method: 'oidc',
        issuer: idp.issuer,
      });
      const everything = JSON.stringify(
        await h.riposte.database.db.selectFrom('audit_log').selectAll().execute(),
      );
      assert.ok(!everything.includes(SECRET), 'no client secret');
      assert.ok(!everything.includes('eyJ'), 'no token');
      assert.ok((await h.riposte.audit.verify(h.riposte.database.db)).ok);
    });

    it('updates the role from the groups at the next sign-in, and finds the account by subject when the username changes', async () => {
      idp.users.ana!.groups = ['soc-leads'];
      const promoted = await signIn(h, idp, 'ana');
      assert.equal((await whoIs(h, sessionOf(promoted.answer))).role, 'manager');
      const update = await h.riposte.database.db
        .selectFrom('audit_log')
        .select('details')
        .where('action', '=', 'user.update')
        .where('actor', '=', 'ana')
        .executeTakeFirstOrThrow();
      assert.deepEqual(JSON.parse(update.details), { role: 'manager', previousRole: 'analyst', via: 'oidc' });
      idp.users.ana!.preferred_username = 'ana.renamed';
      const renamed = await signIn(h, idp, 'ana');
      assert.equal(
        (await whoIs(h, sessionOf(renamed.answer))).name,
        'ana',
        'the account bound to the subject',
      );
      assert.equal((await h.riposte.users.list()).filter((u) => u.username.startsWith('ana')).length, 1);
      idp.users.ana!.preferred_username = 'ana';
    });

    it("refuses another person the provider now calls by a bound account's username", async () => {
      const { answer } = await signIn(h, idp, 'impostor');
      assertFailure(
        answer,
        403,
        'identity_conflict',
        /the Riposte account "ana" belongs to another person at Fake IdP/,
      );
    });

    it('refuses a person in no mapped group, listing their groups, and creates no account', async () => {
      const { answer } = await signIn(h, idp, 'hr');
      assertFailure(
        answer,
        403,
        'no_role',
        /"hr-person" is in none of the groups Riposte gives a role to: the "groups" claim from Fake IdP lists "hr", "everyone"; an admin can map a group to a role \(RIPOSTE_OIDC_ROLE_MAP\)/,
      );
      assert.equal(
        (await h.riposte.users.list()).some((u) => u.username === 'hr-person'),
        false,
      );
      const failed = await h.riposte.database.db
        .selectFrom('audit_log')
        .select(['actor', 'details'])
        .where('action', '=', 'auth.login_failed')
        .orderBy('seq', 'desc')
        .executeTakeFirstOrThrow();
      assert.equal(failed.actor, 'hr-person');
      assert.deepEqual(JSON.parse(failed.details), { method: 'oidc', reason: 'no_role' });
    });

    it('takes the username from email when there is no preferred_username, but not an unverified one', async () => {
      const mail = await signIn(h, idp, 'mailonly');
      assert.equal((await whoIs(h, sessionOf(mail.answer))).name, 'mail.only@example.com');
      const unverified = await signIn(h, idp, 'unverified');
      assertFailure(
        unverified.answer,
        401,
        'email_unverified',
        /email: "who@example\.com" is not verified at the provider/,
      );
      const guest = await signIn(h, idp, 'guest');
      assertFailure(
        guest.answer,
        401,
        'no_username',
        /preferred_username: "guest_example\.com#EXT#@tenant\.example" has characters a username cannot/,
      );
    });

    it('binds an existing account with the same username, and refuses a disabled one', async () => {
      const local = await h.riposte.users.create(
        { username: 'localperson', role: 'viewer', password: 'a long enough password' },
        ACTOR,
      );
      const first = await signIn(h, idp, 'local');
      assert.equal((await whoIs(h, sessionOf(first.answer))).role, 'admin', 'the role follows the mapping');
      const linked = await h.riposte.database.db
        .selectFrom('user_identities')
        .selectAll()
        .where('user_id', '=', local.id)
        .executeTakeFirstOrThrow();
      assert.equal(linked.subject, 'sub-local');
      await h.riposte.users.update(local.id, { disabled: true }, ACTOR);
      const second = await signIn(h, idp, 'local');
      assertFailure(second.answer, 403, 'disabled', /the Riposte account "localperson" is disabled/);
    });

    it('refuses an answer with another state, one played again, and a flow cookie that is missing, changed or expired', async () => {
      const good = await signIn(h, idp, 'lead');
      assert.equal(good.answer.statusCode, 302);
      const tokensBefore = idp.counts.token;
      const replay = await h.app.inject({
        method: 'GET',
        url: good.callback,
        headers: { cookie: `riposte_oidc=${good.flow}` },
      });
      assertFailure(replay, 401, 'replayed', /this sign-in was already completed/);
      assert.equal(idp.counts.token, tokensBefore, 'a replay never reaches the token endpoint');
      const wrongState = good.callback.replace(/state=[^&]+/, 'state=forged');
      const start = await h.app.inject({ method: 'GET', url: '/api/v1/session/oidc/login' });
      const fresh = setCookie(start, 'riposte_oidc')!.value;
      assertFailure(
        await h.app.inject({ method: 'GET', url: wrongState, headers: { cookie: `riposte_oidc=${fresh}` } }),
        401,
        'state_mismatch',
        /does not carry this sign-in's state/,
      );
      const mismatch = await h.riposte.database.db
        .selectFrom('audit_log')
        .select('details')
        .where('action', '=', 'auth.login_failed')
        .orderBy('seq', 'desc')
        .executeTakeFirstOrThrow();
      assert.deepEqual(JSON.parse(mismatch.details), { method: 'oidc', reason: 'state_mismatch' }, 'audited');
      assertFailure(
        await h.app.inject({ method: 'GET', url: good.callback }),
        401,
        'missing_flow',
        /this browser has no sign-in in progress/,
      );
      const changed = `${fresh.slice(0, 30)}${fresh[30] === 'A' ? 'B' : 'A'}${fresh.slice(31)}`;
      assertFailure(
        await h.app.inject({
          method: 'GET',
          url: good.callback,
          headers: { cookie: `riposte_oidc=${changed}` },
        }),
        401,
        'bad_flow',
        /not one this server sealed/,
      );
      const key = await keyFor(h.riposte.database.db, h.riposte.box, 'oidc-flow');
      const expired = sealFlow(key, {
        kind: 'flow',
        state: 'old-state',
        nonce: 'n',
        verifier: 'v'.repeat(43),
        returnTo: '/ui/',
        expiresAt: Date.now() - 1,
      });
      assertFailure(
        await h.app.inject({
          method: 'GET',
          url: '/api/v1/session/oidc/callback?code=x&state=old-state',
          headers: { cookie: `riposte_oidc=${expired}` },
        }),
        401,
        'flow_expired',
        /took longer than 10 minutes/,
      );
    });

    it("reports the provider's error, and the token endpoint's", async () => {
      const denied = await signIn(h, idp, 'lead', { misbehave: { authorizeError: 'access_denied' } });
      assertFailure(
        denied.answer,
        401,
        'provider_error',
        /Fake IdP answered the sign-in with "access_denied": The user denied the request/,
      );
      const refused = await signIn(h, idp, 'lead', { misbehave: { tokenError: 'invalid_grant' } });
      assertFailure(
        refused.answer,
        401,
        'token_error',
        /token endpoint refused the code \(400 invalid_grant\): refused by the test/,
      );
      const empty = await signIn(h, idp, 'lead', { misbehave: { noIdToken: true } });
      assertFailure(empty.answer, 401, 'token_error', /answered without an id_token/);
      const mixedUp = await signIn(h, idp, 'lead', {
        edit: (url) => `${url}&iss=${encodeURIComponent('https://other-idp.example')}`,
      });
      assertFailure(
        mixedUp.answer,
        401,
        'wrong_issuer',
        /the answer names the issuer "https:\/\/other-idp\.example"/,
      );
      const noCode = await signIn(h, idp, 'lead', { edit: (url) => url.replace(/code=[^&]+&?/, '') });
      assertFailure(noCode.answer, 401, 'missing_code', /sent the browser back without a code/);
    });

    it('refuses ID tokens that are forged, unsigned, for another client, stale or without the nonce', async () => {
      const cases: [Misbehaviour, string, RegExp][] = [
        [
          { badSignature: true },
          'bad_signature',
          /RS256 signature does not verify with the provider's key "rsa-0"/,
        ],
        [{ alg: 'none' }, 'unsupported_alg', /unsigned \(alg "none"\)/],
        [{ alg: 'HS256' }, 'unsupported_alg', /HS256, a shared-secret algorithm/],
        [
          { audience: 'another-app' },
          'wrong_audience',
          /meant for "another-app", not for Riposte's client id "riposte-soc"/,
        ],
        [{ audience: ['riposte-soc', 'another-app'] }, 'wrong_azp', /several audiences/],
        [
          { audience: ['riposte-soc', 'another-app'], azp: 'another-app' },
          'wrong_azp',
          /issued to "another-app"/,
        ],
        [{ issuer: 'http://evil.example' }, 'wrong_issuer', /issued by "http:\/\/evil\.example"/],
        [{ expiresIn: -3600 }, 'expired', /the ID token expired at/],
        [{ issuedAt: 3600 }, 'issued_in_future', /in the future/],
        [{ notBefore: 3600 }, 'not_yet_valid', /not valid before/],
        [{ nonce: null }, 'nonce_mismatch', /has no "nonce"/],
        [{ nonce: 'someone-elses' }, 'nonce_mismatch', /not the one this sign-in sent/],
        [{ unpublishedKid: 'stolen' }, 'unknown_key', /no RS256 signing key with kid "stolen"/],
      ];
      for (const [misbehave, reason, detail] of cases) {
        const { answer } = await signIn(h, idp, 'lead', { misbehave });
        assertFailure(answer, 401, reason, detail);
      }
    });

    it('reads the keys again after the provider rotates them, and verifies tokens signed with its EC key', async () => {
      const before = idp.counts.jwks;
      idp.rotate();
      const rotated = await signIn(h, idp, 'lead');
      assert.equal(rotated.answer.statusCode, 302, rotated.answer.body);
      assert.equal(idp.counts.jwks, before + 1, 'one read for the new kid');
      const again = await signIn(h, idp, 'lead');
      assert.equal(again.answer.statusCode, 302);
      assert.equal(idp.counts.jwks, before + 1, 'then from the cache');
      idp.signWith = 'ec';
      try {
        const ec = await signIn(h, idp, 'lead');
        assert.equal((await whoIs(h, sessionOf(ec.answer))).role, 'manager');
      } finally {
        idp.signWith = 'rsa';
      }
    });

    it('sends a browser back to the console with the reason, which the login page reads once', async () => {
      const { answer } = await signIn(h, idp, 'lead', {
        misbehave: { audience: 'another-app' },
        accept: 'text/html,application/xhtml+xml',
      });
      assert.equal(answer.statusCode, 302);
      assert.equal(answer.headers.location, '/ui/?sso=failed');
      const failure = setCookie(answer, 'riposte_oidc')!;
      assert.match(failure.attributes, /Path=\/api\/v1\/session\/oidc/);
      assert.match(failure.attributes, /SameSite=Lax/);
      const status = await h.app.inject({
        method: 'GET',
        url: '/api/v1/session/oidc',
        headers: { cookie: `riposte_oidc=${failure.value}` },
      });
      assert.equal(status.json().failure.reason, 'wrong_audience');
      assert.match(status.json().failure.detail, /not for Riposte's client id "riposte-soc"/);
      assert.match(setCookie(status, 'riposte_oidc')!.attributes, /Max-Age=0/, 'shown once');
      const forged = await h.app.inject({
        method: 'GET',
        url: '/api/v1/session/oidc',
        headers: {
          cookie: 'riposte_oidc=bm90LWEtc2VhbGVkLWZhaWx1cmUtYnV0LWxvbmctZW5vdWdoLXRvLWxvb2stbGlrZS1vbmU',
        },
      });
      assert.equal(forged.json().failure, undefined, 'only a failure this server sealed is shown');
    });

    it('still takes passwords and API tokens', async () => {
      await h.riposte.users.create(
        { username: 'pw-user', role: 'viewer', password: 'a long enough password' },
        ACTOR,
      );
      const login = await h.app.inject({
        method: 'POST',
        url: '/api/v1/session',
        payload: { username: 'pw-user', password: 'a long enough password' },
      });
      assert.equal(login.statusCode, 200, login.body);
      const logout = await h.app.inject({
        method: 'DELETE',
        url: '/api/v1/session',
        headers: { cookie: sessionOf(login) },
      });
      assert.equal(logout.statusCode, 204, 'no provider logout for a password session');
    });

    it('ends a single sign-on session at logout (the provider session stays: RIPOSTE_OIDC_LOGOUT_AT_PROVIDER is off)', async () => {
      const { answer } = await signIn(h, idp, 'lead');
      const cookie = sessionOf(answer);
      const logout = await h.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie } });
      assert.equal(logout.statusCode, 204);
      const me = await h.app.inject({ method: 'GET', url: '/api/v1/session', headers: { cookie } });
      assert.equal(me.statusCode, 401);
    });
  });

  describe(`single sign-on, public client, OIDC only, logout at the provider (${kind})`, () => {
    let publicIdp: FakeOidcProvider;
    let h: Harness;
    before(async () => {
      publicIdp = await FakeOidcProvider.start({
        clientId: 'riposte-public',
        redirectUri: REDIRECT_URI,
        users: structuredClone(USERS),
        discovery: { code_challenge_methods_supported: ['plain', 'S256'] },
      });
      const { oidc } = loadConfig(
        {
          RIPOSTE_OIDC_ISSUER: publicIdp.issuer,
          RIPOSTE_OIDC_CLIENT_ID: 'riposte-public',
          RIPOSTE_OIDC_DEFAULT_ROLE: 'viewer',
          RIPOSTE_OIDC_ROLE_MAP: 'soc-admins=admin',
          RIPOSTE_OIDC_ONLY: '1',
          RIPOSTE_OIDC_LOGOUT_AT_PROVIDER: '1',
          RIPOSTE_OIDC_SCOPES: 'openid email groups',
        },
        { publicUrl: PUBLIC_URL },
      );
      h = await startHarness(kind, { publicUrl: PUBLIC_URL, oidc });
    });
    after(async () => {
      await h?.close();
      await publicIdp?.close();
    });

    it('proves itself by PKCE alone, gives the default role to unmapped people, and logs out at the provider', async () => {
      const { answer } = await signIn(h, publicIdp, 'hr');
      assert.equal(answer.statusCode, 302, answer.body);
      const token = publicIdp.tokenRequests.at(-1)!;
      assert.equal(token.authorization, undefined);
      assert.equal(token.form.get('client_id'), 'riposte-public');
      assert.equal(token.form.get('client_secret'), null);
      assert.equal(publicIdp.authorizeRequests.at(-1)!.get('scope'), 'openid email groups');
      const cookie = sessionOf(answer);
      assert.equal((await whoIs(h, cookie)).role, 'viewer');
      const logout = await h.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie } });
      assert.equal(logout.statusCode, 200, logout.body);
      const end = new URL(logout.json().endSessionUrl);
      assert.equal(`${end.origin}${end.pathname}`, `${publicIdp.issuer}/logout`);
      assert.equal(end.searchParams.get('client_id'), 'riposte-public');
      assert.equal(end.searchParams.get('post_logout_redirect_uri'), `${PUBLIC_URL}/ui/`);
      assert.equal(end.searchParams.get('id_token_hint')?.split('.').length, 3);
      assert.equal(
        (await h.app.inject({ method: 'GET', url: '/api/v1/session', headers: { cookie } })).statusCode,
        401,
      );
    });

    it('refuses password logins for people, and keeps API tokens working', async () => {
      await h.riposte.users.create(
        { username: 'pw-only', role: 'admin', password: 'a long enough password' },
        ACTOR,
      );
      const login = await h.app.inject({
        method: 'POST',
        url: '/api/v1/session',
        payload: { username: 'pw-only', password: 'a long enough password' },
      });
      assert.equal(login.statusCode, 403);
      assert.equal(login.json().code, 'sso_required');
      assert.match(
        login.json().detail,
        /password login is turned off here \(RIPOSTE_OIDC_ONLY\): sign in with SSO; API tokens still work/,
      );
      assert.equal((await h.as('analyst', { method: 'GET', url: '/api/v1/alerts' })).statusCode, 200);
      const status = await h.app.inject({ method: 'GET', url: '/api/v1/session/oidc' });
      assert.equal(status.json().passwordLogin, false);
    });
  });

  describe(`single sign-on, accounts made by an admin only (${kind})`, () => {
    let idp: FakeOidcProvider;
    let h: Harness;
    before(async () => {
      idp = await FakeOidcProvider.start({
        clientId: 'riposte-post',
        clientSecret: SECRET,
        authMethod: 'client_secret_post',
        redirectUri: REDIRECT_URI,
        users: structuredClone(USERS),
      });
      const { oidc } = loadConfig(
        {
          RIPOSTE_OIDC_ISSUER: idp.issuer,
          RIPOSTE_OIDC_CLIENT_ID: 'riposte-post',
          RIPOSTE_OIDC_CLIENT_SECRET: SECRET,
          RIPOSTE_OIDC_CREATE_USERS: 'false',
          RIPOSTE_OIDC_UPDATE_ROLES: 'false',
          RIPOSTE_OIDC_ROLES_CLAIM: 'realm_access.roles',
        },
        { publicUrl: PUBLIC_URL },
      );
      h = await startHarness(kind, { publicUrl: PUBLIC_URL, oidc });
    });
    after(async () => {
      await h?.close();
      await idp?.close();
    });

    it('signs people in to the accounts an admin made, with the roles the admin gave, and no one else', async () => {
      const nobody = await signIn(h, idp, 'lead');
      assertFailure(
        nobody.answer,
        403,
        'not_provisioned',
        /there is no Riposte account "lead", and single sign-on does not create accounts here/,
      );
      await h.riposte.users.create(
        { username: 'lead', role: 'analyst', password: 'a long enough password' },
        ACTOR,
      );
      const { answer } = await signIn(h, idp, 'lead');
      assert.equal(
        (await whoIs(h, sessionOf(answer))).role,
        'analyst',
        'the role an admin gave, groups aside',
      );
      const token = idp.tokenRequests.at(-1)!;
      assert.equal(token.authorization, undefined);
      assert.equal(token.form.get('client_secret'), SECRET, 'client_secret_post, as discovery says');
    });
  });
}

describe('single sign-on, reaching the provider', () => {
  it("guards the provider's other hosts like any outbound request, and allows the issuer's", async () => {
    const keys = await FakeOidcProvider.start({ clientId: 'x', redirectUri: REDIRECT_URI, users: {} });
    const idp = await FakeOidcProvider.start({
      clientId: 'riposte-ssrf',
      redirectUri: REDIRECT_URI,
      users: structuredClone(USERS),
      discovery: { jwks_uri: `${keys.issuer}/jwks` },
    });
    const config = loadConfig(
      {
        RIPOSTE_OIDC_ISSUER: idp.issuer,
        RIPOSTE_OIDC_CLIENT_ID: 'riposte-ssrf',
        RIPOSTE_OIDC_DEFAULT_ROLE: 'viewer',
      },
      { publicUrl: PUBLIC_URL },
    );
    const h = await startHarness('sqlite', { publicUrl: PUBLIC_URL, oidc: config.oidc });
    try {
      const { answer } = await signIn(h, idp, 'lead');
      assertFailure(
        answer,
        401,
        'provider_unreachable',
        /could not be reached for its keys: .*RIPOSTE_OUTBOUND_ALLOW/,
      );
      assert.equal(keys.counts.jwks, 0, 'the guard stopped it before it connected');
    } finally {
      await h.close();
      await idp.close();
      await keys.close();
    }
  });

  it('names an unreachable provider when a sign-in starts, and answers 404 where single sign-on is off', async () => {
    const config = loadConfig(
      {
        RIPOSTE_OIDC_ISSUER: 'http://127.0.0.1:9',
        RIPOSTE_OIDC_CLIENT_ID: 'x',
        RIPOSTE_OIDC_DEFAULT_ROLE: 'viewer',
      },
      { publicUrl: PUBLIC_URL },
    );
    const h = await startHarness('sqlite', { publicUrl: PUBLIC_URL, oidc: config.oidc });
    const off = await startHarness('sqlite');
    try {
      const start = await h.app.inject({ method: 'GET', url: '/api/v1/session/oidc/login' });
      assertFailure(
        start,
        401,
        'provider_unreachable',
        /could not be reached for its discovery document: .*127\.0\.0\.1:9/,
      );
      const browser = await h.app.inject({
        method: 'GET',
        url: '/api/v1/session/oidc/login',
        headers: { accept: 'text/html' },
      });
      assert.equal(browser.headers.location, '/ui/?sso=failed');
      assert.deepEqual((await off.app.inject({ method: 'GET', url: '/api/v1/session/oidc' })).json(), {
        enabled: false,
        passwordLogin: true,
      });
      for (const path of ['login', 'callback?code=x&state=y']) {
        const answer = await off.app.inject({ method: 'GET', url: `/api/v1/session/oidc/${path}` });
        assert.equal(answer.statusCode, 404);
        assert.match(answer.json().detail, /single sign-on is not configured on this server/);
      }
    } finally {
      await h.close();
      await off.close();
    }
  });
});

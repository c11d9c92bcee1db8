import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from './config.ts';

const BASE = {
  RIPOSTE_OIDC_ISSUER: 'https://login.example.com/oauth2/default',
  RIPOSTE_OIDC_CLIENT_ID: 'riposte',
  RIPOSTE_OIDC_ROLE_MAP: 'soc-admins=admin,soc-leads=manager,soc=analyst',
};

describe('single sign-on settings', () => {
  it('is off without an issuer', () => {
    assert.equal(loadConfig({}).oidc, undefined);
  });

  it('takes the defaults: the redirect URI on the public URL, openid profile email, preferred_username then email', () => {
    const oidc = loadConfig({ ...BASE, RIPOSTE_PUBLIC_URL: 'https://soc.example.com/' }).oidc!;
    assert.equal(oidc.redirectUri, 'https://soc.example.com/api/v1/session/oidc/callback');
    assert.deepEqual(oidc.scopes, ['openid', 'profile', 'email']);
    assert.deepEqual(oidc.usernameClaims, ['preferred_username', 'email']);
    assert.equal(oidc.rolesClaim, 'groups');
    assert.deepEqual(oidc.roleMap, [
      { value: 'soc-admins', role: 'admin' },
      { value: 'soc-leads', role: 'manager' },
      { value: 'soc', role: 'analyst' },
    ]);
    assert.equal(oidc.clientSecret, undefined, 'a public client');
    assert.equal(oidc.defaultRole, undefined);
    assert.equal(oidc.createUsers, true);
    assert.equal(oidc.updateRoles, true);
    assert.equal(oidc.only, false);
    assert.equal(oidc.name, 'SSO');
    assert.equal(oidc.clockSkewSeconds, 60);
    assert.ok(Object.isFrozen(oidc));
  });

  it('takes every setting from the environment', () => {
    const oidc = loadConfig({
      ...BASE,
      RIPOSTE_OIDC_CLIENT_SECRET: 's3cret',
      RIPOSTE_OIDC_SCOPES: 'openid email groups',
      RIPOSTE_OIDC_USERNAME_CLAIM: 'upn',
      RIPOSTE_OIDC_ROLES_CLAIM: 'realm_access.roles',
      RIPOSTE_OIDC_ROLE_MAP: 'cn=soc-team=analyst',
      RIPOSTE_OIDC_DEFAULT_ROLE: 'viewer',
      RIPOSTE_OIDC_CREATE_USERS: 'false',
      RIPOSTE_OIDC_UPDATE_ROLES: '0',
      RIPOSTE_OIDC_ONLY: '1',
      RIPOSTE_OIDC_NAME: 'Okta',
      RIPOSTE_OIDC_LOGOUT_AT_PROVIDER: 'yes',
      RIPOSTE_OIDC_CLOCK_SKEW: '30',
    }).oidc!;
    assert.equal(oidc.clientSecret, 's3cret');
    assert.deepEqual(oidc.scopes, ['openid', 'email', 'groups']);
    assert.deepEqual(oidc.usernameClaims, ['upn']);
    assert.equal(oidc.rolesClaim, 'realm_access.roles');
    assert.deepEqual(
      oidc.roleMap,
      [{ value: 'cn=soc-team', role: 'analyst' }],
      'the role follows the last "="',
    );
    assert.equal(oidc.defaultRole, 'viewer');
    assert.deepEqual(
      [
        oidc.createUsers,
        oidc.updateRoles,
        oidc.only,
        oidc.logoutAtProvider,
        oidc.name,
        oidc.clockSkewSeconds,
      ],
      [false, false, true, true, 'Okta', 30],
    );
  });

  it("reads the file's oidc object, with the environment taking precedence", () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'riposte-oidc-'));
    const file = path.join(dir, 'riposte.json');
    writeFileSync(
      file,
      JSON.stringify({
        oidc: {
          issuer: 'https://kc.example.com/realms/soc',
          clientId: 'from-file',
          roleMap: { 'SOC Analysts, Tier 1': 'analyst' },
          scopes: ['openid', 'roles'],
          only: true,
        },
      }),
    );
    const oidc = loadConfig({ RIPOSTE_CONFIG: file, RIPOSTE_OIDC_CLIENT_ID: 'from-env' }).oidc!;
    assert.equal(oidc.issuer, 'https://kc.example.com/realms/soc');
    assert.equal(oidc.clientId, 'from-env');
    assert.deepEqual(oidc.roleMap, [{ value: 'SOC Analysts, Tier 1', role: 'analyst' }]);
    assert.deepEqual(oidc.scopes, ['openid', 'roles']);
    assert.equal(oidc.only, true);
  });

  it('names the setting that is wrong, and what is expected', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [
        { RIPOSTE_OIDC_CLIENT_ID: 'x' },
        /RIPOSTE_OIDC_CLIENT_ID is set, but single sign-on is off: set RIPOSTE_OIDC_ISSUER too/,
      ],
      [{ RIPOSTE_OIDC_ONLY: '1' }, /RIPOSTE_OIDC_ONLY is set, but single sign-on is off/],
      [
        { ...BASE, RIPOSTE_OIDC_CLIENT_ID: '' },
        /RIPOSTE_OIDC_CLIENT_ID is required with RIPOSTE_OIDC_ISSUER/,
      ],
      [
        { ...BASE, RIPOSTE_OIDC_ISSUER: 'login.example.com' },
        /RIPOSTE_OIDC_ISSUER must be the provider's https:\/\/ issuer URL, got "login\.example\.com"/,
      ],
      [
        { ...BASE, RIPOSTE_OIDC_ISSUER: 'http://login.example.com' },
        /RIPOSTE_OIDC_ISSUER must use https \(http only for a provider on this host/,
      ],
      [
        { ...BASE, RIPOSTE_OIDC_ISSUER: 'https://login.example.com/?tenant=1' },
        /must have no query, fragment or credentials/,
      ],
      [
        { ...BASE, RIPOSTE_OIDC_SCOPES: 'profile email' },
        /RIPOSTE_OIDC_SCOPES must include openid, got "profile email"/,
      ],
      [
        { ...BASE, RIPOSTE_OIDC_ROLE_MAP: 'soc-admins=admin,soc=analist' },
        /RIPOSTE_OIDC_ROLE_MAP entry 2 \("soc=analist"\) must be <group>=<role> with a role of admin, manager, analyst, viewer/,
      ],
      [{ ...BASE, RIPOSTE_OIDC_ROLE_MAP: 'soc' }, /entry 1 \("soc"\)/],
      [
        { ...BASE, RIPOSTE_OIDC_DEFAULT_ROLE: 'root' },
        /RIPOSTE_OIDC_DEFAULT_ROLE the role must be one of admin, manager, analyst, viewer, got "root"/,
      ],
      [
        { ...BASE, RIPOSTE_OIDC_ROLE_MAP: '' },
        /RIPOSTE_OIDC_ROLE_MAP or RIPOSTE_OIDC_DEFAULT_ROLE is needed/,
      ],
      [
        { ...BASE, RIPOSTE_OIDC_CREATE_USERS: 'maybe' },
        /RIPOSTE_OIDC_CREATE_USERS must be true or false, got "maybe"/,
      ],
      [
        { ...BASE, RIPOSTE_OIDC_CLOCK_SKEW: '3600' },
        /RIPOSTE_OIDC_CLOCK_SKEW must be an integer between 0 and 600/,
      ],
      [{ ...BASE, RIPOSTE_OIDC_NAME: 'x'.repeat(65) }, /RIPOSTE_OIDC_NAME must be at most 64 characters/],
      [
        { ...BASE, RIPOSTE_PUBLIC_URL: 'soc.example.com' },
        /RIPOSTE_PUBLIC_URL must be an http\(s\) URL for single sign-on's redirect URI/,
      ],
    ];
    for (const [env, message] of cases) assert.throws(() => loadConfig(env), message, JSON.stringify(env));
  });

  it('lets people keep the roles an admin gives them, without a mapping', () => {
    const oidc = loadConfig({
      ...BASE,
      RIPOSTE_OIDC_ROLE_MAP: '',
      RIPOSTE_OIDC_CREATE_USERS: 'false',
      RIPOSTE_OIDC_UPDATE_ROLES: 'false',
    }).oidc!;
    assert.deepEqual(oidc.roleMap, []);
  });

  it('accepts http for a provider on this host (tests, a local Keycloak)', () => {
    assert.equal(
      loadConfig({ ...BASE, RIPOSTE_OIDC_ISSUER: 'http://127.0.0.1:8081/realms/soc' }).oidc!.issuer,
      'http://127.0.0.1:8081/realms/soc',
    );
    assert.equal(
      loadConfig({ ...BASE, RIPOSTE_OIDC_ISSUER: 'http://localhost:8081' }).oidc!.issuer,
      'http://localhost:8081',
    );
  });
});

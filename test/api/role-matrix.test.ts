import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ROLES, type Role } from '../../src/core/role.ts';
import { hashToken } from '../../src/security/token-hash.ts';
import { neededScope, SCOPE_AREAS } from '../../src/core/token-scope.ts';
import { startHarness, type Harness } from '../support/harness.ts';

/**
 * Every route × every role → allowed or denied. The table is the security contract; a route that is
 * registered but missing here (or listed here but gone) fails the test, so no route is left out.
 */
const ACTOR = { id: 't', type: 'system' as const };
const ALL: Role[] = ['admin', 'manager', 'analyst', 'viewer'];
const ANALYST: Role[] = ['admin', 'manager', 'analyst'];
const MANAGER: Role[] = ['admin', 'manager'];
const ADMIN: Role[] = ['admin'];

const MATRIX: Record<string, 'public' | 'source' | Role[]> = {
  'GET /healthz': 'public',
  'GET /metrics': 'public',
  'GET /api/v1/openapi.json': 'public',
  'GET /docs': 'public',
  'GET /': 'public',
  'GET /ui/*': 'public',
  'POST /api/v1/session': 'public',
  'GET /api/v1/session': ALL,
  'DELETE /api/v1/session': ALL,
  'GET /api/v1/session/oidc': 'public',
  'GET /api/v1/session/oidc/login': 'public',
  'GET /api/v1/session/oidc/callback': 'public',
  'POST /api/v1/sources/:name/alerts': 'source',
  'GET /api/v1/alerts': ALL,
  'GET /api/v1/alerts/:id': ALL,
  'POST /api/v1/alerts/bulk': ANALYST,
  'GET /api/v1/stream': ALL,
  'GET /api/v1/dashboard': ALL,
  'GET /api/v1/views': ALL,
  'POST /api/v1/views': ALL,
  'DELETE /api/v1/views/:id': ALL,
  'GET /api/v1/cases': ALL,
  'GET /api/v1/cases/:id': ALL,
  'PATCH /api/v1/cases/:id': ANALYST,
  'POST /api/v1/cases/:id/comments': ANALYST,
  'POST /api/v1/cases/:id/merge': ANALYST,
  'GET /api/v1/cases/:id/related': ALL,
  'GET /api/v1/cases/:id/report': ALL,
  'POST /api/v1/cases/:id/attachments': ANALYST,
  'GET /api/v1/cases/:id/attachments': ALL,
  'GET /api/v1/cases/:id/attachments/:attachmentId': ALL,
  'DELETE /api/v1/cases/:id/attachments/:attachmentId': ANALYST,
  'GET /api/v1/cases/:id/comments': ALL,
  'GET /api/v1/cases/:id/timeline': ALL,
  'GET /api/v1/cases/:id/observables': ALL,
  'GET /api/v1/people': ALL,
  'GET /api/v1/sources': ANALYST,
  'GET /api/v1/sources/:name': ANALYST,
  'POST /api/v1/sources/:name/pull': ADMIN,
  'POST /api/v1/sources': ADMIN,
  'DELETE /api/v1/sources/:name': ADMIN,
  'PATCH /api/v1/sources/:name': ADMIN,
  'POST /api/v1/sources/:name/rotate-token': ADMIN,
  'GET /api/v1/users': ADMIN,
  'POST /api/v1/users': ADMIN,
  'PATCH /api/v1/users/:id': ADMIN,
  'DELETE /api/v1/users/:id/identity': ADMIN,
  'GET /api/v1/tokens': ADMIN,
  'POST /api/v1/tokens': ADMIN,
  'DELETE /api/v1/tokens/:id': ADMIN,
  'GET /api/v1/assets': ANALYST,
  'PUT /api/v1/assets': MANAGER,
  'GET /api/v1/audit': MANAGER,
  'GET /api/v1/audit/verify': ADMIN,
  'GET /api/v1/schemas/playbook.json': 'public',
  'GET /api/v1/actions': ALL,
  'POST /api/v1/playbooks/validate': ALL,
  'POST /api/v1/playbooks/import/cacao': ANALYST,
  'GET /api/v1/playbooks/:id/cacao': ALL,
  'GET /api/v1/playbooks/:id/metrics': ALL,
  'GET /api/v1/playbook-metrics': ALL,
  'GET /api/v1/playbooks': ALL,
  'POST /api/v1/playbooks': ANALYST,
  'PUT /api/v1/playbooks/:id': ANALYST,
  'GET /api/v1/playbooks/:id': ALL,
  'DELETE /api/v1/playbooks/:id': ANALYST,
  'GET /api/v1/playbooks/:id/versions': ALL,
  'GET /api/v1/playbooks/:id/versions/:version': ALL,
  'GET /api/v1/playbooks/run-outcomes': ALL,
  'GET /api/v1/playbooks/:id/tests': ALL,
  'PUT /api/v1/playbooks/:id/tests': ANALYST,
  'POST /api/v1/playbooks/:id/tests/run': ANALYST,
  'POST /api/v1/playbooks/:id/dry-run': ANALYST,
  'GET /api/v1/runs': ALL,
  'POST /api/v1/runs': ANALYST,
  'GET /api/v1/runs/:id': ALL,
  'POST /api/v1/runs/:id/cancel': ANALYST,
  'POST /api/v1/runs/:id/retry': ANALYST,
  'POST /api/v1/runs/:id/events': ANALYST,
  'GET /api/v1/tasks': ALL,
  'GET /api/v1/tasks/:id': ALL,
  'GET /api/v1/approvals': ALL,
  'GET /api/v1/approvals/:id': ALL,
  'POST /api/v1/tasks/:id/answer': ANALYST,
  'POST /api/v1/approvals/:id/decision': ANALYST,
  'POST /api/v1/approvals/:id/links': MANAGER,
  'GET /api/v1/secrets': ADMIN,
  'PUT /api/v1/secrets/:name': ADMIN,
  'DELETE /api/v1/secrets/:name': ADMIN,
  'GET /api/v1/integrations': ALL,
  'GET /api/v1/integrations/:id': ALL,
  'GET /api/v1/integration-instances': ALL,
  'PUT /api/v1/integrations/:id/instances/:name': ADMIN,
  'DELETE /api/v1/integrations/:id/instances/:name': ADMIN,
  'POST /api/v1/integrations/:id/instances/:name/test': ANALYST,
  'GET /api/v1/enrichment': ALL,
  'GET /api/v1/response/rules': MANAGER,
  'POST /api/v1/response/rules': ADMIN,
  'DELETE /api/v1/response/rules/:id': ADMIN,
  'GET /api/v1/response/kill-switch': ALL,
  'PUT /api/v1/response/kill-switch': MANAGER,
  'GET /api/v1/cases/:id/actions': ALL,
  'POST /api/v1/cases/:id/rollback': ANALYST,
  'POST /api/v1/runs/:id/override': ADMIN,
  'GET /edl/:name': 'public',
  'GET /api/v1/edl': ANALYST,
  'POST /api/v1/edl': ADMIN,
  'POST /api/v1/integrations/openapi': ADMIN,
  'POST /api/v1/intel/imports': ANALYST,
  'GET /api/v1/intel/indicators': ALL,
  'DELETE /api/v1/intel/indicators': ADMIN,
  'GET /api/v1/intel/feeds': ANALYST,
  'PUT /api/v1/intel/feeds/:name': ADMIN,
  'DELETE /api/v1/intel/feeds/:name': ADMIN,
  'GET /api/v1/tenants': ADMIN,
  'POST /api/v1/tenants': ADMIN,
  'PATCH /api/v1/tenants/:slug': ADMIN,
  'DELETE /api/v1/tenants/:slug': ADMIN,
};

describe('route × role matrix', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness('sqlite');
  });
  after(() => h.close());

  it('lists every registered route exactly once', () => {
    const registered = h.server.openapi.operations.map((op) => `${op.method.toUpperCase()} ${op.url}`).sort();
    assert.deepEqual(registered, Object.keys(MATRIX).sort());
  });

  it('declares in each route the roles the matrix expects', () => {
    for (const op of h.server.openapi.operations) {
      const expected = MATRIX[`${op.method.toUpperCase()} ${op.url}`];
      assert.deepEqual(
        op.auth === 'public' || op.auth === 'source'
          ? op.auth
          : op.auth === 'authenticated'
            ? [...ALL].sort()
            : [...op.auth].sort(),
        Array.isArray(expected) ? [...expected].sort() : expected,
        `${op.method} ${op.url}`,
      );
    }
  });

  for (const [route, allowed] of Object.entries(MATRIX)) {
    if (allowed === 'public' || allowed === 'source') continue;
    const [method, template] = route.split(' ') as [string, string];
    // The live stream never ends by itself: `max=0` closes it right after it opens.
    const url =
      template === '/api/v1/stream'
        ? '/api/v1/stream?max=0'
        : template.replace(':id', 'does-not-exist').replace(/:name|:slug/, 'does-not-exist');
    it(`${route}: ${allowed.join(', ')} allowed, the rest 403, anonymous 401`, async () => {
      const anonymous = await h.app.inject({
        method: method as 'GET',
        url,
        payload: method === 'GET' || method === 'DELETE' ? undefined : {},
      });
      assert.equal(anonymous.statusCode, 401, `anonymous ${route}: ${anonymous.body}`);
      for (const role of ROLES) {
        // Logging out through a token is harmless; other calls carry an empty body that fails validation after auth.
        const res = await h.as(role, {
          method: method as 'GET',
          url,
          payload: method === 'GET' || method === 'DELETE' ? undefined : {},
        });
        if (allowed.includes(role))
          assert.notEqual(res.statusCode, 403, `${role} should be allowed ${route}: ${res.body}`);
        else {
          assert.equal(res.statusCode, 403, `${role} should be denied ${route}: ${res.body}`);
          assert.equal(res.json().code, 'forbidden');
        }
      }
    });
  }

  it('gives every authenticated route an area that token scopes name', () => {
    for (const op of h.server.openapi.operations) {
      if (op.auth === 'public' || op.auth === 'source') continue;
      const tags = op.schema['tags'] as string[] | undefined;
      assert.ok(
        tags !== undefined && (SCOPE_AREAS as readonly string[]).includes(tags[0]!),
        `${op.method} ${op.url} has tags ${JSON.stringify(tags)}, not one of the scope areas`,
      );
    }
  });

  it('a scoped admin token reaches each route only with its area and access in its scopes', async () => {
    const tokens = new Map<string, string>();
    const scoped = async (scopes: string[]) => {
      const key = scopes.join(',');
      if (!tokens.has(key))
        tokens.set(
          key,
          (await h.riposte.tokens.create({ name: `scoped ${key}`, role: 'admin', scopes }, ACTOR)).token,
        );
      return tokens.get(key)!;
    };
    for (const op of h.server.openapi.operations) {
      if (op.auth === 'public' || op.auth === 'source') continue;
      const method = op.method.toUpperCase();
      const area = (op.schema['tags'] as string[])[0]!;
      const needed = neededScope(area, method);
      const url =
        op.url === '/api/v1/stream' ? '/api/v1/stream?max=0' : op.url.replace(/:[a-z]+/g, 'does-not-exist');
      const call = async (token: string) =>
        h.app.inject({
          method: method as 'GET',
          url,
          payload: method === 'GET' || method === 'DELETE' ? undefined : {},
          headers: { authorization: `Bearer ${token}` },
        });
      const allowed = await call(await scoped([needed]));
      assert.notEqual(allowed.statusCode, 403, `${method} ${op.url} with ${needed}: ${allowed.body}`);
      const other = area === 'views' ? 'cases:*' : 'views:*';
      const refused = await call(await scoped([other]));
      assert.equal(refused.statusCode, 403, `${method} ${op.url} with ${other}`);
      assert.match(refused.json().detail, new RegExp(`do not include ${needed}`));
      if (needed.endsWith(':write')) {
        const readOnly = await call(await scoped([`${area}:read`]));
        assert.equal(readOnly.statusCode, 403, `${method} ${op.url} with ${area}:read`);
      }
    }
  });

  it('creates a scoped token through the API, lists its scopes, and names a bad scope', async () => {
    const created = await h.as('admin', {
      method: 'POST',
      url: '/api/v1/tokens',
      payload: { name: 'siem reader', role: 'analyst', scopes: ['cases:read', 'alerts:read'] },
    });
    assert.equal(created.statusCode, 201, created.body);
    assert.deepEqual(created.json().scopes, ['cases:read', 'alerts:read']);
    const listed = await h.as('admin', { method: 'GET', url: '/api/v1/tokens' });
    assert.deepEqual(listed.json().items.find((t: { name: string }) => t.name === 'siem reader').scopes, [
      'cases:read',
      'alerts:read',
    ]);
    const token = created.json().token as string;
    const read = await h.app.inject({
      method: 'GET',
      url: '/api/v1/cases',
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(read.statusCode, 200);
    const write = await h.app.inject({
      method: 'POST',
      url: '/api/v1/alerts/bulk',
      payload: {},
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(write.statusCode, 403);
    for (const [scopes, path] of [
      [['case:read'], '/scopes/0'],
      [['cases:read', 'cases:delete'], '/scopes/1'],
      [[], '/scopes'],
    ] as const) {
      const bad = await h.as('admin', {
        method: 'POST',
        url: '/api/v1/tokens',
        payload: { name: 'bad', role: 'viewer', scopes },
      });
      assert.equal(bad.statusCode, 400, bad.body);
      assert.equal(bad.json().path, path);
    }
  });

  it('an expired or revoked token is refused', async () => {
    const { token, info } = await h.riposte.tokens.create(
      { name: 'short', role: 'admin' },
      { id: 't', type: 'system' },
    );
    assert.equal(
      (
        await h.app.inject({
          method: 'GET',
          url: '/api/v1/alerts',
          headers: { authorization: `Bearer ${token}` },
        })
      ).statusCode,
      200,
    );
    await h.riposte.tokens.revoke(info.id, { id: 't', type: 'system' });
    const res = await h.app.inject({
      method: 'GET',
      url: '/api/v1/alerts',
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().code, 'invalid_token');
    const expired = 'rpt_tok_expired.secret';
    await h.riposte.database.db
      .insertInto('api_tokens')
      .values({
        id: 'tok_expired',
        name: 'old',
        role: 'admin',
        secret_hash: hashToken(expired),
        created_by: 't',
        created_at: '2020-01-01T00:00:00Z',
        expires_at: '2020-01-02T00:00:00Z',
        revoked_at: null,
        last_used_at: null,
      })
      .execute();
    const old = await h.app.inject({
      method: 'GET',
      url: '/api/v1/alerts',
      headers: { authorization: `Bearer ${expired}` },
    });
    assert.equal(old.statusCode, 401);
  });

  it('throttles password guessing: the 11th failed login for a user answers 429 with Retry-After', async () => {
    await h.riposte.users.create(
      { username: 'target', role: 'viewer', password: 'the right password' },
      { id: 't', type: 'system' },
    );
    for (let i = 0; i < 10; i++) {
      const res = await h.app.inject({
        method: 'POST',
        url: '/api/v1/session',
        payload: { username: 'target', password: `guess ${i}` },
        remoteAddress: `198.51.100.${i + 1}`,
      });
      assert.equal(res.statusCode, 401);
    }
    const blocked = await h.app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { username: 'target', password: 'the right password' },
      remoteAddress: '198.51.100.99',
    });
    assert.equal(blocked.statusCode, 429);
    assert.equal(blocked.json().code, 'rate_limited');
    assert.ok(Number(blocked.headers['retry-after']) > 0);
  });

  it('throttles guesses sent all at once: ten are checked, the others answer 429', async () => {
    await h.riposte.users.create(
      { username: 'burst', role: 'viewer', password: 'the right password' },
      { id: 't', type: 'system' },
    );
    const answers = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        h.app.inject({
          method: 'POST',
          url: '/api/v1/session',
          payload: { username: 'burst', password: `guess ${i}` },
          remoteAddress: `198.51.100.${100 + i}`,
        }),
      ),
    );
    const statuses = answers.map((a) => a.statusCode);
    assert.equal(statuses.filter((s) => s === 401).length, 10, statuses.join(' '));
    assert.equal(statuses.filter((s) => s === 429).length, 15, statuses.join(' '));
  });

  it('logs a person in with an HttpOnly SameSite cookie, and the cookie carries their role', async () => {
    await h.riposte.users.create(
      { username: 'vera', role: 'viewer', password: 'a long enough password' },
      { id: 't', type: 'system' },
    );
    const wrong = await h.app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { username: 'vera', password: 'nope nope nope' },
    });
    assert.equal(wrong.statusCode, 401);
    assert.equal(wrong.json().code, 'invalid_credentials');
    const login = await h.app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { username: 'vera', password: 'a long enough password' },
    });
    assert.equal(login.statusCode, 200, login.body);
    const cookie = String(login.headers['set-cookie']);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    const session = cookie.split(';')[0]!;
    const me = await h.app.inject({ method: 'GET', url: '/api/v1/session', headers: { cookie: session } });
    assert.equal(me.json().principal.role, 'viewer');
    const denied = await h.app.inject({
      method: 'PATCH',
      url: '/api/v1/cases/x',
      headers: { cookie: session },
      payload: {},
    });
    assert.equal(denied.statusCode, 403);
    const crossSite = await h.app.inject({
      method: 'DELETE',
      url: '/api/v1/session',
      headers: { cookie: session, origin: 'https://evil.example', host: 'localhost' },
    });
    assert.equal(crossSite.statusCode, 403);
    const logout = await h.app.inject({
      method: 'DELETE',
      url: '/api/v1/session',
      headers: { cookie: session },
    });
    assert.equal(logout.statusCode, 204);
    assert.equal(
      (await h.app.inject({ method: 'GET', url: '/api/v1/session', headers: { cookie: session } }))
        .statusCode,
      401,
    );
  });
});

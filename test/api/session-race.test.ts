import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { ADVISORY_LOCKS } from '../../src/store/advisory-locks.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { startWhileHeld } from '../support/interleave.ts';
import { databaseKinds } from '../support/test-databases.ts';

/**
 * A password reset that lands while the same person logs in ends that login's session too: the
 * login checks the password outside its transaction (scrypt is slow), so its transaction must see,
 * or wait for, a reset. PostgreSQL only: SQLite lets one transaction in at a time.
 */
for (const kind of databaseKinds()) {
  if (kind !== 'postgres') continue;
  describe(`login racing a password reset on ${kind}`, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(kind);
    });
    after(() => h.close());

    it('leaves no session behind that the reset should have ended', async () => {
      const user = await h.riposte.users.create(
        { username: 'riley', role: 'viewer', password: 'the old password here' },
        { id: 't', type: 'system' },
      );
      // Both transactions end with an audit row: holding the audit lock stops each one just before its
      // commit, the login with its session written and the reset with its sessions deleted.
      const [login, reset] = await startWhileHeld(
        h.riposte.database.db,
        sql`SELECT pg_advisory_xact_lock(${sql.lit(ADVISORY_LOCKS.audit)})`,
        () =>
          h.app.inject({
            method: 'POST',
            url: '/api/v1/session',
            payload: { username: 'riley', password: 'the old password here' },
          }),
        () =>
          h.as('admin', {
            method: 'PATCH',
            url: `/api/v1/users/${user.id}`,
            payload: { password: 'a brand new password' },
          }),
        400,
      );
      assert.equal(reset.statusCode, 200, reset.body);
      if (login.statusCode === 200) {
        const session = String(login.headers['set-cookie']).split(';')[0]!;
        const me = await h.app.inject({
          method: 'GET',
          url: '/api/v1/session',
          headers: { cookie: session },
        });
        assert.equal(me.statusCode, 401, 'the session the reset should have ended still works');
      } else {
        assert.equal(login.statusCode, 401, login.body);
      }
    });
  });
}

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHarness, type Harness } from '../support/harness.ts';
import { databaseKinds } from '../support/test-databases.ts';

/**
 * Two people (or a retried script) creating the same thing at the same moment: one is created, the
 * others answer 409 `conflict`, never a 500 — whichever request finds the name taken, by its own
 * check or by the database's unique key.
 */
for (const kind of databaseKinds()) {
  describe(`concurrent creates on ${kind}`, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(kind);
    });
    after(() => h.close());

    /** Five requests at once, ten rounds (the race does not show every time); per round one 201. */
    const race = async (request: (round: number) => Promise<{ statusCode: number; body: string }>) => {
      for (let round = 0; round < 10; round++) {
        const answers = await Promise.all(Array.from({ length: 5 }, () => request(round)));
        const statuses = answers.map((a) => a.statusCode).sort();
        assert.deepEqual(statuses, [201, 409, 409, 409, 409], answers.map((a) => a.body).join('\n'));
        for (const a of answers.filter((x) => x.statusCode === 409))
          assert.equal(JSON.parse(a.body).code, 'conflict');
      }
    };

    it('a source created five times at once', () =>
      race((round) =>
        h.as('admin', {
          method: 'POST',
          url: '/api/v1/sources',
          payload: { name: `twice-${round}`, format: 'suricata' },
        }),
      ));

    it('a user created five times at once', () =>
      race((round) =>
        h.as('admin', {
          method: 'POST',
          url: '/api/v1/users',
          payload: { username: `twin-${round}`, role: 'viewer', password: 'a long enough password' },
        }),
      ));
  });
}

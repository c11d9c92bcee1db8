import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { clockCorrectionMs, correctClock, nowIso, nowMs } from '../../src/core/clock.ts';
import { DatabaseClock } from '../../src/store/database-clock.ts';
import { databaseKinds, useMigratedDatabase } from '../support/test-databases.ts';

const TEN_MINUTES = 600_000;

/** The process's time follows the database's clock, corrected by the offset measured (src/core/clock.ts). */
for (const kind of databaseKinds()) {
  describe(`the database clock on ${kind}`, () => {
    const suite = useMigratedDatabase(kind);
    afterEach(() => correctClock(0));
    const clock = (local: () => number) =>
      new DatabaseClock(suite.database.db, suite.database.dialect, { local, correctsProcess: true });

    it('leaves the process’s time alone when the clocks agree within what a reading can tell', async () => {
      const same = clock(() => Date.now());
      for (let i = 0; i < 20; i++) {
        const offset = await same.sync();
        assert.ok(Math.abs(offset) < 50, `offset ${offset} ms on one host`);
        assert.equal(
          clockCorrectionMs(),
          0,
          `corrected by ${clockCorrectionMs()} ms after a reading of ${offset}`,
        );
      }
    });

    it('corrects the process’s time by the offset of a clock ten minutes slow, and again when it moves', async () => {
      const slow = clock(() => Date.now() - TEN_MINUTES);
      const offset = await slow.sync();
      assert.ok(Math.abs(offset - TEN_MINUTES) < 1_000, `offset ${offset} ms`);
      assert.equal(clockCorrectionMs(), offset);
      // What the process records is the slow clock's time plus the correction: the database's.
      assert.ok(Math.abs(nowMs() - Date.now() - offset) <= 1);
      assert.ok(Math.abs(Date.parse(nowIso()) - Date.now() - offset) <= 2);
      // A second reading that agrees (within its own uncertainty) changes nothing.
      await slow.sync();
      assert.equal(clockCorrectionMs(), offset, 'the correction kept still');
      // The clock is stepped (NTP): the next reading moves the correction.
      const stepped = clock(() => Date.now() + 5_000);
      const after = await stepped.sync();
      assert.ok(Math.abs(after + 5_000) < 1_000, `offset ${after} ms`);
      assert.equal(clockCorrectionMs(), after);
    });

    it('a clock that does not correct the process only measures', async () => {
      const measuring = new DatabaseClock(suite.database.db, suite.database.dialect, {
        local: () => Date.now() + TEN_MINUTES,
      });
      const offset = await measuring.sync();
      assert.ok(Math.abs(offset + TEN_MINUTES) < 1_000);
      assert.equal(clockCorrectionMs(), 0);
      assert.ok(Math.abs(measuring.now() - Date.now()) < 1_000, 'its own now is the database’s');
    });
  });
}

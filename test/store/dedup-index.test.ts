import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { AuditLog } from '../../src/audit/audit-log.ts';
import { newId } from '../../src/core/ids.ts';
import { dedupIndexFor } from '../../src/ingest/dedup-index.ts';
import { IngestWriter } from '../../src/ingest/ingest-writer.ts';
import { preparedAlert, type PreparedAlert } from '../../src/ingest/prepare-body.ts';
import { normalizerFor } from '../../src/ingest/normalizers/registry.ts';
import { openDatabase, type Database } from '../../src/store/database.ts';
import { migrate } from '../../src/store/migrator.ts';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';
import { createTestDatabase, useMigratedDatabase } from '../support/test-databases.ts';

/**
 * SQLite's two-tier dedup index (src/ingest/dedup-index.ts, migration 0015): alerts stored since the
 * last merge are found through memory, older ones through `alert_fingerprints`; a merge moves the
 * recent ones into the table; another writer's alerts (another connection, or another writer on the
 * same one) and a restart are caught by the largest rowid having moved.
 */
describe('dedup index on sqlite', () => {
  const suite = useMigratedDatabase('sqlite');

  const writerOn = (db: Database, mergeAt: number) =>
    new IngestWriter({
      db: db.db,
      dialect: 'sqlite',
      audit: new AuditLog(Buffer.alloc(32, 7), 'sqlite'),
      dedupWindowSeconds: 3600,
      dedupMergeAt: mergeAt,
    });
  let sid = 0;
  /** A new record (its own signature id, so its own fingerprint). */
  const record = (): PreparedAlert => {
    const draft = normalizerFor('suricata').normalize(eveAlert({ srcIp: '10.4.0.1', sid: ++sid }), {
      receivedAt: '2026-11-30T10:00:00.000Z',
      options: {},
    });
    return preparedAlert('ids', draft);
  };
  const write = (writer: IngestWriter, alerts: PreparedAlert[]) =>
    writer.write({
      source: 'ids',
      format: 'suricata',
      actor: { id: 'ids', type: 'source' },
      alerts,
      rejected: 0,
    });
  const merged = async () => {
    const { rows } = await sql<{ mark: number; entries: number; alerts: number }>`SELECT
      (SELECT merged_rowid FROM dedup_merge) AS mark,
      (SELECT count(*) FROM alert_fingerprints) AS entries,
      (SELECT max(rowid) FROM alerts) AS alerts`.execute(suite.database.db);
    return rows[0]!;
  };

  it('finds repeats of recent alerts and of merged ones, and merges when the recent tier is full', async () => {
    const writer = writerOn(suite.database, 4);
    const first = [record(), record()];
    const stored = await write(writer, first);
    // The first transaction merged what was on disk (nothing); these two are in memory only.
    assert.equal((await merged()).entries, 0);
    const again = await write(writer, [first[1]!]);
    assert.deepEqual(again, { alertIds: [stored.alertIds[1]!], duplicates: 1 });

    const more = [record(), record()];
    const moreStored = await write(writer, more);
    let state = await merged();
    assert.equal(
      state.entries,
      0,
      'four recent alerts reached mergeAt: frozen, for the next commits to write',
    );
    assert.ok(state.mark < state.alerts);

    // The generation is written a slice per commit (a quarter here: one prefix each), and its
    // alerts are found throughout: through memory, then the table, and both while it is half-written.
    const repeats = await write(writer, [first[0]!, more[1]!, record()]);
    assert.equal(repeats.duplicates, 2, 'found through the frozen generation in memory');
    assert.equal(repeats.alertIds[0], stored.alertIds[0]);
    assert.equal((await merged()).entries, 1);
    const halfway = await write(writer, [...first, ...more, record()]);
    assert.equal(halfway.duplicates, 4, 'found with the generation half in the table');
    state = await merged();
    assert.equal(state.entries, 2);
    assert.ok(state.mark < state.alerts, 'the mark moves only with the last slice');
    await write(writer, [record()]);
    assert.equal((await merged()).entries, 3);
    // The recent tier is full again: this commit writes what is left of the generation at once.
    await write(writer, [record()]);
    state = await merged();
    assert.equal(state.entries, 4);
    const { rows: tops } = await sql<{ rowid: number }>`SELECT rowid FROM alerts
      WHERE id = ${moreStored.alertIds[1]!}`.execute(suite.database.db);
    assert.equal(state.mark, Number(tops[0]!.rowid), 'the mark is the generation’s newest alert');
    // Merged from memory: each entry names its alert's rowid under that alert's own prefix.
    const { rows } = await sql<{ prefix: string; fingerprint: string | null }>`SELECT f.prefix, a.fingerprint
      FROM alert_fingerprints f LEFT JOIN alerts a ON a.rowid = f.alert_rowid`.execute(suite.database.db);
    assert.deepEqual(
      rows.map((r) => r.prefix === r.fingerprint?.slice(0, 6)),
      [true, true, true, true],
    );
    assert.deepEqual(
      new Set(rows.map((r) => r.fingerprint)),
      new Set([...first, ...more].map((a) => a.fingerprint)),
    );

    const counts = await suite.database.db
      .selectFrom('alerts')
      .select(['id', 'count'])
      .where('id', 'in', stored.alertIds)
      .orderBy('id')
      .execute();
    assert.deepEqual(
      counts.map((r) => Number(r.count)),
      [3, 3],
    );
  });

  it('the merged tier is read by its key, and each alert by its rowid', async () => {
    const plan = await sql<{ detail: string }>`EXPLAIN QUERY PLAN SELECT a.id FROM alert_fingerprints f
      JOIN alerts a ON a.rowid = f.alert_rowid
      WHERE f.prefix IN ('AAAAAA', 'BBBBBB') AND a.fingerprint IN ('x', 'y')
        AND a.last_seen >= '2026-01-01' AND a.first_seen <= '2027-01-01'`.execute(suite.database.db);
    const detail = plan.rows.map((r) => r.detail).join('\n');
    assert.match(detail, /SEARCH f USING PRIMARY KEY \(prefix=\?\)/);
    assert.match(detail, /SEARCH a USING INTEGER PRIMARY KEY \(rowid=\?\)/);
  });

  it("counts repeats of alerts another connection stored while this writer's recent ones were in memory", async () => {
    const server = writerOn(suite.database, 1_000);
    const own = record();
    const ownStored = await write(server, [own]);
    assert.ok((await merged()).mark < (await merged()).alerts, 'the server holds its alert in memory');

    // The CLI beside a running server: its own connection and writer.
    const cli = openDatabase(suite.url);
    try {
      const other = record();
      const cliWriter = writerOn(cli, 1_000);
      const otherStored = await write(cliWriter, [other]);
      assert.equal(
        (await write(cliWriter, [own])).duplicates,
        1,
        "the CLI finds the server's unmerged alert",
      );

      const repeats = await write(server, [own, other]);
      assert.deepEqual(repeats, {
        alertIds: [ownStored.alertIds[0]!, otherStored.alertIds[0]!],
        duplicates: 2,
      });
    } finally {
      await cli.close();
    }
  });

  it('a restarted writer finds the alerts the last one held only in memory', async () => {
    const before = writerOn(suite.database, 1_000);
    const kept = record();
    const stored = await write(before, [kept]);
    const state = await merged();
    assert.ok(state.mark < state.alerts, 'not merged yet');

    const restarted = writerOn(suite.database, 1_000);
    assert.deepEqual(await write(restarted, [kept]), { alertIds: stored.alertIds, duplicates: 1 });
  });

  it('writes the rest of a generation in one commit when the recent tier fills before its slices are done', async () => {
    const writer = writerOn(suite.database, 4);
    await write(writer, [record()]); // settles what is on disk
    await write(writer, [record(), record(), record()]); // the recent tier reaches 4: frozen
    const frozen = await merged();
    assert.ok(frozen.mark < frozen.alerts);

    await write(writer, [record(), record(), record(), record()]); // four more: full again
    const state = await merged();
    assert.equal(state.entries, frozen.entries + 4, 'the whole generation, not a slice');
    assert.equal(state.mark, frozen.alerts, 'its newest alert is the mark');
  });

  it('a writer restarted halfway through writing a generation merges the rest from the table', async () => {
    const before = writerOn(suite.database, 4);
    await write(before, [record()]); // settles what is on disk
    const generation = [record(), record(), record(), record()];
    const stored = await write(before, generation);
    await write(before, [record()]); // the first slice
    const half = await merged();
    assert.ok(half.mark < half.alerts, 'half-written');
    const entriesBefore = half.entries;

    const restarted = writerOn(suite.database, 4);
    const repeats = await write(restarted, generation);
    assert.deepEqual(repeats, { alertIds: stored.alertIds, duplicates: 4 });
    const state = await merged();
    assert.equal(state.mark, state.alerts);
    // Every alert past the old mark once (the slice already written was skipped, not doubled).
    assert.equal(state.entries, entriesBefore + (half.alerts - half.mark) - 1);
    const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM alerts a
      WHERE NOT EXISTS (SELECT 1 FROM alert_fingerprints f WHERE f.alert_rowid = a.rowid)`.execute(
      suite.database.db,
    );
    assert.equal(Number(rows[0]!.n), 0, 'every alert is in the table');
  });

  it('merges from the table when a transaction holds alerts it was not told of', async () => {
    const index = dedupIndexFor('sqlite', 1_000);
    const template = await suite.database.db
      .selectFrom('alerts')
      .selectAll()
      .limit(1)
      .executeTakeFirstOrThrow();
    const rows = ['X1', 'X2', 'X3'].map((k) => ({
      ...template,
      id: newId('alert_'),
      fingerprint: k.repeat(20),
    }));
    const lookup = await suite.database.db.transaction().execute(async (trx) => {
      const opened = await index.begin(trx);
      await trx.insertInto('alerts').values(rows).execute();
      // Told of two: the third took a rowid the index cannot account for.
      await opened.stored(rows.slice(0, 2));
      return opened;
    });
    lookup.committed();
    const state = await merged();
    assert.equal(state.mark, state.alerts, 'everything up to the newest alert is in the table');
    const { rows: entries } = await sql<{ n: number }>`SELECT count(*) AS n FROM alert_fingerprints f
      JOIN alerts a ON a.rowid = f.alert_rowid WHERE a.id IN (${sql.join(rows.map((r) => r.id))})`.execute(
      suite.database.db,
    );
    assert.equal(Number(entries[0]!.n), 3);
  });

  it('finds a repeat of a merged alert after the database is vacuumed', async () => {
    const writer = writerOn(suite.database, 1);
    const kept = record();
    const stored = await write(writer, [kept]);
    // The next commit writes the generation `kept` froze into.
    await write(writer, [record()]);
    const state = await merged();
    assert.equal(state.mark, state.alerts - 1, 'kept is merged');
    await sql`VACUUM`.execute(suite.database.db);
    assert.deepEqual(await write(writerOn(suite.database, 1_000), [kept]), {
      alertIds: stored.alertIds,
      duplicates: 1,
    });
  });

  it('migration 0015 moves the alerts of an older database into the merged tier', async () => {
    const older = await createTestDatabase('sqlite');
    const db = openDatabase(older.url);
    try {
      await migrate(db);
      const repeated = record();
      const stored = await write(writerOn(db, 1_000), [repeated, record(), record()]);
      // Back to the schema 0014 left, these alerts in it: the expression index, no tiers.
      await sql`DROP TABLE alert_fingerprints`.execute(db.db);
      await sql`DROP TABLE dedup_merge`.execute(db.db);
      await sql`CREATE INDEX alerts_fingerprint_short ON alerts (substr(fingerprint, 1, 6))`.execute(db.db);
      await sql`DELETE FROM riposte_migrations WHERE name = '0015-fingerprint-tiers'`.execute(db.db);

      assert.deepEqual((await migrate(db)).applied, ['0015-fingerprint-tiers']);
      const { rows } = await sql<{ prefix: string; fingerprint: string }>`SELECT f.prefix, a.fingerprint
        FROM alert_fingerprints f JOIN alerts a ON a.rowid = f.alert_rowid`.execute(db.db);
      assert.equal(rows.length, 3);
      for (const row of rows) assert.equal(row.prefix, row.fingerprint.slice(0, 6));
      const indexes = await sql<{ name: string }>`SELECT name FROM sqlite_master
        WHERE type = 'index' AND name = 'alerts_fingerprint_short'`.execute(db.db);
      assert.equal(indexes.rows.length, 0, 'the expression index is gone');
      assert.equal((await write(writerOn(db, 1_000), [repeated])).alertIds[0], stored.alertIds[0]);
    } finally {
      await db.close();
      await older.drop();
    }
  });
});

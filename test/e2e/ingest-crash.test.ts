import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { openDatabase } from '../../src/store/database.ts';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';
import { startServe } from '../support/serve-process.ts';
import { until } from '../support/until.ts';
import {
  createTestDatabase,
  databaseKinds,
  processEnv,
  type TestDatabase,
} from '../support/test-databases.ts';

const BIN = new URL('../../bin/riposte.js', import.meta.url).pathname;
const KILLS = 4;
/** Clients posting one alert per request, and clients posting arrays of BATCH. */
const SINGLE_CLIENTS = 12;
const BULK_CLIENTS = 2;
const BATCH = 40;
const DEADLINE_MS = 120_000;
/** Alerts each round acknowledges before its kill may come. */
const ROUND_ACKS = 60;

type Eve = ReturnType<typeof eveAlert>;

/** The n-th distinct record: its rule, addresses and host name all differ from every other's. */
function record(n: number): Eve {
  return eveAlert({
    sid: 3_000_000 + n,
    srcIp: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
    destIp: `198.51.100.${n % 250}`,
    hostname: `h${n}.crash.example.com`,
  });
}

/**
 * "Nothing acknowledged is lost" (ingest's contract: 202 only after a durable commit), with the
 * server killed with SIGKILL while clients post single alerts and arrays at full speed. After each
 * kill the server is started again on the same database. At the end:
 *
 * - every alert id a 202 named is stored, once, with its case (grouping is in the same transaction);
 * - every record is re-posted, the acknowledged and the unanswered (a client retrying after a
 *   dropped connection): each acknowledged one is counted as a duplicate of the alert it was given,
 *   and no fingerprint has two alerts — dedup's memory (SQLite's recent tier) is rebuilt after a crash;
 * - each case counts exactly the alerts it holds, and `riposte audit verify` passes.
 */
for (const kind of databaseKinds()) {
  describe(`ingest crash test (${kind})`, () => {
    let db: TestDatabase;
    let env: NodeJS.ProcessEnv;
    let token = '';

    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: 60_000 });

    before(async () => {
      db = await createTestDatabase(kind);
      env = processEnv(db, { RIPOSTE_LOG_LEVEL: 'warn' });
      const created = cli('source', 'create', '--name', 'lab', '--format', 'suricata');
      assert.equal(created.status, 0, created.stderr);
      token = created.stdout.trim();
    });
    after(() => db.drop());

    const post = (base: string, body: Eve | Eve[]) =>
      fetch(`${base}/api/v1/sources/lab/alerts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    it('keeps every acknowledged alert, once, across SIGKILLs at random moments', async () => {
      const deadline = Date.now() + DEADLINE_MS;
      /** Record number → the alert id its 202 named. */
      const acknowledged = new Map<number, string>();
      /** Records sent whose answer never came (the connection died with the server). */
      const unanswered = new Set<number>();
      let next = 0;
      let midFlight = 0;

      for (let round = 0; round < KILLS; round++) {
        const { child, base } = await startServe(env);
        const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
        let killed = false;
        let inFlight = 0;
        const client = async (size: number): Promise<void> => {
          while (!killed) {
            const numbers = Array.from({ length: size }, () => next++);
            inFlight++;
            let answer: { status: number; body: { alertIds?: string[]; duplicates?: number } };
            try {
              const response = await post(base, size === 1 ? record(numbers[0]!) : numbers.map(record));
              answer = { status: response.status, body: (await response.json()) as typeof answer.body };
            } catch (error) {
              // The connection died with the server: the records may or may not be stored.
              if (!killed) throw error;
              for (const n of numbers) unanswered.add(n);
              continue;
            } finally {
              inFlight--;
            }
            assert.equal(answer.status, 202, JSON.stringify(answer.body));
            assert.equal(answer.body.duplicates, 0);
            numbers.forEach((n, i) => acknowledged.set(n, answer.body.alertIds![i]!));
          }
        };
        const clients = [
          ...Array.from({ length: SINGLE_CLIENTS }, () => client(1)),
          ...Array.from({ length: BULK_CLIENTS }, () => client(BATCH)),
        ];
        // Under load until this round has acknowledged some alerts (a slow machine can take seconds
        // to answer the first), then killed at a random moment after that.
        const before = acknowledged.size;
        await until(
          `${ROUND_ACKS} acknowledgements in round ${round}`,
          () => acknowledged.size - before >= ROUND_ACKS,
          Math.max(1, deadline - Date.now()),
        );
        await new Promise((r) => setTimeout(r, Math.random() * 1500));
        if (inFlight > 0) midFlight++;
        killed = true;
        child.kill('SIGKILL');
        await exited;
        await Promise.all(clients);
        assert.ok(Date.now() < deadline, 'the crash loop ran out of time');
      }
      assert.ok(midFlight >= KILLS / 2, `only ${midFlight} of ${KILLS} kills landed with requests in flight`);
      assert.ok(unanswered.size > 0, 'no request was cut off by a kill');

      // Every record again, acknowledged or not, to a server started after the last kill.
      const { child, base, stderr } = await startServe(env);
      try {
        const numbers = [...acknowledged.keys(), ...unanswered].sort((a, b) => a - b);
        for (let i = 0; i < numbers.length; i += 500) {
          const part = numbers.slice(i, i + 500);
          const response = await post(base, part.map(record));
          const body = (await response.json()) as { alertIds: string[]; accepted: number };
          assert.equal(response.status, 202, JSON.stringify(body));
          part.forEach((n, j) => {
            const known = acknowledged.get(n);
            if (known !== undefined)
              assert.equal(body.alertIds[j], known, `record ${n} is counted on the alert it was given`);
          });
        }
      } finally {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.on('exit', resolve));
      }
      assert.doesNotMatch(stderr(), /"level":(50|60)/, 'no error was logged');

      const database = openDatabase(db.url);
      try {
        const ids = [...acknowledged.values()];
        const stored = new Map<string, { case_id: string | null; count: number }>();
        for (let i = 0; i < ids.length; i += 500) {
          const rows = await database.db
            .selectFrom('alerts')
            .select(['id', 'case_id', 'count'])
            .where('id', 'in', ids.slice(i, i + 500))
            .execute();
          for (const row of rows) stored.set(row.id, { case_id: row.case_id, count: Number(row.count) });
        }
        const lost = ids.filter((id) => !stored.has(id));
        assert.deepEqual(lost.slice(0, 10), [], `${lost.length} acknowledged alerts are not stored`);
        assert.deepEqual(
          ids.filter((id) => stored.get(id)!.case_id === null).slice(0, 10),
          [],
          'an acknowledged alert has no case',
        );
        assert.ok(
          ids.every((id) => stored.get(id)!.count === 2),
          'each acknowledged alert counted its one repeat',
        );
        const twice = await database.db
          .selectFrom('alerts')
          .select(['fingerprint', (eb) => eb.fn.countAll().as('n')])
          .groupBy('fingerprint')
          .having((eb) => eb.fn.countAll(), '>', 1)
          .execute();
        assert.deepEqual(twice, [], 'no fingerprint has two alerts');
        const total = await database.db
          .selectFrom('alerts')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow();
        assert.equal(Number(total.n), acknowledged.size + unanswered.size, 'one alert per record sent');
        const miscounted = await sql<{ id: string }>`
          SELECT c.id FROM cases c
          WHERE c.alert_count <> (SELECT count(*) FROM alerts a WHERE a.case_id = c.id)`.execute(database.db);
        assert.deepEqual(miscounted.rows, [], 'each case counts the alerts it holds');
      } finally {
        await database.close();
      }
      const verified = cli('audit', 'verify');
      assert.equal(verified.status, 0, verified.stdout + verified.stderr);
      process.stdout.write(
        `# ingest crash test (${kind}): ${KILLS} kills (${midFlight} with requests in flight), ` +
          `${acknowledged.size} alerts acknowledged, ${unanswered.size} cut off and re-sent\n`,
      );
    });
  });
}

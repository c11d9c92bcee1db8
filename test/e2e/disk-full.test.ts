import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';
import { startServe } from '../support/serve-process.ts';
import { mountTmpfs, tmpfsSkipReason, type Tmpfs } from '../support/tmpfs.ts';

const BIN = new URL('../../bin/riposte.js', import.meta.url).pathname;
const RECORDS = 4000;

/**
 * Riposte on a disk that fills up, for real: the data directory is a 4 MiB tmpfs. `riposte ingest`
 * stops with what the database said and how far it got, no stack; the server answers 503
 * `storage_unavailable`; once the disk has room (the tmpfs grown), the same command again stores
 * the rest and counts what was stored as duplicates, the server takes alerts again without a
 * restart, and the audit chain is whole.
 */
describe('a full disk (SQLite on a 4 MiB tmpfs)', { skip: tmpfsSkipReason('the disk-full test') }, () => {
  let disk: Tmpfs;
  let mountPoint = '';
  const work = mkdtempSync(path.join(tmpdir(), 'riposte-full-files-'));
  let env: NodeJS.ProcessEnv = {};
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: 120_000 });
  const resize = (size: string) => disk.resize(size);
  let token = '';

  before(() => {
    disk = mountTmpfs('4m', 'riposte-full-');
    mountPoint = disk.dir;
    env = { ...process.env, RIPOSTE_DATA_DIR: mountPoint, RIPOSTE_LOG_LEVEL: 'warn' };
    delete env.RIPOSTE_DATABASE_URL;
    delete env.RIPOSTE_MASTER_KEY;
    const created = cli('source', 'create', '--name', 'lab', '--format', 'suricata');
    assert.equal(created.status, 0, created.stderr);
    token = created.stdout.trim();
  });
  after(() => {
    try {
      disk?.remove();
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('riposte ingest stops saying how far it got, and the same command finishes once there is room', () => {
    const file = path.join(work, 'alerts.ndjson');
    const lines = Array.from({ length: RECORDS }, (_, i) =>
      JSON.stringify(
        eveAlert({
          sid: 10_000 + i,
          srcIp: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`,
          hostname: `h${i}.example.com`,
        }),
      ),
    );
    writeFileSync(file, `${lines.join('\n')}\n`);

    const full = cli('ingest', file, '--source', 'lab');
    assert.equal(full.status, 1, full.stdout + full.stderr);
    assert.match(full.stderr, /riposte: the database (is full|cannot write to its disk) \(SQLITE_/);
    const went = /records before index (\d+) went in \((\d+) new, (\d+) duplicates\)/.exec(full.stderr);
    assert.ok(went, full.stderr);
    assert.match(full.stderr, /run the same command again/);
    assert.doesNotMatch(full.stderr, /\n\s+at /, 'no stack trace');
    const storedBefore = Number(went[2]);

    resize('256m');
    const again = cli('ingest', file, '--source', 'lab');
    assert.equal(again.status, 0, again.stderr);
    const summary = JSON.parse(again.stdout) as { accepted: number; duplicates: number; rejected: number };
    assert.equal(summary.accepted + summary.duplicates, RECORDS);
    assert.ok(
      summary.duplicates >= storedBefore,
      `${summary.duplicates} duplicates, ${storedBefore} stored before`,
    );
    assert.equal(summary.rejected, 0);
    const verified = cli('audit', 'verify');
    assert.equal(verified.status, 0, verified.stdout + verified.stderr);
  });

  it('the server answers 503 storage_unavailable while the disk is full, and takes alerts again after', async () => {
    const server = await startServe(env);
    try {
      const post = (from: number, count: number) =>
        fetch(`${server.base}/api/v1/sources/lab/alerts`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(
            Array.from({ length: count }, (_, i) =>
              eveAlert({ sid: from + i, srcIp: `10.200.${((from + i) >> 8) & 255}.${(from + i) & 255}` }),
            ),
          ),
        });
      // Fill what is left of the disk with a file: the next writes find no room.
      const filler = path.join(mountPoint, 'filler');
      const fd = openSync(filler, 'w');
      try {
        for (const size of [1024 * 1024, 64 * 1024, 4096, 512]) {
          const chunk = Buffer.alloc(size);
          try {
            for (;;) writeSync(fd, chunk);
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
          }
        }
      } finally {
        closeSync(fd);
      }
      let refused: Response | undefined;
      for (let round = 0; round < 100 && !refused; round++) {
        const res = await post(100_000 + round * 500, 500);
        if (res.status !== 202) refused = res;
        else await res.arrayBuffer();
      }
      assert.ok(refused, 'the disk filled up');
      assert.equal(refused.status, 503);
      assert.ok(Number(refused.headers.get('retry-after')) > 0);
      const problem = (await refused.json()) as { code: string; detail: string };
      assert.equal(problem.code, 'storage_unavailable');
      assert.match(problem.detail, /nothing of this request was stored/);

      rmSync(filler);
      const res = await post(900_000, 10);
      assert.equal(res.status, 202, await res.text());
    } finally {
      server.child.kill('SIGTERM');
      await new Promise((resolve) => server.child.once('exit', resolve));
    }
    const verified = cli('audit', 'verify');
    assert.equal(verified.status, 0, verified.stdout + verified.stderr);
  });
});

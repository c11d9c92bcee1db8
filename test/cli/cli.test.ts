import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';

const BIN = new URL('../../bin/riposte.js', import.meta.url).pathname;
const dataDir = mkdtempSync(path.join(tmpdir(), 'riposte-cli-'));
const env = { ...process.env, RIPOSTE_DATA_DIR: dataDir, RIPOSTE_DATABASE_URL: '', RIPOSTE_MASTER_KEY: '' };
delete (env as Record<string, string | undefined>).RIPOSTE_DATABASE_URL;
delete (env as Record<string, string | undefined>).RIPOSTE_MASTER_KEY;

function riposte(args: string[], input?: string) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    env,
    input,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the riposte CLI, without a server running', () => {
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('migrates, and says so', () => {
    const res = riposte(['migrate']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, /0001-initial/);
  });

  it('creates a source and prints only its token on stdout', () => {
    const res = riposte(['source', 'create', '--name', 'lab', '--format', 'suricata']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^rps_[A-Za-z0-9_-]+\n$/);
    const dup = riposte(['source', 'create', '--name', 'lab', '--format', 'suricata']);
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /already exists/);
    const bad = riposte(['source', 'create', '--name', 'x', '--format', 'nope']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /format must be one of/);
  });

  it('rotates a source token, printing only the new one; the old one holds for the grace asked', () => {
    const db = new Database(path.join(dataDir, 'riposte.db'), { readonly: true });
    const row = () =>
      db
        .prepare('select token_hash, previous_token_hash, previous_valid_until from sources where name = ?')
        .get('lab') as {
        token_hash: string;
        previous_token_hash: string | null;
        previous_valid_until: string | null;
      };
    try {
      const before = row();
      const rotated = riposte(['source', 'rotate-token', '--name', 'lab', '--grace', '24h']);
      assert.equal(rotated.code, 0, rotated.stderr);
      assert.match(rotated.stdout, /^rps_[A-Za-z0-9_-]+\n$/);
      assert.match(rotated.stderr, /the old one is still accepted until 20\d\d-/);
      const after = row();
      assert.notEqual(after.token_hash, before.token_hash);
      assert.equal(after.previous_token_hash, before.token_hash);
      const hours = (Date.parse(after.previous_valid_until!) - Date.now()) / 3_600_000;
      assert.ok(hours > 23.9 && hours <= 24, `${hours} hours of grace`);

      const now = riposte(['source', 'rotate-token', '--name', 'lab']);
      assert.equal(now.code, 0, now.stderr);
      assert.match(now.stderr, /the old one is no longer accepted/);
      assert.equal(row().previous_token_hash, null);
    } finally {
      db.close();
    }
    for (const [args, message] of [
      [['--name', 'lab', '--grace', '3600'], /--grace needs a unit/],
      [['--name', 'lab', '--grace', '8d'], /--grace must be whole seconds up to 7d/],
      [['--name', 'lab', '--grace', 'soon'], /--grace: "soon" is not a duration/],
      [['--grace', '1h'], /source rotate-token needs --name/],
    ] as const) {
      const res = riposte(['source', 'rotate-token', ...args]);
      assert.equal(res.code, 2, `${args.join(' ')}: ${res.stderr}`);
      assert.match(res.stderr, message);
    }
    const missing = riposte(['source', 'rotate-token', '--name', 'nope']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no source named "nope"/);
  });

  it('changes a source, keeping its token', () => {
    const signed = riposte(['source', 'update', '--name', 'lab', '--require-signature']);
    assert.equal(signed.code, 0, signed.stderr);
    assert.equal(JSON.parse(signed.stdout).requireSignature, true);
    const bare = riposte(['source', 'update', '--name', 'lab', '--no-require-signature']);
    assert.equal(JSON.parse(bare.stdout).requireSignature, false);
    const generic = riposte(['source', 'update', '--name', 'lab', '--format', 'generic']);
    assert.equal(generic.code, 1);
    assert.match(generic.stderr, /options\.mapping/);
    const watched = riposte(['source', 'update', '--name', 'lab', '--expect-within', '2h']);
    assert.equal(watched.code, 0, watched.stderr);
    assert.equal(JSON.parse(watched.stdout).expectWithinSeconds, 7200);
    assert.match(riposte(['source', 'list']).stdout, /^lab\t.*\texpected within 7200 s\n/m);
    const tooShort = riposte(['source', 'update', '--name', 'lab', '--expect-within', '30s']);
    assert.equal(tooShort.code, 1);
    assert.match(tooShort.stderr, /expectWithinSeconds must be a whole number of seconds from 60/);
    const off = riposte(['source', 'update', '--name', 'lab', '--expect-within', 'off']);
    assert.equal(JSON.parse(off.stdout).expectWithinSeconds, null);
    const limited = riposte(['source', 'update', '--name', 'lab', '--alert-limit', '600']);
    assert.equal(limited.code, 0, limited.stderr);
    assert.equal(JSON.parse(limited.stdout).alertLimitPerMinute, 600);
    assert.match(riposte(['source', 'list']).stdout, /^lab\t.*\tat most 600 alerts a minute\n/m);
    const zero = riposte(['source', 'update', '--name', 'lab', '--alert-limit', '0']);
    assert.equal(zero.code, 1);
    assert.match(zero.stderr, /alertLimitPerMinute must be a whole number of alerts from 1/);
    const unlimited = riposte(['source', 'update', '--name', 'lab', '--alert-limit', 'off']);
    assert.equal(JSON.parse(unlimited.stdout).alertLimitPerMinute, null);
    const created = riposte([
      'source',
      'create',
      '--name',
      'storm',
      '--format',
      'cef',
      '--alert-limit',
      '50',
    ]);
    assert.equal(created.code, 0, created.stderr);
    assert.match(riposte(['source', 'list']).stdout, /^storm\t.*\tat most 50 alerts a minute\n/m);
    assert.equal(riposte(['source', 'delete', '--name', 'storm']).code, 0);
    for (const [args, message] of [
      [
        ['--name', 'lab'],
        /source update needs --format, --options, --\[no-\]require-signature, --expect-within or --alert-limit/,
      ],
      [['--name', 'lab', '--expect-within', '90'], /--expect-within needs a unit/],
      [
        ['--name', 'lab', '--alert-limit', '10/s'],
        /--alert-limit needs a whole number of alerts a minute, or off/,
      ],
      [['--name', 'lab', '--options', '{bad'], /--options is not valid JSON/],
    ] as const) {
      const res = riposte(['source', 'update', ...args]);
      assert.equal(res.code, 2, `${args.join(' ')}: ${res.stderr}`);
      assert.match(res.stderr, message);
    }
  });

  it('lists sources with what they sent lately, and deletes one', () => {
    assert.equal(riposte(['source', 'create', '--name', 'spare', '--format', 'zeek']).code, 0);
    const list = riposte(['source', 'list']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^lab\tsuricata\ttoken\tno alert yet\t0 in the last hour\n/m);
    assert.match(list.stdout, /^spare\tzeek\ttoken\t/m);
    const json = JSON.parse(riposte(['source', 'list', '--json']).stdout) as {
      name: string;
      activity: unknown;
    }[];
    assert.deepEqual(json.find((s) => s.name === 'spare')?.activity, {
      lastAlertAt: null,
      lastHour: 0,
      lastHourCapped: false,
    });
    const deleted = riposte(['source', 'delete', '--name', 'spare']);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.doesNotMatch(riposte(['source', 'list']).stdout, /^spare\t/m);
    const again = riposte(['source', 'delete', '--name', 'spare']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /no source named "spare"/);
  });

  it('creates a token and a user (password from stdin)', () => {
    const token = riposte(['token', 'create', '--name', 'ci', '--role', 'analyst']);
    assert.equal(token.code, 0, token.stderr);
    assert.match(token.stdout, /^rpt_/);
    const user = riposte(
      ['user', 'create', '--username', 'ana', '--role', 'analyst'],
      'a very good password\n',
    );
    assert.equal(user.code, 0, user.stderr);
    const weak = riposte(['user', 'create', '--username', 'bob', '--role', 'analyst'], 'short\n');
    assert.equal(weak.code, 1);
    assert.match(weak.stderr, /12 characters/);
  });

  it('ingests an NDJSON file through the pipeline, counting duplicates and rejections', () => {
    const file = path.join(dataDir, 'alerts.ndjson');
    const lines = Array.from({ length: 2500 }, (_, i) =>
      JSON.stringify(eveAlert({ srcIp: `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}`, sid: i })),
    );
    lines.push(lines[0]!, 'not json');
    writeFileSync(file, lines.join('\n') + '\n');
    const res = riposte(['ingest', file, '--source', 'lab']);
    assert.equal(res.code, 0, res.stderr);
    const summary = JSON.parse(res.stdout);
    assert.equal(summary.accepted, 2500);
    assert.equal(summary.duplicates, 1);
    assert.equal(summary.rejected, 1);
    assert.equal(summary.errors[0].index, 2501);
    assert.match(res.stderr, /100%/);
  });

  it('writes a file in order however many batches are in flight: the first of two equal records is kept', () => {
    const file = path.join(dataDir, 'ordered.ndjson');
    const alert = (i: number, timestamp?: string) =>
      JSON.stringify(
        eveAlert({
          srcIp: `10.9.${Math.floor(i / 250)}.${(i % 250) + 1}`,
          sid: 700_000 + i,
          ...(timestamp === undefined ? {} : { timestamp }),
        }),
      );
    // Two batches of 2,000 lines, then one of a single line that repeats the first 40 minutes later
    // (inside the dedup window). The three are in flight together, and the small one is prepared first.
    const lines = Array.from({ length: 4_000 }, (_, i) =>
      alert(i, i === 0 ? '2026-11-20T09:00:00.000000+0000' : undefined),
    );
    lines.push(alert(0, '2026-11-20T09:40:00.000000+0000'));
    writeFileSync(file, lines.join('\n') + '\n');
    const res = riposte(['ingest', file, '--source', 'lab']);
    assert.equal(res.code, 0, res.stderr);
    const summary = JSON.parse(res.stdout);
    assert.deepEqual([summary.accepted, summary.duplicates, summary.rejected], [4_000, 1, 0]);
    const db = new Database(path.join(dataDir, 'riposte.db'), { readonly: true });
    try {
      const kept = db
        .prepare(`SELECT event_time, first_seen, last_seen, count FROM alerts WHERE rule_id = '700000'`)
        .all() as { event_time: string; first_seen: string; last_seen: string; count: number }[];
      assert.equal(kept.length, 1);
      assert.match(kept[0]!.event_time, /^2026-11-20T09:00:00/, 'the first occurrence is the stored one');
      assert.match(kept[0]!.last_seen, /^2026-11-20T09:40:00/);
      assert.equal(kept[0]!.count, 2);
    } finally {
      db.close();
    }
  });

  it('verifies the audit log, and exits 1 naming the row after tampering', () => {
    const ok = riposte(['audit', 'verify']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout).ok, true);
    const db = new Database(path.join(dataDir, 'riposte.db'));
    db.prepare("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2").run();
    db.close();
    const broken = riposte(['audit', 'verify']);
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /row 2/);
  });

  it('prints usage for an unknown command with exit 2', () => {
    for (const name of ['frobnicate', 'constructor', 'toString', '__proto__']) {
      const res = riposte([name]);
      assert.equal(res.code, 2, `${name}: ${res.stderr}`);
      assert.match(res.stderr, /Usage: riposte/);
    }
  });
});

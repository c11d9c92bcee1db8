import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { feodoCsv, feodoRow } from '../fixtures/own/intel-feeds.ts';

const BIN = new URL('../../bin/riposte.js', import.meta.url).pathname;
const dataDir = mkdtempSync(path.join(tmpdir(), 'riposte-intel-cli-'));
const env: Record<string, string | undefined> = { ...process.env, RIPOSTE_DATA_DIR: dataDir };
delete env['RIPOSTE_DATABASE_URL'];
delete env['RIPOSTE_MASTER_KEY'];

function riposte(args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('riposte intel import', () => {
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  const good = path.join(dataDir, 'feodo.csv');
  const bad = path.join(dataDir, 'bad.csv');
  writeFileSync(good, feodoCsv([feodoRow('198.51.100.7'), feodoRow('198.51.100.8')]));
  writeFileSync(
    bad,
    feodoCsv([
      feodoRow('198.51.100.9'),
      ['2024-03-26 23:30:15', 'nope', '443', 'online', '2024-04-04', 'QakBot'],
    ]),
  );

  it('imports a file, detecting its format, and prints the counts', () => {
    const res = riposte(['intel', 'import', good, '--source', 'feodo', '--ttl', '7d']);
    assert.equal(res.code, 0, res.stderr);
    const out = JSON.parse(res.stdout);
    assert.deepEqual([out.format, out.source, out.indicators, out.created], ['feodo', 'feodo', 2, 2]);
  });

  it('refuses a malformed file with every error on stderr; --partial keeps the valid part', () => {
    const res = riposte(['intel', 'import', bad, '--source', 'bad']);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /error: line 7 dst_ip: expected an IPv4 address, got "nope"/);
    assert.match(res.stderr, /1 malformed records; nothing was imported/);
    const partial = riposte(['intel', 'import', bad, '--source', 'bad', '--partial']);
    assert.equal(partial.code, 0, partial.stderr);
    assert.match(partial.stderr, /skipped: line 7 dst_ip/);
    assert.equal(JSON.parse(partial.stdout).indicators, 1);
    const usage = riposte(['intel', 'import', good, '--format', 'csv']);
    assert.equal(usage.code, 1);
    assert.match(usage.stderr, /format must be one of stix, misp/);
  });
});

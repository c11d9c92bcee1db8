import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';

const BIN = new URL('../../bin/riposte.js', import.meta.url).pathname;
const dataDir = mkdtempSync(path.join(tmpdir(), 'riposte-keys-'));
const env: Record<string, string | undefined> = { ...process.env, RIPOSTE_DATA_DIR: dataDir };
delete env['RIPOSTE_DATABASE_URL'];
delete env['RIPOSTE_MASTER_KEY'];

function riposte(args: string[], input?: string, extra: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    env: { ...env, ...extra },
    input,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function sealedKeyIds(): Set<string> {
  const db = new Database(path.join(dataDir, 'riposte.db'), { readonly: true });
  const values = [
    ...db.prepare('select token_enc as v from sources').all(),
    ...db.prepare('select value_enc as v from secrets').all(),
    ...db.prepare('select key_enc as v from keyring').all(),
  ] as { v: string }[];
  db.close();
  return new Set(values.map((r) => r.v.split('.')[1]!));
}

describe('riposte keys rotate', () => {
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('re-seals every secret under a new key; secrets still open and the audit chain still verifies', () => {
    assert.equal(riposte(['source', 'create', '--name', 'ids', '--format', 'suricata']).code, 0);
    assert.equal(riposte(['secret', 'set', 'vt_api_key'], 'abcdef0123456789\n').code, 0);
    const before = readFileSync(path.join(dataDir, 'master.key'), 'utf8');
    const [oldId] = [...sealedKeyIds()];
    const rotated = riposte(['keys', 'rotate']);
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.match(rotated.stderr, /re-sealed: sources 1, secrets 1, integration_instances 0, keyring 2/);
    const afterKey = readFileSync(path.join(dataDir, 'master.key'), 'utf8');
    assert.notEqual(afterKey, before);
    const ids = sealedKeyIds();
    assert.equal(ids.size, 1);
    assert.notEqual([...ids][0], oldId, 'nothing is sealed with the old key');
    const verify = riposte(['audit', 'verify']);
    assert.equal(verify.code, 0, verify.stderr);
    assert.match(riposte(['secret', 'list']).stdout, /^vt_api_key\t/m);
    // The old key no longer opens anything.
    const old = riposte(['secret', 'list'], undefined, { RIPOSTE_MASTER_KEY: before.trim() });
    assert.notEqual(old.code, 0);
  });

  it('a rotation interrupted before its commit leaves the current key in place', () => {
    const current = readFileSync(path.join(dataDir, 'master.key'), 'utf8');
    writeFileSync(path.join(dataDir, 'master.key.next'), `${'ab'.repeat(32)}\n`, { mode: 0o600 });
    const res = riposte(['audit', 'verify']);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(existsSync(path.join(dataDir, 'master.key.next')), false);
    assert.equal(readFileSync(path.join(dataDir, 'master.key'), 'utf8'), current);
  });

  it('with RIPOSTE_MASTER_KEY, prints the new key to set', () => {
    const key = readFileSync(path.join(dataDir, 'master.key'), 'utf8').trim();
    const res = riposte(['keys', 'rotate'], undefined, { RIPOSTE_MASTER_KEY: key });
    assert.equal(res.code, 0, res.stderr);
    const next = res.stdout.trim();
    assert.match(next, /^[0-9a-f]{64}$/);
    assert.equal(riposte(['audit', 'verify'], undefined, { RIPOSTE_MASTER_KEY: next }).code, 0);
  });
});

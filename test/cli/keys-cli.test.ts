import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { signBody } from '../../src/core/request-signature.ts';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';
import { startServe } from '../support/serve-process.ts';

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

function sealedKeyIds(dir = dataDir): Set<string> {
  const db = new Database(path.join(dir, 'riposte.db'), { readonly: true });
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
    assert.match(rotated.stderr, /re-sealed: keyring 2, sources 1, secrets 1, integration_instances 0/);
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
    // RIPOSTE_MASTER_KEY=NEW,OLD moves the database to NEW, a key chosen beforehand (docs/security.md).
    const chosen = 'ef'.repeat(32);
    const listed = riposte(['keys', 'rotate'], undefined, { RIPOSTE_MASTER_KEY: `${chosen},${next}` });
    assert.equal(listed.code, 0, listed.stderr);
    assert.equal(listed.stdout, '', 'no key to print: it was chosen');
    assert.equal(riposte(['audit', 'verify'], undefined, { RIPOSTE_MASTER_KEY: chosen }).code, 0);
    const again = riposte(['keys', 'rotate'], undefined, { RIPOSTE_MASTER_KEY: `${chosen},${next}` });
    assert.match(again.stderr, /already sealed with key/);
  });
});

describe('riposte keys rotate beside a running server', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'riposte-keys-online-'));
  const here = { RIPOSTE_DATA_DIR: dir, RIPOSTE_LOG_LEVEL: 'warn' };
  const server = { stop: () => undefined as void };
  after(() => {
    server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the server opens what was re-sealed and seals with the new key, without a restart', async () => {
    const created = riposte(
      ['source', 'create', '--name', 'signed', '--format', 'suricata', '--require-signature'],
      undefined,
      here,
    );
    assert.equal(created.code, 0, created.stderr);
    const sourceToken = created.stdout.trim();
    const adminToken = riposte(
      ['token', 'create', '--name', 'ops', '--role', 'admin'],
      undefined,
      here,
    ).stdout.trim();
    const served = await startServe({ ...env, ...here }, 20_000);
    server.stop = () => void served.child.kill('SIGKILL');
    const { base } = served;
    const [oldId] = [...sealedKeyIds(dir)];

    const rotated = riposte(['keys', 'rotate'], undefined, here);
    assert.equal(rotated.code, 0, rotated.stderr);
    const [newId] = [...sealedKeyIds(dir)];
    assert.notEqual(newId, oldId);

    // A signed post: the server opens the source's token, re-sealed under a key it did not start with.
    const body = JSON.stringify(eveAlert({ srcIp: '10.9.9.9', sid: 9901 }));
    const posted = await fetch(`${base}/api/v1/sources/signed/alerts`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${sourceToken}`,
        'x-riposte-signature': signBody(sourceToken, body),
      },
    });
    assert.equal(posted.status, 202, await posted.text());
    // A secret set now is sealed with the new key, not the one the server started with.
    const set = await fetch(`${base}/api/v1/secrets/vt_api_key`, {
      method: 'PUT',
      body: JSON.stringify({ value: 'abcdef0123456789' }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
    });
    assert.equal(set.status, 200, await set.text());
    assert.deepEqual([...sealedKeyIds(dir)], [newId]);
    const verify = riposte(['audit', 'verify'], undefined, here);
    assert.equal(verify.code, 0, verify.stderr);
  });
});

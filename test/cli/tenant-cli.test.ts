import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';

const BIN = new URL('../../bin/riposte.js', import.meta.url).pathname;
const dataDir = mkdtempSync(path.join(tmpdir(), 'riposte-tenant-cli-'));
const base: Record<string, string | undefined> = { ...process.env, RIPOSTE_DATA_DIR: dataDir };
delete base['RIPOSTE_DATABASE_URL'];
delete base['RIPOSTE_MASTER_KEY'];
delete base['RIPOSTE_TENANT'];

function riposte(args: string[], env: Record<string, string> = {}, input?: string) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    env: { ...base, ...env },
    encoding: 'utf8',
    timeout: 60_000,
    ...(input === undefined ? {} : { input }),
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('riposte tenant …, and RIPOSTE_TENANT for every other command', () => {
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('creates a tenant, prints its admin password once, and lists it with its URL', () => {
    const made = riposte(['tenant', 'create', 'acme', '--name', 'Acme Corp']);
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /^[A-Za-z0-9_-]{20}\n$/);
    assert.match(made.stderr, /tenant "acme" created, served at http:\/\/acme\.localhost:8080\/ui\//);
    assert.ok(existsSync(path.join(dataDir, 'tenants', 'acme', 'riposte.db')));
    const list = riposte(['tenant', 'list']);
    assert.equal(list.stdout, 'acme\tactive\thttp://acme.localhost:8080\tAcme Corp\n');
    const again = riposte(['tenant', 'create', 'acme', '--name', 'Acme again']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /the tenant "acme" exists/);
  });

  it("sets and lifts a tenant's alert limit, refusing one out of range", () => {
    const set = riposte(['tenant', 'update', 'acme', '--alert-limit', '5000']);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stderr, /the sources of tenant "acme" may send 5000 alerts a minute together/);
    assert.equal(
      riposte(['tenant', 'list']).stdout,
      'acme\tactive\thttp://acme.localhost:8080\tAcme Corp\tat most 5000 alerts a minute\n',
    );
    const zero = riposte(['tenant', 'update', 'acme', '--alert-limit', '0']);
    assert.equal(zero.code, 1);
    assert.match(zero.stderr, /alertLimitPerMinute must be a whole number of alerts from 1/);
    const missing = riposte(['tenant', 'update', 'acme']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /tenant update needs --alert-limit N\|off/);
    const off = riposte(['tenant', 'update', 'acme', '--alert-limit', 'off']);
    assert.equal(off.code, 0, off.stderr);
    assert.match(off.stderr, /tenant "acme" has no alert limit/);
    assert.equal(riposte(['tenant', 'list']).stdout, 'acme\tactive\thttp://acme.localhost:8080\tAcme Corp\n');
  });

  it("RIPOSTE_TENANT runs a command on the tenant's own database", () => {
    const user = riposte(
      ['user', 'create', '--username', 'mona', '--role', 'analyst'],
      { RIPOSTE_TENANT: 'acme' },
      'a long enough password\n',
    );
    assert.equal(user.code, 0, user.stderr);
    const source = riposte(['source', 'create', '--name', 'edr', '--format', 'suricata'], {
      RIPOSTE_TENANT: 'acme',
    });
    assert.equal(source.code, 0, source.stderr);
    const inTenant = riposte(['source', 'list', '--json'], { RIPOSTE_TENANT: 'acme' });
    assert.deepEqual(
      JSON.parse(inTenant.stdout).map((s: { name: string }) => s.name),
      ['edr'],
    );
    const inMain = riposte(['source', 'list', '--json']);
    assert.deepEqual(JSON.parse(inMain.stdout), []);
    const verify = riposte(['audit', 'verify'], { RIPOSTE_TENANT: 'acme' });
    assert.equal(verify.code, 0, verify.stderr);
  });

  it('an unknown or disabled tenant is an error, not a new empty installation', () => {
    const unknown = riposte(['source', 'list'], { RIPOSTE_TENANT: 'initech' });
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no tenant "initech"/);
    assert.equal(existsSync(path.join(dataDir, 'tenants', 'initech')), false);
    const nested = riposte(['tenant', 'list'], { RIPOSTE_TENANT: 'acme' });
    assert.equal(nested.code, 2);
    assert.match(nested.stderr, /tenants are managed from the main installation/);
    assert.equal(riposte(['tenant', 'disable', 'acme']).code, 0);
    const disabled = riposte(['source', 'list'], { RIPOSTE_TENANT: 'acme' });
    assert.equal(disabled.code, 1);
    assert.match(disabled.stderr, /the tenant "acme" is disabled/);
  });

  it('migrate brings the main database and every tenant to the current schema', () => {
    const migrated = riposte(['migrate']);
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.match(migrated.stderr, /^already at 0\d+-\S+\ntenant acme: already at 0\d+-\S+\n$/);
  });

  it('deletes a disabled tenant only with --yes, with its data', () => {
    const unconfirmed = riposte(['tenant', 'delete', 'acme']);
    assert.equal(unconfirmed.code, 2);
    assert.match(unconfirmed.stderr, /add --yes/);
    const deleted = riposte(['tenant', 'delete', 'acme', '--yes']);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(existsSync(path.join(dataDir, 'tenants', 'acme')), false);
    assert.equal(riposte(['tenant', 'list']).stdout, '');
  });
});

describe('riposte keys rotate with RIPOSTE_MASTER_KEY', () => {
  const keyed = mkdtempSync(path.join(tmpdir(), 'riposte-tenant-keys-'));
  after(() => rmSync(keyed, { recursive: true, force: true }));
  const OLD = 'a'.repeat(64);
  const NEW = 'b'.repeat(64);
  const as = (key: string, tenant?: string) => ({
    RIPOSTE_DATA_DIR: keyed,
    RIPOSTE_MASTER_KEY: key,
    ...(tenant ? { RIPOSTE_TENANT: tenant } : {}),
  });

  it("moves every tenant's database to the new key with the main one, since the one key seals them all", () => {
    assert.equal(riposte(['tenant', 'create', 'acme', '--name', 'Acme'], as(OLD)).code, 0);
    // Under another key the tenant's sealed records do not open.
    const wrong = riposte(['audit', 'verify'], as(NEW, 'acme'));
    assert.equal(wrong.code, 1);
    const rotated = riposte(['keys', 'rotate', '--new-key', NEW], as(OLD));
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.match(rotated.stderr, /tenant acme: rotated \S+ → \S+/);
    for (const tenant of [undefined, 'acme']) {
      const verified = riposte(['audit', 'verify'], as(NEW, tenant));
      assert.equal(verified.code, 0, `${tenant ?? 'main'}: ${verified.stderr}`);
    }
  });
});

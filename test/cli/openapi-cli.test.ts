import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { TICKETING_SPEC } from '../../src/integrations/openapi/fake-ticketing.ts';

const BIN = new URL('../../bin/riposte.js', import.meta.url).pathname;
const dataDir = mkdtempSync(path.join(tmpdir(), 'riposte-openapi-'));
const env: Record<string, string | undefined> = { ...process.env, RIPOSTE_DATA_DIR: dataDir };
delete env['RIPOSTE_DATABASE_URL'];
delete env['RIPOSTE_MASTER_KEY'];

function riposte(args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('riposte integration import-openapi', () => {
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const at = path.join(dataDir, name);
    writeFileSync(at, text);
    return at;
  };

  it('stores a description and lists the actions it makes', () => {
    const out = riposte([
      'integration',
      'import-openapi',
      file('ticketing.yaml', TICKETING_SPEC),
      '--id',
      'ticketing',
    ]);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^ticketing\.get_ticket\tread\t/m);
    assert.match(out.stdout, /^ticketing\.delete_ticket\tdestructive\t/m);
    assert.match(out.stderr, /imported ticketing \(6 actions\)/);
    const again = riposte([
      'integration',
      'import-openapi',
      file('t2.yaml', TICKETING_SPEC),
      '--id',
      'ticketing',
    ]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /"ticketing" already exists .*\[conflict\]/);
  });

  it('prints every problem of a bad description with its pointer, exit 1', () => {
    const bad = file(
      'bad.json',
      JSON.stringify({ openapi: '3.0.0', info: { title: 'B', version: '1' }, paths: { x: {} } }),
    );
    const out = riposte(['integration', 'import-openapi', bad, '--id', 'bad']);
    assert.equal(out.code, 1);
    assert.match(out.stderr, /bad\.json: \/paths\/x: the path "x" must start with \//);
  });

  it('needs --id', () => {
    assert.equal(riposte(['integration', 'import-openapi', 'whatever.yaml']).code, 2);
  });
});

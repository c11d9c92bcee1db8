import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { cacaoManual, cacaoPlaybook, cacaoUuid } from '../fixtures/own/cacao-documents.ts';

const BIN = new URL('../../bin/riposte.js', import.meta.url).pathname;
const dataDir = mkdtempSync(path.join(tmpdir(), 'riposte-cacao-cli-'));
const env: Record<string, string | undefined> = { ...process.env, RIPOSTE_DATA_DIR: dataDir };
delete env['RIPOSTE_DATABASE_URL'];
delete env['RIPOSTE_MASTER_KEY'];

function riposte(args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** One manual step; `modified` without milliseconds, which only the lenient profile accepts. */
const DOCUMENT = cacaoPlaybook(
  {
    [`action--${cacaoUuid(4)}`]: {
      ...cacaoManual('Move it to the quarantine VLAN', `end--${cacaoUuid(99)}`),
      commands: [{ type: 'manual', command: 'Move the laptop to VLAN 666' }],
    },
  },
  { name: 'Quarantine a laptop', modified: '2026-11-01T10:00:00Z' },
);

describe('riposte playbook import-cacao / export-cacao', () => {
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  const file = path.join(dataDir, 'quarantine.json');
  writeFileSync(file, JSON.stringify(DOCUMENT));

  it('strict refuses with FILE#pointer lines; lenient imports with warnings; a dry run prints the YAML', () => {
    const strict = riposte(['playbook', 'import-cacao', '--strict', file]);
    assert.equal(strict.code, 1, strict.stderr);
    assert.match(
      strict.stdout,
      /quarantine\.json#\/modified: error: modified must be UTC with exactly three digits/,
    );
    const dry = riposte(['playbook', 'import-cacao', '--dry-run', file]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^# Imported from CACAO playbook--/);
    assert.match(dry.stdout, /title: Move it to the quarantine VLAN/);
    assert.match(dry.stderr, /#\/modified: warning:/);
    const imported = riposte(['playbook', 'import-cacao', file]);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /quarantine\.json: quarantine_a_laptop version 1, 1 warning\(s\)/);
    assert.match(
      riposte(['playbook', 'list']).stdout,
      /quarantine_a_laptop\tv1\tenabled\tmanual\tQuarantine a laptop/,
    );
  });

  it('exports the stored playbook under the CACAO id it came from, to a file', () => {
    const out = path.join(dataDir, 'exported.json');
    const exported = riposte(['playbook', 'export-cacao', 'quarantine_a_laptop', '--out', out]);
    assert.equal(exported.code, 0, exported.stderr);
    const document = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(document.id, DOCUMENT.id);
    assert.equal(document.spec_version, 'cacao-2.0');
    assert.equal(riposte(['playbook', 'export-cacao', 'nope']).code, 1);
    assert.equal(riposte(['playbook', 'export-cacao']).code, 2);
  });
});

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';

const BIN = new URL('../../bin/riposte.js', import.meta.url).pathname;
const dataDir = mkdtempSync(path.join(tmpdir(), 'riposte-playbook-cli-'));
const env: Record<string, string | undefined> = { ...process.env, RIPOSTE_DATA_DIR: dataDir };
delete env['RIPOSTE_DATABASE_URL'];
delete env['RIPOSTE_MASTER_KEY'];

function riposte(args: string[], input?: string) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    env,
    input,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const file = (name: string, text: string) => {
  const p = path.join(dataDir, name);
  writeFileSync(p, text);
  return p;
};

const CONTAIN = `id: contain
name: Contain a case
triggers: { manual: true }
steps:
  - id: note
    uses: riposte.add_case_comment
    with:
      case_id: \${{ case.id }}
      body: Containment started
  - id: raise
    uses: riposte.update_case
    with:
      case_id: \${{ case.id }}
      severity: critical
  - id: echo
    uses: core.echo
    with:
      severity: \${{ case.severity }}
`;

describe('riposte playbook (CLI)', () => {
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('validate prints every error as file:line:column and exits 1; a good file prints ok', () => {
    const bad = file(
      'bad.yaml',
      'id: bad\nname: Bad\nsteps:\n  - id: a\n    uses: nope.nothing\n  - id: b\n    next: ghost\n    uses: core.echo\n',
    );
    const res = riposte(['playbook', 'validate', bad]);
    assert.equal(res.code, 1, res.stderr);
    assert.match(res.stdout, new RegExp(`${bad.replace(/[.]/g, '\\.')}:5:\\d+: .*nope\\.nothing`));
    assert.match(res.stdout, /:7:\d+: .*ghost/);
    const good = file('contain.yaml', CONTAIN);
    const ok = riposte(['playbook', 'validate', good]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /contain\.yaml: ok \(contain, 3 steps\)/);
  });

  it('save stores versions; run --dry-run intercepts the writes and reports them', () => {
    const saved = riposte(['playbook', 'save', path.join(dataDir, 'contain.yaml')]);
    assert.equal(saved.code, 0, saved.stderr);
    assert.match(saved.stdout, /contain version 1/);
    assert.match(
      riposte(['playbook', 'save', path.join(dataDir, 'contain.yaml')]).stdout,
      /version 1 \(unchanged\)/,
    );
    assert.equal(riposte(['source', 'create', '--name', 'ids', '--format', 'suricata']).code, 0);
    const alerts = file('alert.json', JSON.stringify(eveAlert({ sid: 777, srcIp: '10.7.7.7' })));
    assert.equal(riposte(['ingest', alerts, '--source', 'ids']).code, 0);

    // The alert gets its case in the grouping stage, which the ingest command finished before exiting.
    const list = riposte(['playbook', 'list']);
    assert.match(list.stdout, /^contain\tv1\tenabled\tmanual\tContain a case$/m);
    const sqlite = new Database(path.join(dataDir, 'riposte.db'), { readonly: true });
    const alertId = (sqlite.prepare('select id from alerts limit 1').get() as { id: string } | undefined)?.id;
    sqlite.close();
    assert.ok(alertId, 'the alert is stored');
    const dry = riposte(['playbook', 'run', 'contain', '--alert', alertId, '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr + dry.stdout);
    const report = JSON.parse(dry.stdout) as {
      status: string;
      dryRun: boolean;
      wouldHaveDone: { step: string; intercepted: string }[];
    };
    assert.equal(report.status, 'succeeded');
    assert.equal(report.dryRun, true);
    assert.deepEqual(
      report.wouldHaveDone.map((w) => [w.step, w.intercepted]),
      [
        ['note', 'riposte.add_case_comment'],
        ['raise', 'riposte.update_case'],
      ],
    );
    const real = riposte(['playbook', 'run', 'contain', '--alert', alertId]);
    assert.equal(real.code, 0, real.stderr + real.stdout);
    const run = JSON.parse(real.stdout) as { status: string; steps: { key: string; output: unknown }[] };
    assert.equal(run.status, 'succeeded');
    assert.deepEqual(run.steps.find((s) => s.key === 'raise')!.output, {
      id: (run.steps.find((s) => s.key === 'raise')!.output as { id: string }).id,
      status: 'open',
      severity: 'critical',
      tags: [],
    });
  });

  it('secret set reads the value from stdin; list shows names only', () => {
    assert.equal(riposte(['secret', 'set', 'vt_api_key'], 'v3ry-s3cret\n').code, 0);
    const list = riposte(['secret', 'list']);
    assert.match(list.stdout, /^vt_api_key\t/m);
    assert.doesNotMatch(list.stdout, /v3ry-s3cret/);
  });
});

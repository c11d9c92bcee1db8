import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { openRiposte, type Riposte } from '../../src/riposte.ts';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';
import { createTestDatabase, processEnv, type TestDatabase } from '../support/test-databases.ts';

const BIN = new URL('../../bin/riposte.js', import.meta.url).pathname;
const ACTOR = { id: 't', type: 'system' as const };

describe('riposte case rollback, case merge and the kill switch (CLI)', () => {
  let db: TestDatabase;
  let riposte: Riposte;
  let caseId: string;
  const cli = (args: string[]) => {
    const r = spawnSync(process.execPath, [BIN, ...args], {
      env: processEnv(db),
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  before(async () => {
    db = await createTestDatabase('sqlite');
    riposte = await openRiposte(
      loadConfig({}, { dataDir: db.dataDir, databaseUrl: db.url, logLevel: 'silent' }),
    );
    await riposte.startWorker();
    await riposte.edl.create({ name: 'perimeter', type: 'ip' }, ACTOR);
    await riposte.sources.create({ name: 'ids', format: 'suricata' }, ACTOR);
    const ingested = await riposte.ingest.ingest(
      await riposte.sources.get('ids'),
      JSON.stringify(eveAlert({ sid: 31337 })),
      'application/json',
      ACTOR,
    );
    await riposte.grouping.drain();
    caseId = (await riposte.alerts.get(ingested.alertIds[0]!)).caseId!;
    await riposte.playbooks.save(
      `id: block_two\nname: Block two\ntriggers: { manual: true }\nsteps:\n  - id: a\n    uses: edl.add_entry\n    with: { list: perimeter, value: 192.0.2.1 }\n  - id: b\n    uses: edl.add_entry\n    with: { list: perimeter, value: 192.0.2.2 }\n`,
      ACTOR,
    );
    const run = await riposte.runs.start({
      playbookId: 'block_two',
      caseId,
      startedBy: 'tester',
      actor: ACTOR,
    });
    assert.equal((await riposte.runs.settle(run.id, 5000, { untilTerminal: true })).status, 'succeeded');
    await riposte.close();
  });
  after(() => db.drop());

  it('undoes the case containment newest first and reports each step', () => {
    const res = cli(['case', 'rollback', caseId]);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(
      res.stdout
        .trim()
        .split('\n')
        .map((l) => l.split('\t').slice(0, 3)),
      [
        ['undone', 'edl.add_entry', 'ipv4 192.0.2.2'],
        ['undone', 'edl.add_entry', 'ipv4 192.0.2.1'],
      ],
    );
    assert.match(cli(['case', 'rollback', caseId]).stderr, /nothing to roll back/);
  });

  it('merges a case into another and prints what moved; a closed case is refused', async () => {
    const opened = await openRiposte(
      loadConfig({}, { dataDir: db.dataDir, databaseUrl: db.url, logLevel: 'silent' }),
    );
    const ingested = await opened.ingest.ingest(
      await opened.sources.get('ids'),
      JSON.stringify(eveAlert({ sid: 31338, srcIp: '10.20.30.40', hostname: 'other.example.net' })),
      'application/json',
      ACTOR,
    );
    await opened.grouping.drain();
    const other = (await opened.alerts.get(ingested.alertIds[0]!)).caseId!;
    await opened.close();
    assert.notEqual(other, caseId);

    const res = cli(['case', 'merge', other, '--into', caseId, '--note', 'same host']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, new RegExp(`^merged ${other} into ${caseId} \\(2 alerts now\\)`));
    assert.match(res.stdout, /^alerts\t1$/m);
    assert.match(res.stdout, /^comments\t0$/m);
    const again = cli(['case', 'merge', other, '--into', caseId]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /invalid_state/);
    assert.match(again.stderr, /is closed \(merged into/);
    assert.match(cli(['case', 'merge', other]).stderr, /--into/);
  });

  it('writes the incident report to stdout or a file, and refuses a PDF without --out', () => {
    const md = cli(['case', 'report', caseId]);
    assert.equal(md.code, 0, md.stderr);
    assert.match(md.stdout, /^# Incident report: /);
    assert.match(md.stdout, /^## Response actions$/m);
    assert.match(md.stdout, /edl\.add_entry/);
    const out = path.join(db.dataDir, 'report.html');
    const html = cli(['case', 'report', caseId, '--format', 'html', '--out', out]);
    assert.equal(html.code, 0, html.stderr);
    assert.match(html.stderr, /^wrote .*report\.html \(\d+ bytes\)/);
    assert.match(readFileSync(out, 'utf8'), /^<!doctype html>/);
    const pdf = cli(['case', 'report', caseId, '--format', 'pdf']);
    assert.equal(pdf.code, 2);
    assert.match(pdf.stderr, /a PDF report needs --out FILE/);
    const bad = cli(['case', 'report', caseId, '--format', 'docx']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /format must be one of: markdown, html, pdf/);
  });

  it('engages and lifts the kill switch', () => {
    assert.match(
      cli(['response', 'kill-switch', 'on', '--reason', 'maintenance']).stdout,
      /"engaged":true,"reason":"maintenance"/,
    );
    assert.match(cli(['response', 'kill-switch', 'status']).stdout, /"engaged":true/);
    assert.match(cli(['response', 'kill-switch', 'off']).stdout, /"engaged":false/);
  });
});

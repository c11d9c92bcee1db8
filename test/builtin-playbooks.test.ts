import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../src/config.ts';
import { offlineCatalog } from '../src/connections/offline-catalog.ts';
import { openRiposte } from '../src/riposte.ts';
import {
  BUILTIN_ACTOR,
  BUILTIN_DIR,
  builtinFiles,
  loadBuiltinPlaybooks,
} from '../src/runs/builtin-playbooks.ts';
import { runGoldenFile } from '../src/runs/golden-tests.ts';
import { startHarness, type Harness } from './support/harness.ts';
import { createTestDatabase, databaseKinds } from './support/test-databases.ts';

/**
 * The built-in playbooks of playbooks/builtin: each one's golden tests (found by listing the folder,
 * so a new built-in is picked up), and the loader that puts them in the store at start-up without
 * ever overwriting what a person changed.
 */
const PERSON = { id: 'alice', type: 'user' as const };
const testFiles = readdirSync(BUILTIN_DIR)
  .filter((name) => name.endsWith('.test.yaml'))
  .sort();

describe('built-in playbooks: golden tests', () => {
  it('there are built-ins, and each has a golden test file next to it', () => {
    const playbooks = builtinFiles().map((file) => path.basename(file, '.yaml'));
    assert.ok(playbooks.length >= 3, playbooks.join(', '));
    for (const id of playbooks)
      assert.ok(testFiles.includes(`${id}.test.yaml`), `${id} has no ${id}.test.yaml`);
  });

  const catalog = offlineCatalog();
  for (const name of testFiles) {
    it(`${name} passes`, async () => {
      const report = await runGoldenFile(path.join(BUILTIN_DIR, name), catalog);
      const problems = [
        ...report.errors.map((e) => `${e.file}:${e.line}:${e.column}: ${e.message}`),
        ...report.cases
          .filter((c) => !c.ok)
          .map((c) => `${c.name} (line ${c.line}):\n  ${c.failures.join('\n  ')}`),
      ];
      assert.deepEqual(problems, []);
      assert.ok(report.cases.length >= 3, `${name} has ${report.cases.length} cases`);
    });
  }
});

/** A scratch copy of some built-ins, to change them between two loads. */
function scratch(ids: string[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'riposte-builtin-'));
  for (const id of ids) copyFileSync(path.join(BUILTIN_DIR, `${id}.yaml`), path.join(dir, `${id}.yaml`));
  return dir;
}

for (const kind of databaseKinds()) {
  describe(`built-in playbooks: the loader on ${kind}`, () => {
    let h: Harness;
    const dirs: string[] = [];
    before(async () => {
      h = await startHarness(kind);
    });
    after(async () => {
      await h.close();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    });

    it('loads each built-in once, as the builtin actor; a second load changes nothing', async () => {
      const dir = scratch(['analyst_checklist', 'network_ids_triage']);
      dirs.push(dir);
      const first = await loadBuiltinPlaybooks(h.riposte.playbooks, dir);
      assert.deepEqual(
        first.map((l) => [l.id, l.outcome, l.version]),
        [
          ['analyst_checklist', 'created', 1],
          ['network_ids_triage', 'created', 1],
        ],
      );
      const versions = await h.riposte.playbooks.versions('analyst_checklist');
      assert.equal(versions[0]?.createdBy, BUILTIN_ACTOR.id);
      const again = await loadBuiltinPlaybooks(h.riposte.playbooks, dir);
      assert.deepEqual(
        again.map((l) => l.outcome),
        ['unchanged', 'unchanged'],
      );
      const summary = (await h.riposte.playbooks.list()).find((p) => p.id === 'analyst_checklist');
      assert.equal(summary?.triggers.fallback, true);
    });

    it('a changed file updates a built-in nobody touched, and never one a person edited or deleted', async () => {
      const dir = scratch(['analyst_checklist', 'network_ids_triage', 'phishing_report']);
      dirs.push(dir);
      await loadBuiltinPlaybooks(h.riposte.playbooks, dir);
      // A person edits network_ids_triage (a longer block) and deletes phishing_report.
      const edited = readFileSync(path.join(dir, 'network_ids_triage.yaml'), 'utf8').replace(
        'default: 24h',
        'default: 72h',
      );
      await h.riposte.playbooks.save(edited, PERSON);
      await h.riposte.playbooks.remove('phishing_report', PERSON);
      // A new release changes all three files.
      for (const id of ['analyst_checklist', 'network_ids_triage', 'phishing_report']) {
        const file = path.join(dir, `${id}.yaml`);
        writeFileSync(file, readFileSync(file, 'utf8').replace(/^name: (.*)$/m, 'name: $1 (new release)'));
      }
      const loads = await loadBuiltinPlaybooks(h.riposte.playbooks, dir);
      assert.deepEqual(
        loads.map((l) => [l.id, l.outcome]),
        [
          ['analyst_checklist', 'updated'],
          ['network_ids_triage', 'customised'],
          ['phishing_report', 'deleted'],
        ],
      );
      assert.equal(
        (await h.riposte.playbooks.get('analyst_checklist')).name,
        'Analyst checklist (new release)',
      );
      const kept = await h.riposte.playbooks.get('network_ids_triage');
      assert.equal(kept.name, 'Network IDS triage', 'the release did not replace the edit');
      assert.match(kept.source, /default: 72h/);
      await assert.rejects(
        h.riposte.playbooks.get('phishing_report'),
        /no playbook with id "phishing_report"/,
      );
      const audit = await h.riposte.database.db
        .selectFrom('audit_log')
        .select(['actor', 'target_id'])
        .where('action', '=', 'playbook.save')
        .where('target_id', '=', 'analyst_checklist')
        .execute();
      assert.ok(
        audit.every((a) => a.actor.includes(BUILTIN_ACTOR.id)),
        JSON.stringify(audit),
      );
    });

    it('a built-in that does not compile, or whose id is not its file name, stops the load naming the file', async () => {
      const dir = scratch(['analyst_checklist']);
      dirs.push(dir);
      writeFileSync(
        path.join(dir, 'broken.yaml'),
        'id: broken\nname: Broken\nsteps:\n  - id: a\n    uses: nosuch.action\n',
      );
      await assert.rejects(loadBuiltinPlaybooks(h.riposte.playbooks, dir), (error: Error) => {
        assert.match(error.message, /built-in playbook .*broken\.yaml does not compile/);
        assert.match(error.message, /broken\.yaml:5:11: unknown action "nosuch\.action"/);
        return true;
      });
      rmSync(path.join(dir, 'broken.yaml'));
      writeFileSync(
        path.join(dir, 'misnamed.yaml'),
        'id: other_name\nname: Misnamed\nsteps:\n  - { id: done, end: true }\n',
      );
      await assert.rejects(
        loadBuiltinPlaybooks(h.riposte.playbooks, dir),
        /misnamed\.yaml has id "other_name"; a built-in's id is its file name \("misnamed"\)/,
      );
      await assert.rejects(h.riposte.playbooks.get('other_name'), /no playbook/, 'nothing of it was stored');
    });
  });
}

describe('built-in playbooks: at start-up', () => {
  it('RIPOSTE_BUILTIN_PLAYBOOKS is on by default, off with false, and refuses other values', () => {
    assert.equal(loadConfig({}).builtinPlaybooks, true);
    assert.equal(loadConfig({ RIPOSTE_BUILTIN_PLAYBOOKS: 'false' }).builtinPlaybooks, false);
    assert.equal(loadConfig({ RIPOSTE_BUILTIN_PLAYBOOKS: '0' }).builtinPlaybooks, false);
    assert.equal(loadConfig({ RIPOSTE_BUILTIN_PLAYBOOKS: 'true' }).builtinPlaybooks, true);
    assert.throws(
      () => loadConfig({ RIPOSTE_BUILTIN_PLAYBOOKS: 'sometimes' }),
      /RIPOSTE_BUILTIN_PLAYBOOKS must be true or false, got "sometimes"/,
    );
  });

  it('opening Riposte loads every built-in, and with the setting off loads none', async () => {
    const db = await createTestDatabase('sqlite');
    try {
      const base = { dataDir: db.dataDir, databaseUrl: db.url, logLevel: 'silent' };
      const off = await openRiposte(loadConfig({ RIPOSTE_BUILTIN_PLAYBOOKS: 'false' }, base));
      assert.deepEqual(await off.playbooks.list(), []);
      await off.close();
      const on = await openRiposte(loadConfig({}, base));
      try {
        const ids = (await on.playbooks.list()).map((p) => p.id).sort();
        const expected = builtinFiles()
          .map((f) => path.basename(f, '.yaml'))
          .sort();
        assert.deepEqual(ids, expected);
      } finally {
        await on.close();
      }
    } finally {
      await db.drop();
    }
  });
});

describe('built-in playbooks: which one an alert starts', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness('sqlite', { builtinPlaybooks: true });
  });
  after(() => h.close());

  const runsFor = async (alertIds: string[]) =>
    (
      await h.riposte.database.db
        .selectFrom('runs')
        .select(['playbook_id', 'alert_id'])
        .where('alert_id', 'in', alertIds)
        .execute()
    ).map((r) => r.playbook_id);

  it('an e-mail starts the phishing playbook, a Suricata alert the IDS triage, an alert no playbook claims the checklist', async () => {
    const ingest = async (name: string, format: string, body: string, type: string) => {
      const { source } = await h.riposte.sources.create({ name, format }, PERSON);
      return (await h.riposte.ingest.ingest(source, body, type, PERSON)).alertIds;
    };
    const email = await ingest(
      'reports',
      'email',
      'From: a@b.example\nTo: c@d.example\nSubject: Verify now\nMessage-ID: <x1@b.example>\n\nhttps://evil.example/login\n',
      'message/rfc822',
    );
    const ids = await ingest(
      'sensor',
      'suricata',
      JSON.stringify({
        timestamp: '2026-11-20T11:02:41.000000+0000',
        event_type: 'alert',
        src_ip: '203.0.113.66',
        dest_ip: '10.0.4.12',
        alert: {
          signature_id: 2010935,
          signature: 'ET SCAN MSSQL',
          severity: 2,
          category: 'Attempted Information Leak',
        },
      }),
      'application/json',
    );
    // A home-grown detection no built-in is written for.
    const { source: custom } = await h.riposte.sources.create(
      {
        name: 'custom',
        format: 'generic',
        options: { mapping: { title: 'event.msg', category: "'backup'" } },
      },
      PERSON,
    );
    const other = (
      await h.riposte.ingest.ingest(
        custom,
        JSON.stringify({ msg: 'Nightly backup job failed twice' }),
        'application/json',
        PERSON,
      )
    ).alertIds;
    assert.deepEqual(await runsFor(email), ['phishing_report']);
    assert.deepEqual(await runsFor(ids), ['network_ids_triage']);
    assert.deepEqual(await runsFor(other), ['analyst_checklist']);
  });
});

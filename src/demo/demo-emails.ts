import { INVOICE_MAIL, PHISH } from './demo-world.ts';

/**
 * The two reported e-mails of the demo, as a user's "report phishing" button forwards them: the
 * report from the user, with the suspect message attached whole (message/rfc822).
 */

const date = (at: Date) => at.toUTCString().replace('GMT', '+0000');

function report(now: Date, reporter: string, name: string, subject: string, suspect: string): string {
  const boundary = `riposte-demo-${subject.length}`;
  return [
    `From: ${name} <${reporter}>`,
    'To: Phishing reports <phishing@corp.example>',
    `Subject: FW: ${subject}`,
    `Date: ${date(now)}`,
    `Message-ID: <report-${subject.length}.${now.getTime()}@corp.example>`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    'This looks like phishing to me. Reported with the Report Message button.',
    '',
    `--${boundary}`,
    'Content-Type: message/rfc822',
    `Content-Disposition: attachment; filename="${subject}.eml"`,
    '',
    suspect,
    '',
    `--${boundary}--`,
    '',
  ].join('\r\n');
}

/** Credential phishing: a look-alike domain, failing SPF and DMARC, a link the reputation services know. */
function credentialPhish(sent: Date): string {
  return [
    `Received: from mail.paypa1-secure.example ([203.0.113.45]) by mx.corp.example with ESMTPS; ${date(sent)}`,
    'Authentication-Results: mx.corp.example; spf=fail smtp.mailfrom=paypa1-secure.example; dkim=none; dmarc=fail header.from=paypa1-secure.example',
    'From: "PayPal Security" <support@paypa1-secure.example>',
    `To: ${PHISH.recipients[0]}`,
    `Cc: ${PHISH.recipients.slice(1).join(', ')}`,
    'Subject: Action Required - verify your account',
    `Date: ${date(sent)}`,
    `Message-ID: <${PHISH.messageId}>`,
    'MIME-Version: 1.0',
    'Content-Type: text/html; charset=utf-8',
    '',
    '<html><body><p>Dear customer,</p><p>We noticed unusual activity and limited your account.',
    `Please <a href="${PHISH.url}">verify your account</a> within 24 hours.</p></body></html>`,
  ].join('\r\n');
}

/** An invoice mail whose Reply-To leads elsewhere and whose SPF fails; its link is clean. */
function invoiceFraud(sent: Date): string {
  return [
    `Received: from smtp.mailer-relay.example ([198.51.100.99]) by mx.corp.example with ESMTP; ${date(sent)}`,
    'Authentication-Results: mx.corp.example; spf=fail smtp.mailfrom=acme-supplies.example; dkim=none; dmarc=none',
    'From: "ACME Supplies Accounts" <billing@acme-supplies.example>',
    'Reply-To: payments@acme-supplies-billing.example',
    `To: ${INVOICE_MAIL.recipients.join(', ')}`,
    'Subject: Invoice 2291 overdue - our bank details have changed',
    `Date: ${date(sent)}`,
    `Message-ID: <${INVOICE_MAIL.messageId}>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Hello,',
    '',
    'Invoice 2291 is overdue. Please note that our bank details have changed; reply to this mail for',
    `the new account number. The invoice: ${INVOICE_MAIL.url}`,
    '',
    'ACME Supplies Accounts',
  ].join('\r\n');
}

export function demoEmails(now: Date): { malicious: string; suspicious: string } {
  const sent = new Date(now.getTime() - 20 * 60_000);
  return {
    malicious: report(
      now,
      PHISH.reporter,
      'Alice Martin',
      'Action Required - verify your account',
      credentialPhish(sent),
    ),
    suspicious: report(
      now,
      INVOICE_MAIL.reporter,
      'Dave Okafor',
      'Invoice 2291 overdue - our bank details have changed',
      invoiceFraud(sent),
    ),
  };
}

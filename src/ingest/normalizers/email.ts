import { createHash } from 'node:crypto';
import type { Observable, Severity } from '../../core/alert.ts';
import {
  dedupeObservables,
  extractObservablesFromText,
  ipObservable,
  observable,
  urlObservables,
} from '../../core/observable.ts';
import { RiposteError } from '../../core/riposte-error.ts';
import { analyzeMessage, hrefs, reportedMessage } from '../email-analysis.ts';
import { addresses, parseMessage, type MimeMessage } from '../mime-message.ts';
import type { Normalizer } from '../normalizer.ts';
import { mailboxOptions } from '../../sources/mailbox-options.ts';
import { isoTime } from './record-reader.ts';

const MAX_MESSAGE = 25 * 1024 * 1024;

function domainOf(address: string | undefined): string | undefined {
  return address?.split('@')[1];
}

function observablesOf(m: MimeMessage, urls: readonly string[]): (Observable | null)[] {
  const from = addresses(m.header('from'))[0];
  const replyTo = addresses(m.header('reply-to'))[0];
  const returnPath = addresses(m.header('return-path'))[0];
  const received = m
    .headersNamed('received')
    .flatMap((r) => [...r.matchAll(/\[([0-9a-f.:]+)\]/gi)].map((x) => x[1]!));
  return [
    observable('email', from, 'sender'),
    observable('domain', domainOf(from), 'sender'),
    observable('email', replyTo, 'sender'),
    observable('email', returnPath, 'sender'),
    ...addresses(m.header('to')).map((a) => observable('email', a, 'recipient')),
    ...addresses(m.header('cc')).map((a) => observable('email', a, 'recipient')),
    ...received.map((ip) => ipObservable(ip, 'related')),
    ...hrefs(m.html).flatMap((href) => urlObservables(href, 'related')),
    ...extractObservablesFromText(m.text, 'related').filter(
      (o) => o.type === 'url' || o.type === 'domain' || o.type.startsWith('ip'),
    ),
    ...m.parts
      .filter((p) => p.filename !== undefined || p.disposition === 'attachment')
      .flatMap((p) => [
        observable('filename', p.filename, 'file'),
        p.message ? null : observable('sha256', createHash('sha256').update(p.body).digest('hex'), 'file'),
      ]),
    // Links in attachments (HTML, text, uncompressed PDF) as the analysis finds them.
    ...urls.flatMap((url) => urlObservables(url, 'related')),
  ];
}

/** An RFC 822 message, typically a user-reported phishing e-mail (the whole body is one message). */
export const email: Normalizer = {
  format: 'email',
  split: (body) => (body.trim() === '' ? [] : [{ ok: true, record: body }]),
  // A source may read a reporting mailbox itself (docs/ingest.md); its settings are checked here.
  validateOptions: (options) => void mailboxOptions(options),
  normalize(record, ctx) {
    if (typeof record !== 'string')
      throw new RiposteError('invalid_record', 'an email record is the raw RFC 822 message text', {
        path: '/',
      });
    if (record.length > MAX_MESSAGE)
      throw new RiposteError('invalid_record', `the message is larger than ${MAX_MESSAGE} bytes`, {
        path: '/',
      });
    const outer = parseMessage(record);
    if (
      outer.headers.length === 0 ||
      (!outer.header('from') && !outer.header('subject') && !outer.header('received'))
    ) {
      throw new RiposteError(
        'invalid_record',
        'not an RFC 822 message: no From, Subject or Received header before the first blank line',
        { path: '/headers' },
      );
    }
    const { suspect, forwarded } = reportedMessage(outer);
    const analysis = analyzeMessage(outer);
    const subject = analysis.subject;
    const auth = analysis.authentication;
    const mismatch = analysis.sender_mismatches.includes('reply_to');
    const failed = auth.spf === 'fail' || auth.dmarc === 'fail' || auth.dkim === 'fail';
    const severity: Severity = failed || mismatch || analysis.display_name_spoof ? 'high' : 'medium';
    const replyTo = analysis.reply_to?.address;
    const returnPath = analysis.return_path?.address;
    const notes = [
      `From ${suspect.header('from') ?? '(none)'}`,
      replyTo ? `Reply-To ${replyTo}${mismatch ? ' (differs from the sender domain)' : ''}` : undefined,
      returnPath && analysis.sender_mismatches.includes('return_path')
        ? `Return-Path ${returnPath} (differs from the sender domain)`
        : undefined,
      analysis.display_name_spoof ? 'the display name names another address' : undefined,
      `SPF ${auth.spf}, DKIM ${auth.dkim}, DMARC ${auth.dmarc}`,
      `${analysis.received.length} Received hop(s)${analysis.origin_ip ? `, origin ${analysis.origin_ip}` : ''}`,
      forwarded ? `reported by ${outer.header('from') ?? 'unknown'}` : undefined,
    ].filter(Boolean);
    const messageId = suspect.header('message-id')?.trim().replace(/^<|>$/g, '') || undefined;
    return {
      ...(messageId ? { sourceRef: messageId } : {}),
      title: subject.length > 300 ? `${subject.slice(0, 299)}…` : subject,
      description: notes.join('; '),
      severity,
      category: 'phishing',
      rule: { id: 'reported-email', name: 'Reported e-mail' },
      eventTime: isoTime(Date.parse(suspect.header('date') ?? '')) ?? ctx.receivedAt,
      observables: dedupeObservables([
        // The first public hop of the Received path: the host that sent the message.
        ipObservable(analysis.origin_ip, 'source'),
        ...observablesOf(suspect, analysis.urls),
        ...(forwarded ? addresses(outer.header('from')).map((a) => observable('email', a, 'actor')) : []),
      ]),
      mitre: [{ tactic: 'Initial Access', technique: 'T1566' }],
      raw: record,
    };
  },
};

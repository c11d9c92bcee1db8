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
import { addresses, parseMessage, type MimeMessage } from '../mime-message.ts';
import type { Normalizer } from '../normalizer.ts';
import { isoTime } from './record-reader.ts';

const MAX_MESSAGE = 25 * 1024 * 1024;

/** SPF, DKIM and DMARC results from Authentication-Results (RFC 8601). */
export function authenticationResults(
  message: MimeMessage,
): Record<'spf' | 'dkim' | 'dmarc', string | undefined> {
  const text = message.headersNamed('authentication-results').join('; ');
  const result = (method: string) => new RegExp(`\\b${method}=(\\w+)`, 'i').exec(text)?.[1]?.toLowerCase();
  return {
    spf: result('spf') ?? /^(\w+)/.exec(message.header('received-spf') ?? '')?.[1]?.toLowerCase(),
    dkim: result('dkim'),
    dmarc: result('dmarc'),
  };
}

/** The message a user reported: the attached original when they forwarded it as an attachment. */
function reported(message: MimeMessage): { suspect: MimeMessage; forwarded: boolean } {
  const attached = message.parts.find((p) => p.message)?.message;
  return attached ? { suspect: attached, forwarded: true } : { suspect: message, forwarded: false };
}

function hrefs(html: string): string[] {
  return [...html.matchAll(/\bhref\s*=\s*["']?([^"'\s>]+)/gi)].map((m) => m[1]!.replace(/&amp;/g, '&'));
}

function domainOf(address: string | undefined): string | undefined {
  return address?.split('@')[1];
}

function observablesOf(m: MimeMessage): (Observable | null)[] {
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
        ...(p.contentType === 'text/html'
          ? hrefs(p.body.toString('utf8')).flatMap((href) => urlObservables(href, 'related'))
          : []),
      ]),
  ];
}

/** An RFC 822 message, typically a user-reported phishing e-mail (the whole body is one message). */
export const email: Normalizer = {
  format: 'email',
  split: (body) => (body.trim() === '' ? [] : [{ ok: true, record: body }]),
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
    const { suspect, forwarded } = reported(outer);
    const subject = suspect.header('subject')?.trim() || '(no subject)';
    const from = addresses(suspect.header('from'))[0];
    const replyTo = addresses(suspect.header('reply-to'))[0];
    const auth = authenticationResults(suspect);
    const mismatch = replyTo && from && domainOf(replyTo)?.toLowerCase() !== domainOf(from)?.toLowerCase();
    const failed = auth.spf === 'fail' || auth.dmarc === 'fail' || auth.dkim === 'fail';
    const severity: Severity = failed || mismatch ? 'high' : 'medium';
    const notes = [
      `From ${suspect.header('from') ?? '(none)'}`,
      replyTo ? `Reply-To ${replyTo}${mismatch ? ' (differs from the sender domain)' : ''}` : undefined,
      `SPF ${auth.spf ?? 'none'}, DKIM ${auth.dkim ?? 'none'}, DMARC ${auth.dmarc ?? 'none'}`,
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
        ...observablesOf(suspect),
        ...(forwarded ? addresses(outer.header('from')).map((a) => observable('email', a, 'actor')) : []),
      ]),
      mitre: [{ tactic: 'Initial Access', technique: 'T1566' }],
      raw: record,
    };
  },
};

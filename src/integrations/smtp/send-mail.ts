import { createHash } from 'node:crypto';
import { type Static, Type } from '@sinclair/typebox';
import { ActionError } from '../../core/action.ts';
import { defineAction } from '../sdk/integration.ts';
import { smtpError } from './smtp-error.ts';
import { senderDomain, smtpSettings } from './smtp-settings.ts';
import { smtpTransport } from './smtp-transport.ts';

const Address = Type.String({ minLength: 3, maxLength: 320, pattern: '^[^\\s@<>,;]+@[^\\s@<>,;]+$' });

export const SendMailInput = Type.Object(
  {
    to: Type.Array(Address, { minItems: 1, maxItems: 100 }),
    cc: Type.Optional(Type.Array(Address, { maxItems: 100 })),
    subject: Type.String({ minLength: 1, maxLength: 998 }),
    text: Type.String({ maxLength: 1_000_000 }),
    /** An HTML alternative to `text`; both are sent. */
    html: Type.Optional(Type.String({ maxLength: 1_000_000 })),
  },
  { additionalProperties: false },
);
type SendMailInput = Static<typeof SendMailInput>;

export const SendMailOutput = Type.Object({
  message_id: Type.String(),
  accepted: Type.Array(Type.String()),
  rejected: Type.Array(Type.String()),
  /** The server's answer to the message (`250 2.0.0 Ok: queued as …`). */
  response: Type.String(),
});

/**
 * The Message-ID, from the step's idempotency key (stable across its attempts): a retry after a
 * lost answer sends a message with the same id, which receivers and mail clients recognise as
 * the same message (and many deduplicate).
 */
export function idempotentMessageId(instance: string, idempotencyKey: string, from: string): string {
  const digest = createHash('sha256').update(`${instance}\0${idempotencyKey}`).digest('hex').slice(0, 32);
  return `<riposte.${digest}@${senderDomain(from)}>`;
}

const addresses = (value: unknown): string[] =>
  Array.isArray(value)
    ? value.map((a) => (typeof a === 'string' ? a : String((a as { address?: unknown })?.address ?? a)))
    : [];

export const sendMail = defineAction({
  name: 'send_mail',
  title: 'Send an email',
  description:
    'Sends a notification by mail through the instance’s SMTP server, from its `from` address. The Message-ID is derived ' +
    'from the step, so a retried step sends the same message again rather than a new one.',
  effect: 'write',
  input: SendMailInput,
  output: SendMailOutput,
  timeoutMs: 120_000,
  run: async (input: SendMailInput, context) => {
    const settings = smtpSettings(context.fields);
    const messageId = idempotentMessageId(context.instance, context.idempotencyKey, settings.from);
    const transport = smtpTransport(settings);
    const onAbort = () => transport.close();
    context.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const info = await transport.sendMail({
        from: settings.from,
        to: input.to,
        ...(input.cc && input.cc.length > 0 ? { cc: input.cc } : {}),
        subject: input.subject,
        text: input.text,
        ...(input.html ? { html: input.html } : {}),
        messageId,
        // RFC 3834: an automated message; auto-responders do not answer it.
        headers: { 'Auto-Submitted': 'auto-generated' },
      });
      return {
        message_id: messageId,
        accepted: addresses(info.accepted),
        rejected: addresses(info.rejected),
        response: String(info.response ?? ''),
      };
    } catch (error) {
      if (context.signal.aborted)
        throw new ActionError('cancelled', 'sending the mail was cancelled', { retryable: false });
      throw smtpError(error, settings, `send ${messageId} to ${input.to.join(', ')}`);
    } finally {
      context.signal.removeEventListener('abort', onAbort);
      transport.close();
    }
  },
});

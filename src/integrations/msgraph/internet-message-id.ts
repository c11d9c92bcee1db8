import { Type } from '@sinclair/typebox';
import type { ActionTarget } from '../sdk/integration.ts';

/** The RFC 5322 Message-ID header, with or without its angle brackets. */
export const InternetMessageIdInput = Type.String({
  minLength: 3,
  maxLength: 998,
  pattern: '^<?[^<>\\s]+@[^<>\\s]+>?$',
  description: 'The Internet Message-ID (the Message-ID header), e.g. <CAF1x2y3@mail.example.com>',
});

/** One mailbox: a user's object id or userPrincipalName, one path segment. */
export const MailboxInput = Type.String({
  minLength: 1,
  maxLength: 256,
  pattern: '^[^/\\\\?#\\s]+$',
  description: 'A mailbox owner’s object id or userPrincipalName',
});

export const MailboxesInput = Type.Array(MailboxInput, {
  minItems: 1,
  maxItems: 500,
  uniqueItems: true,
  description: 'The mailboxes to look in (at most 500)',
});

/** Graph stores `internetMessageId` with its angle brackets (`<…@…>`): the canonical form here too. */
export function canonicalMessageId(value: string): string {
  return `<${value.trim().replace(/^</, '').replace(/>$/, '')}>`;
}

/** An OData string literal: single quotes doubled. */
export const odataString = (value: string) => `'${value.replaceAll("'", "''")}'`;

export const messageTarget = (internetMessageId: string): ActionTarget => ({
  type: 'message',
  value: canonicalMessageId(internetMessageId),
});

export const mailboxPath = (mailbox: string) => `/v1.0/users/${encodeURIComponent(mailbox)}`;

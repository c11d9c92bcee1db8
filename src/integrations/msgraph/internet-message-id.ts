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

/**
 * Duplicates are allowed (a playbook joining a message's recipients and its reporter names some
 * mailboxes twice): each mailbox is worked on once, see `distinctMailboxes`.
 */
export const MailboxesInput = Type.Array(MailboxInput, {
  minItems: 1,
  maxItems: 500,
  description: 'The mailboxes to look in (at most 500; each is looked in once, however often it is named)',
});

/**
 * Each mailbox once, first spelling kept: userPrincipalNames and object ids are case-insensitive,
 * so `Alice@corp.example` and `alice@corp.example` are one mailbox.
 */
export function distinctMailboxes(mailboxes: readonly string[]): string[] {
  const seen = new Set<string>();
  return mailboxes.filter((m) => {
    const key = m.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

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

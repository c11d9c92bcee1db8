import type { Kysely, Transaction } from 'kysely';
import type { CaseComment } from '../core/case.ts';
import type { DatabaseSchema } from '../store/schema.ts';

/** What the notification hook receives when a comment names people with @username. */
export interface MentionNotification {
  kind: 'mention';
  case: { id: string; title: string; severity: string };
  comment: CaseComment;
  /** The existing users the comment names, but its author. */
  mentioned: string[];
  at: string;
}

export type MentionHook = (notification: MentionNotification) => void;

// `@name` not preceded by a word character (so an e-mail address is not a mention); a trailing dot
// ends the sentence, not the name.
const MENTION = /(?<![\w.])@([a-zA-Z0-9][a-zA-Z0-9._@-]{0,127})/g;

/** The usernames a comment names that belong to existing users, in the order first named. */
export async function mentionedUsers(
  db: Kysely<DatabaseSchema> | Transaction<DatabaseSchema>,
  body: string,
): Promise<string[]> {
  const named = [...new Set([...body.matchAll(MENTION)].map((m) => m[1]!.replace(/\.+$/, '')))];
  if (named.length === 0) return [];
  const found = new Set(
    (
      await db.selectFrom('users').select('username').where('username', 'in', named.slice(0, 100)).execute()
    ).map((u) => u.username),
  );
  return named.filter((name) => found.has(name));
}

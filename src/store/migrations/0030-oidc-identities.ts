import type { Kysely } from 'kysely';

/**
 * Single sign-on (src/auth/oidc/): the identity at the provider (issuer and `sub`, which the provider
 * never reuses) each account is bound to, so a renamed or recycled username at the provider cannot
 * sign in as someone else; the sign-ins already completed, so one cannot be replayed; and the ID
 * token a session was opened with, the hint the provider's logout takes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('user_identities')
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_login_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('user_identities_pk', ['issuer', 'subject'])
    .execute();
  await db.schema.createIndex('user_identities_user').on('user_identities').columns(['user_id']).execute();
  await db.schema
    .createTable('oidc_used_states')
    .addColumn('state_hash', 'text', (c) => c.primaryKey())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('oidc_used_states_expiry')
    .on('oidc_used_states')
    .columns(['expires_at'])
    .execute();
  await db.schema.alterTable('sessions').addColumn('id_token', 'text').execute();
}

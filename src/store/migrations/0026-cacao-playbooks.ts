import type { Kysely } from 'kysely';

/**
 * Which CACAO playbook each imported playbook came from. CACAO playbooks with the same id are
 * versions of one playbook, so importing one again stores a new version of the same Riposte
 * playbook; a playbook-action step finds the playbook it calls here; an export keeps the id.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('cacao_playbooks')
    .addColumn('cacao_id', 'text', (c) => c.primaryKey())
    .addColumn('playbook_id', 'text', (c) => c.notNull())
    .addColumn('modified', 'text')
    .addColumn('imported_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('cacao_playbooks_playbook')
    .on('cacao_playbooks')
    .columns(['playbook_id'])
    .execute();
}

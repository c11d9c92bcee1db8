import type { Kysely } from 'kysely';
import { ADVISORY_LOCKS, takeTurn } from './advisory-locks.ts';
import type { Database, Dialect } from './database.ts';
import * as initial from './migrations/0001-initial.ts';
import * as playbooks from './migrations/0002-playbooks.ts';
import * as integrations from './migrations/0003-integrations.ts';
import * as intel from './migrations/0004-intel.ts';
import * as openapi from './migrations/0005-openapi.ts';
import * as response from './migrations/0006-response.ts';
import * as edl from './migrations/0007-edl.ts';
import * as consoleViews from './migrations/0008-console-views.ts';
import * as caseWork from './migrations/0009-case-work.ts';
import * as playbookTests from './migrations/0010-playbook-tests.ts';
import * as consoleAdmin from './migrations/0011-console-admin.ts';
import * as listIndexes from './migrations/0012-list-indexes.ts';
import * as fingerprintPrefix from './migrations/0013-fingerprint-prefix.ts';
import * as fingerprintShortPrefix from './migrations/0014-fingerprint-short-prefix.ts';
import * as fingerprintTiers from './migrations/0015-fingerprint-tiers.ts';
import * as actionReservations from './migrations/0016-action-reservations.ts';
import * as runHandoffs from './migrations/0017-run-handoffs.ts';
import * as runCases from './migrations/0018-run-cases.ts';
import * as commentOrder from './migrations/0019-comment-order.ts';
import * as workerLeases from './migrations/0020-worker-leases.ts';
import * as runsUpdatedIndex from './migrations/0021-runs-updated-index.ts';
import * as sourceTokenRotation from './migrations/0022-source-token-rotation.ts';
import * as caseMerge from './migrations/0023-case-merge.ts';
import * as sourceSilence from './migrations/0024-source-silence.ts';
import * as caseAttachments from './migrations/0025-case-attachments.ts';
import * as cacaoPlaybooks from './migrations/0026-cacao-playbooks.ts';
import * as sourcePullCursors from './migrations/0027-source-pull-cursors.ts';
import * as caseContainment from './migrations/0028-case-containment.ts';
import * as tokenScopes from './migrations/0029-token-scopes.ts';
import * as oidcIdentities from './migrations/0030-oidc-identities.ts';
import * as runMetricsIndexes from './migrations/0031-run-metrics-indexes.ts';
import * as tenants from './migrations/0032-tenants.ts';
import * as sourceAlertLimit from './migrations/0033-source-alert-limit.ts';
import * as tenantAlertLimit from './migrations/0034-tenant-alert-limit.ts';

interface Migration {
  name: string;
  up(db: Kysely<unknown>, dialect: Dialect): Promise<void>;
}

/** Forward-only migrations, applied in order; each runs in its own transaction on both dialects. */
export const MIGRATIONS: readonly Migration[] = [
  { name: '0001-initial', up: initial.up },
  { name: '0002-playbooks', up: playbooks.up },
  { name: '0003-integrations', up: integrations.up },
  { name: '0004-intel', up: intel.up },
  { name: '0005-openapi', up: openapi.up },
  { name: '0006-response', up: response.up },
  { name: '0007-edl', up: edl.up },
  { name: '0008-console-views', up: consoleViews.up },
  { name: '0009-case-work', up: caseWork.up },
  { name: '0010-playbook-tests', up: playbookTests.up },
  { name: '0011-console-admin', up: consoleAdmin.up },
  { name: '0012-list-indexes', up: listIndexes.up },
  { name: '0013-fingerprint-prefix', up: fingerprintPrefix.up },
  { name: '0014-fingerprint-short-prefix', up: fingerprintShortPrefix.up },
  { name: '0015-fingerprint-tiers', up: fingerprintTiers.up },
  { name: '0016-action-reservations', up: actionReservations.up },
  { name: '0017-run-handoffs', up: runHandoffs.up },
  { name: '0018-run-cases', up: runCases.up },
  { name: '0019-comment-order', up: commentOrder.up },
  { name: '0020-worker-leases', up: workerLeases.up },
  { name: '0021-runs-updated-index', up: runsUpdatedIndex.up },
  { name: '0022-source-token-rotation', up: sourceTokenRotation.up },
  { name: '0023-case-merge', up: caseMerge.up },
  { name: '0024-source-silence', up: sourceSilence.up },
  { name: '0025-case-attachments', up: caseAttachments.up },
  { name: '0026-cacao-playbooks', up: cacaoPlaybooks.up },
  { name: '0027-source-pull-cursors', up: sourcePullCursors.up },
  { name: '0028-case-containment', up: caseContainment.up },
  { name: '0029-token-scopes', up: tokenScopes.up },
  { name: '0030-oidc-identities', up: oidcIdentities.up },
  { name: '0031-run-metrics-indexes', up: runMetricsIndexes.up },
  { name: '0032-tenants', up: tenants.up },
  { name: '0033-source-alert-limit', up: sourceAlertLimit.up },
  { name: '0034-tenant-alert-limit', up: tenantAlertLimit.up },
];

export interface MigrationResult {
  applied: string[];
  current: string | undefined;
}

export async function migrate(database: Database): Promise<MigrationResult> {
  const db = database.db as unknown as Kysely<{ riposte_migrations: { name: string; applied_at: string } }>;
  await db.transaction().execute(async (trx) => {
    // Serializes concurrent `migrate` runs (api + workers starting together) on PostgreSQL, where even
    // CREATE TABLE IF NOT EXISTS races.
    await takeTurn(trx, database.dialect, ADVISORY_LOCKS.migrations);
    await trx.schema
      .createTable('riposte_migrations')
      .ifNotExists()
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('applied_at', 'text', (c) => c.notNull())
      .execute();
  });
  const applied: string[] = [];
  for (const migration of MIGRATIONS) {
    await db.transaction().execute(async (trx) => {
      await takeTurn(trx, database.dialect, ADVISORY_LOCKS.migrations);
      const done = await trx
        .selectFrom('riposte_migrations')
        .select('name')
        .where('name', '=', migration.name)
        .executeTakeFirst();
      if (done) return;
      await migration.up(trx as unknown as Kysely<unknown>, database.dialect);
      await trx
        .insertInto('riposte_migrations')
        .values({ name: migration.name, applied_at: new Date().toISOString() })
        .execute();
      applied.push(migration.name);
    });
  }
  return { applied, current: MIGRATIONS.at(-1)?.name };
}

import type { Kysely } from 'kysely';
import type { Actor, AuditLog } from '../audit/audit-log.ts';
import { nowIso } from '../core/clock.ts';
import { invalidField, RiposteError } from '../core/riposte-error.ts';
import { importOpenApi, type OpenApiImport } from '../integrations/openapi/openapi-integration.ts';
import type { IntegrationDefinition } from '../integrations/sdk/integration.ts';
import type { DatabaseSchema } from '../store/schema.ts';
import type { IntegrationCatalog } from './integration-catalog.ts';

export interface OpenApiSpecInput {
  id: string;
  name?: string;
  /** JSON or YAML text, or an already parsed JSON document. */
  spec: unknown;
}

/**
 * Integrations imported from OpenAPI descriptions: stored as given, rebuilt and registered at start-up.
 * An import registers in this process at once; other processes (workers) pick it up when they restart.
 */
export class OpenApiSpecStore {
  readonly #db: Kysely<DatabaseSchema>;
  readonly #audit: AuditLog;
  readonly #catalog: IntegrationCatalog;
  readonly #register: (definition: IntegrationDefinition) => void;

  constructor(
    db: Kysely<DatabaseSchema>,
    audit: AuditLog,
    catalog: IntegrationCatalog,
    register: (definition: IntegrationDefinition) => void,
  ) {
    this.#db = db;
    this.#audit = audit;
    this.#catalog = catalog;
    this.#register = register;
  }

  /**
   * Registers every stored description. One that no longer imports, or whose id a package now uses,
   * is reported and skipped: it must not keep the rest of Riposte from starting.
   */
  async registerStored(onError: (id: string, error: unknown) => void): Promise<string[]> {
    const rows = await this.#db.selectFrom('openapi_specs').selectAll().orderBy('id').execute();
    const registered: string[] = [];
    for (const row of rows) {
      try {
        this.#register(importOpenApi(row.spec, { id: row.id, name: row.name }).integration);
        registered.push(row.id);
      } catch (error) {
        onError(row.id, error);
      }
    }
    return registered;
  }

  /** Checks, stores and registers a description; a bad one fails with every problem (`invalid_openapi`). */
  async import(input: OpenApiSpecInput, actor: Actor): Promise<OpenApiImport> {
    if (typeof input.spec !== 'string' && (input.spec === null || typeof input.spec !== 'object'))
      throw invalidField('/spec', 'spec is the description: JSON or YAML text, or a JSON object');
    const text = typeof input.spec === 'string' ? input.spec : JSON.stringify(input.spec, null, 2);
    const imported = importOpenApi(text, { id: input.id, ...(input.name ? { name: input.name } : {}) });
    const { integration } = imported;
    if (this.#catalog.list().some((d) => d.id === integration.id))
      throw new RiposteError('conflict', `an integration "${integration.id}" already exists`, {
        path: '/id',
      });
    const now = nowIso();
    await this.#db.transaction().execute(async (trx) => {
      const stored = await trx
        .selectFrom('openapi_specs')
        .select('id')
        .where('id', '=', integration.id)
        .executeTakeFirst();
      if (stored)
        throw new RiposteError(
          'conflict',
          `"${integration.id}" was imported by another process; it is registered here at the next start`,
          { path: '/id' },
        );
      await trx
        .insertInto('openapi_specs')
        .values({
          id: integration.id,
          name: integration.name,
          spec: text,
          created_at: now,
          updated_by: actor.id,
        })
        .execute();
      await this.#audit.append(
        trx,
        [
          {
            actor,
            action: 'integration.openapi.import',
            targetType: 'integration',
            targetId: integration.id,
            details: { actions: integration.actions.map((a) => a.name), warnings: imported.warnings.length },
          },
        ],
        now,
      );
    });
    this.#register(integration);
    return imported;
  }
}

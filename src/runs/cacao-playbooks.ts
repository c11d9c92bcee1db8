/**
 * CACAO v2.0 playbooks in and out. An import translates the document (src/playbooks/cacao), compiles
 * the result like any playbook and stores it as a new version, remembering which CACAO playbook it
 * came from: the same CACAO id imported again is a new version of the same playbook, and a
 * playbook-action step finds the playbook it calls. An export writes the stored version as CACAO.
 */
import type { Kysely } from 'kysely';
import type { Actor, AuditLog } from '../audit/audit-log.ts';
import { nowDate } from '../core/clock.ts';
import { RiposteError } from '../core/riposte-error.ts';
import { exportCacao } from '../playbooks/cacao/cacao-export.ts';
import { importCacao, type CacaoImportResult } from '../playbooks/cacao/cacao-import.ts';
import type { PlaybookIssue } from '../playbooks/playbook-issue.ts';
import type { CacaoIssue, CacaoProfile } from '../playbooks/cacao/cacao-issues.ts';
import type { DatabaseSchema } from '../store/schema.ts';
import type { PlaybookService, SaveResult } from './playbook-service.ts';

export interface CacaoImportRequest {
  /** The CACAO document: JSON text or the parsed value. */
  document: unknown;
  profile: CacaoProfile;
  /** Store under this Riposte id (replacing a playbook of that id with a new version). */
  id?: string;
  /** Translate and check only; store nothing. */
  dryRun?: boolean;
}

export interface CacaoImportAnswer {
  playbookId: string;
  cacaoId: string | null;
  /** The Riposte playbook written from the document, as stored (or as it would be). */
  source: string;
  warnings: CacaoIssue[];
  /** Null on a dry run. */
  saved: SaveResult | null;
}

export class CacaoPlaybooks {
  readonly #db: Kysely<DatabaseSchema>;
  readonly #playbooks: PlaybookService;
  readonly #audit: AuditLog;

  constructor(db: Kysely<DatabaseSchema>, playbooks: PlaybookService, audit: AuditLog) {
    this.#db = db;
    this.#playbooks = playbooks;
    this.#audit = audit;
  }

  async #mappings(): Promise<Map<string, string>> {
    const rows = await this.#db.selectFrom('cacao_playbooks').select(['cacao_id', 'playbook_id']).execute();
    return new Map(rows.map((r) => [r.cacao_id, r.playbook_id]));
  }

  async import(request: CacaoImportRequest, actor: Actor): Promise<CacaoImportAnswer> {
    const mappings = await this.#mappings();
    const result = importCacao(request.document, {
      profile: request.profile,
      ...(request.id === undefined ? {} : { id: request.id }),
      previousId: (cacaoId) => mappings.get(cacaoId),
      resolvePlaybook: (id) => mappings.get(id) ?? null,
      now: nowDate(),
    });
    if (result.source === null || result.playbookId === null)
      throw new RiposteError(
        'invalid_playbook',
        `the CACAO playbook has ${result.errors.length} error(s): ${result.errors[0]?.path ?? ''} ${result.errors[0]?.message ?? ''}`.trim(),
        { extra: { errors: result.errors, warnings: result.warnings } },
      );
    const { source, warnings } = result;
    const id = result.playbookId;
    // The translation compiles once: here for a dry run, in `save` otherwise (its refusal said the same way).
    const notCompiling = (errors: readonly PlaybookIssue[]) => {
      const listed = errors.map((e) => ({
        path: '',
        message: `the translated playbook does not compile: line ${e.line}: ${e.message}`,
      }));
      return new RiposteError('invalid_playbook', listed[0]!.message, {
        extra: { errors: listed, warnings, source },
      });
    };
    if (request.dryRun === true) {
      const compiled = this.#playbooks.validate(source, `${id}.yaml`);
      if (!compiled.ok) throw notCompiling(compiled.errors);
    }
    const known = result.cacaoId === null ? undefined : mappings.get(result.cacaoId);
    if (request.id === undefined && known === undefined) {
      const head = await this.#playbooks.head(id);
      if (head !== null && !head.deleted)
        throw new RiposteError(
          'conflict',
          `a playbook "${id}" already exists and was not imported from ${result.cacaoId ?? 'this document'}: pass an id to import it under another one, or id=${id} to make it a new version of that playbook`,
          { path: '/id' },
        );
    }
    const answer = { playbookId: id, cacaoId: result.cacaoId, source, warnings };
    if (request.dryRun === true) return { ...answer, saved: null };
    const saved = await this.#saveImported(
      { ...result, source, playbookId: id },
      actor,
      request.profile,
    ).catch((error: unknown) => {
      if (error instanceof RiposteError && error.code === 'invalid_playbook')
        throw notCompiling((error.extra?.['errors'] ?? []) as PlaybookIssue[]);
      throw error;
    });
    return { ...answer, saved };
  }

  /** Stores the translation as the playbook's next version, with its CACAO id and the audit row. */
  #saveImported(
    result: CacaoImportResult & { source: string; playbookId: string },
    actor: Actor,
    profile: CacaoProfile,
  ) {
    const id = result.playbookId;
    return this.#playbooks.save(result.source, actor, `${id}.yaml`, async (trx, now) => {
      if (result.cacaoId !== null) {
        await trx.deleteFrom('cacao_playbooks').where('cacao_id', '=', result.cacaoId).execute();
        await trx
          .insertInto('cacao_playbooks')
          .values({ cacao_id: result.cacaoId, playbook_id: id, modified: result.modified, imported_at: now })
          .execute();
      }
      await this.#audit.append(
        trx,
        [
          {
            actor,
            action: 'playbook.import_cacao',
            targetType: 'playbook',
            targetId: id,
            details: {
              cacaoId: result.cacaoId,
              modified: result.modified,
              profile,
              warnings: result.warnings.length,
            },
          },
        ],
        now,
      );
    });
  }

  /** The playbook's current (or given) version as a CACAO v2.0 document. */
  async export(id: string, version?: number): Promise<Record<string, unknown>> {
    const current = await this.#playbooks.get(id);
    const wanted = version ?? current.version;
    const stored = await this.#playbooks.version(id, wanted);
    const first = await this.#playbooks.version(id, 1).catch(() => stored);
    const plan = await this.#playbooks.plan(id, wanted);
    const rows = await this.#db.selectFrom('cacao_playbooks').select(['cacao_id', 'playbook_id']).execute();
    const cacaoIdOfPlaybook = (playbookId: string) =>
      rows.find((r) => r.playbook_id === playbookId)?.cacao_id;
    const cacaoId = cacaoIdOfPlaybook(id);
    return exportCacao(plan, stored.source, {
      ...(cacaoId === undefined ? {} : { cacaoId }),
      created: first.createdAt,
      modified: stored.createdAt,
      cacaoIdOf: cacaoIdOfPlaybook,
    });
  }
}

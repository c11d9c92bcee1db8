import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Actor, AuditLog } from '../audit/audit-log.ts';
import type { ActionCatalog } from '../core/action.ts';
import { nowIso } from '../core/clock.ts';
import type { PlaybookPlan } from '../core/playbook.ts';
import { RiposteError } from '../core/riposte-error.ts';
import { compilePlaybook, type PlaybookIssue } from '../playbooks/compile-playbook.ts';
import { nextCronTime } from '../playbooks/cron.ts';
import type { DatabaseSchema, PlaybookTable } from '../store/schema.ts';

export interface PlaybookSummary {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  order: number;
  version: number;
  triggers: TriggerSummary;
  createdAt: string;
  updatedAt: string;
}

export interface TriggerSummary {
  alert: string | null;
  case: string[];
  schedule: string[];
  manual: boolean;
  /** The alert trigger only fires for alerts no other playbook claims. */
  fallback: boolean;
}

export interface PlaybookVersion {
  playbookId: string;
  version: number;
  source: string;
  createdAt: string;
  createdBy: string;
}

export interface SaveResult {
  playbook: PlaybookSummary;
  /** False when the source was identical to the current version (nothing stored). */
  changed: boolean;
  warnings: PlaybookIssue[];
}

/** A compiled plan with the version it was compiled from. */
export interface VersionedPlan {
  plan: PlaybookPlan;
  version: number;
}

const PLAN_CACHE = 256;
const TRIGGER_REFRESH_MS = 2_000;

function toSummary(row: PlaybookTable): PlaybookSummary {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    enabled: row.enabled === 1,
    order: Number(row.run_order),
    version: Number(row.current_version),
    // Rows saved before fallback triggers existed lack the key.
    triggers: { fallback: false, ...(JSON.parse(row.triggers) as Partial<TriggerSummary>) } as TriggerSummary,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * Playbooks and their versions. Every saved change is a new version (runs pin theirs); only a source
 * that compiles is stored. Compiled plans are cached per version, so a version is parsed once.
 */
export class PlaybookService {
  readonly #db: Kysely<DatabaseSchema>;
  readonly #audit: AuditLog;
  readonly #catalog: ActionCatalog;
  readonly #plans = new Map<string, PlaybookPlan>();
  #enabled: { at: number; stamp: string; list: VersionedPlan[] } | undefined;

  readonly #onError: (error: unknown, message: string) => void;

  constructor(
    db: Kysely<DatabaseSchema>,
    audit: AuditLog,
    catalog: ActionCatalog,
    onError: (error: unknown, message: string) => void = () => undefined,
  ) {
    this.#onError = onError;
    this.#db = db;
    this.#audit = audit;
    this.#catalog = catalog;
  }

  get catalog(): ActionCatalog {
    return this.#catalog;
  }

  validate(source: string, file = 'playbook.yaml'): ReturnType<typeof compilePlaybook> {
    return compilePlaybook(source, { file, catalog: this.#catalog });
  }

  /**
   * Compiles and stores the source as the playbook's next version; refuses it with every error when
   * invalid. `alongside` writes what belongs with the save in the same transaction (it runs also
   * when the source is unchanged).
   */
  async save(
    source: unknown,
    actor: Actor,
    file = 'playbook.yaml',
    alongside?: (trx: Transaction<DatabaseSchema>, now: string) => Promise<void>,
  ): Promise<SaveResult> {
    if (typeof source !== 'string' || source.trim() === '')
      throw new RiposteError('validation_failed', 'the playbook source must be a non-empty YAML string', {
        path: '/source',
      });
    const result = this.validate(source, file);
    if (!result.ok)
      throw new RiposteError(
        'invalid_playbook',
        `the playbook has ${result.errors.length} error(s): ${result.errors[0]?.message ?? ''}`,
        { extra: { errors: result.errors, warnings: result.warnings } },
      );
    const plan = result.plan;
    await this.#checkSubPlaybooks(plan, file);
    const hash = createHash('sha256').update(source).digest('hex');
    const now = nowIso();
    const triggers: TriggerSummary = {
      alert: plan.triggers.alert?.source ?? null,
      case: plan.triggers.case,
      schedule: plan.triggers.schedule,
      manual: plan.triggers.manual,
      fallback: plan.triggers.fallback === true,
    };
    const saved = await this.#db.transaction().execute(async (trx) => {
      const current = await trx
        .selectFrom('playbooks')
        .selectAll()
        .where('id', '=', plan.id)
        .executeTakeFirst();
      if (current && current.deleted_at === null) {
        const head = await trx
          .selectFrom('playbook_versions')
          .select('source_hash')
          .where('playbook_id', '=', plan.id)
          .where('version', '=', current.current_version)
          .executeTakeFirst();
        if (head?.source_hash === hash) {
          await alongside?.(trx, now);
          return { row: current, changed: false };
        }
      }
      const version = current ? Number(current.current_version) + 1 : 1;
      const row: PlaybookTable = {
        id: plan.id,
        name: plan.name,
        description: plan.description,
        enabled: plan.enabled ? 1 : 0,
        run_order: plan.order,
        current_version: version,
        triggers: JSON.stringify(triggers),
        created_at: current?.created_at ?? now,
        updated_at: now,
        deleted_at: null,
      };
      if (current) await trx.updateTable('playbooks').set(row).where('id', '=', plan.id).execute();
      else await trx.insertInto('playbooks').values(row).execute();
      await trx
        .insertInto('playbook_versions')
        .values({
          playbook_id: plan.id,
          version,
          source,
          source_hash: hash,
          created_at: now,
          created_by: actor.id,
        })
        .execute();
      await trx.deleteFrom('playbook_schedules').where('playbook_id', '=', plan.id).execute();
      if (plan.enabled && plan.triggers.schedule.length > 0)
        await trx
          .insertInto('playbook_schedules')
          .values(
            plan.triggers.schedule.map((expression) => ({
              playbook_id: plan.id,
              expression,
              next_at: nextCronTime(expression, new Date(now)).toISOString(),
            })),
          )
          .execute();
      await this.#audit.append(
        trx,
        [{ actor, action: 'playbook.save', targetType: 'playbook', targetId: plan.id, details: { version } }],
        now,
      );
      await alongside?.(trx, now);
      return { row, changed: true };
    });
    if (saved.changed) {
      this.#plans.set(`${plan.id}@${saved.row.current_version}`, plan);
      this.#enabled = undefined;
    }
    return { playbook: toSummary(saved.row), changed: saved.changed, warnings: result.warnings };
  }

  async list(): Promise<PlaybookSummary[]> {
    const rows = await this.#db
      .selectFrom('playbooks')
      .selectAll()
      .where('deleted_at', 'is', null)
      .orderBy('run_order')
      .orderBy('id')
      .execute();
    return rows.map(toSummary);
  }

  async get(id: string): Promise<PlaybookSummary & { source: string }> {
    const row = await this.#row(id);
    const version = await this.version(id, Number(row.current_version));
    return { ...toSummary(row), source: version.source };
  }

  async versions(id: string): Promise<Omit<PlaybookVersion, 'source'>[]> {
    await this.#row(id);
    const rows = await this.#db
      .selectFrom('playbook_versions')
      .select(['playbook_id', 'version', 'created_at', 'created_by'])
      .where('playbook_id', '=', id)
      .orderBy('version', 'desc')
      .execute();
    return rows.map((r) => ({
      playbookId: r.playbook_id,
      version: Number(r.version),
      createdAt: r.created_at,
      createdBy: r.created_by,
    }));
  }

  async version(id: string, version: number): Promise<PlaybookVersion> {
    const row = await this.#db
      .selectFrom('playbook_versions')
      .selectAll()
      .where('playbook_id', '=', id)
      .where('version', '=', version)
      .executeTakeFirst();
    if (!row) throw new RiposteError('not_found', `playbook "${id}" has no version ${version}`);
    return {
      playbookId: row.playbook_id,
      version: Number(row.version),
      source: row.source,
      createdAt: row.created_at,
      createdBy: row.created_by,
    };
  }

  /** Who wrote the current version of a playbook (deleted or not), and its hash; null when it never existed. */
  async head(
    id: string,
  ): Promise<{ version: number; createdBy: string; sourceHash: string; deleted: boolean } | null> {
    const row = await this.#db
      .selectFrom('playbooks')
      .innerJoin('playbook_versions', (join) =>
        join
          .onRef('playbook_versions.playbook_id', '=', 'playbooks.id')
          .onRef('playbook_versions.version', '=', 'playbooks.current_version'),
      )
      .select([
        'playbooks.current_version as version',
        'playbooks.deleted_at as deleted_at',
        'playbook_versions.created_by as created_by',
        'playbook_versions.source_hash as source_hash',
      ])
      .where('playbooks.id', '=', id)
      .executeTakeFirst();
    if (!row) return null;
    return {
      version: Number(row.version),
      createdBy: row.created_by,
      sourceHash: row.source_hash,
      deleted: row.deleted_at !== null,
    };
  }

  /** Disables and hides the playbook; its versions stay, so past runs still show what they ran. */
  async remove(id: string, actor: Actor): Promise<void> {
    await this.#row(id);
    const now = nowIso();
    await this.#db.transaction().execute(async (trx) => {
      await trx
        .updateTable('playbooks')
        .set({ deleted_at: now, enabled: 0, updated_at: now })
        .where('id', '=', id)
        .execute();
      await trx.deleteFrom('playbook_schedules').where('playbook_id', '=', id).execute();
      await this.#audit.append(
        trx,
        [{ actor, action: 'playbook.delete', targetType: 'playbook', targetId: id }],
        now,
      );
    });
    this.#enabled = undefined;
  }

  /** The current version's plan (throws not_found for an unknown or deleted playbook). */
  async current(id: string): Promise<VersionedPlan> {
    const row = await this.#row(id);
    const version = Number(row.current_version);
    return { plan: await this.plan(id, version), version };
  }

  /** The plan of a version, compiled once and cached. */
  async plan(id: string, version: number): Promise<PlaybookPlan> {
    const key = `${id}@${version}`;
    const cached = this.#plans.get(key);
    if (cached) return cached;
    const { source } = await this.version(id, version);
    const result = this.validate(source, `${id}.yaml`);
    if (!result.ok)
      throw new RiposteError(
        'internal',
        `stored playbook ${key} no longer compiles (an action it uses is gone?): ${result.errors[0]?.message ?? ''}`,
      );
    if (this.#plans.size >= PLAN_CACHE) this.#plans.delete(this.#plans.keys().next().value!);
    this.#plans.set(key, result.plan);
    return result.plan;
  }

  /**
   * Enabled playbooks with their current plans, in run order. Re-read when this process changed one,
   * or when another process did (checked at most every couple of seconds).
   */
  async enabledPlans(): Promise<readonly VersionedPlan[]> {
    const cached = this.#enabled;
    if (cached && Date.now() - cached.at < TRIGGER_REFRESH_MS) return cached.list;
    const stamp = await this.#db
      .selectFrom('playbooks')
      .select((eb) => [eb.fn.max('updated_at').as('latest'), eb.fn.countAll().as('count')])
      .executeTakeFirst();
    const key = `${stamp?.latest ?? ''}/${String(stamp?.count ?? 0)}`;
    if (cached && cached.stamp === key) {
      cached.at = Date.now();
      return cached.list;
    }
    const rows = await this.#db
      .selectFrom('playbooks')
      .select(['id', 'current_version'])
      .where('deleted_at', 'is', null)
      .where('enabled', '=', 1)
      .orderBy('run_order')
      .orderBy('id')
      .execute();
    const list: VersionedPlan[] = [];
    for (const row of rows) {
      const version = Number(row.current_version);
      try {
        list.push({ plan: await this.plan(row.id, version), version });
      } catch (error) {
        // One playbook that no longer compiles (an integration was removed) must not stop the others.
        this.#onError(error, `playbook ${row.id} is skipped by triggers`);
      }
    }
    this.#enabled = { at: Date.now(), stamp: key, list };
    return list;
  }

  /** The compiler cannot know which playbooks exist; a `playbook:` step naming an unknown one is refused here. */
  async #checkSubPlaybooks(plan: PlaybookPlan, file: string): Promise<void> {
    const steps = Object.values(plan.steps).filter((s) => s.kind === 'playbook' && s.playbook !== plan.id);
    if (steps.length === 0) return;
    const known = new Set(
      (await this.#db.selectFrom('playbooks').select('id').where('deleted_at', 'is', null).execute()).map(
        (r) => r.id,
      ),
    );
    const errors: PlaybookIssue[] = steps.flatMap((step) =>
      step.kind === 'playbook' && !known.has(step.playbook)
        ? [
            {
              file,
              line: step.position.line,
              column: step.position.column,
              path: `steps.${step.id}.playbook`,
              message: `no playbook with id "${step.playbook}" is stored (save it first)`,
            },
          ]
        : [],
    );
    if (errors.length > 0)
      throw new RiposteError(
        'invalid_playbook',
        `the playbook has ${errors.length} error(s): ${errors[0]!.message}`,
        {
          extra: { errors, warnings: [] },
        },
      );
  }

  async #row(id: string): Promise<PlaybookTable> {
    const row = await this.#db.selectFrom('playbooks').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row || row.deleted_at !== null) throw new RiposteError('not_found', `no playbook with id "${id}"`);
    return row;
  }
}

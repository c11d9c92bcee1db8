/**
 * Golden test files stored per playbook (the console's Tests tab), run by the same engine as
 * `riposte playbook test`. On the server the test file's playbooks come from the store (or from the
 * editor's unsaved source), never from the disk: `playbook:` is not read, `playbooks.<id>` names a
 * stored playbook, and `alert_file` is refused.
 */
import type { Kysely } from 'kysely';
import type { Actor, AuditLog } from '../audit/audit-log.ts';
import { nowIso } from '../core/clock.ts';
import { RiposteError } from '../core/riposte-error.ts';
import type { DatabaseSchema } from '../store/schema.ts';
import { readGoldenFile } from './golden-test-file.ts';
import { runGoldenText, type GoldenFileReport, type GoldenSources } from './golden-tests.ts';
import type { PlaybookService } from './playbook-service.ts';

export interface StoredPlaybookTests {
  playbookId: string;
  /** The test file YAML; null when none is stored yet. */
  source: string | null;
  updatedAt: string | null;
  updatedBy: string | null;
}

export interface PlaybookTestRun extends GoldenFileReport {
  passed: number;
  failed: number;
}

export class PlaybookTests {
  readonly #db: Kysely<DatabaseSchema>;
  readonly #audit: AuditLog;
  readonly #playbooks: PlaybookService;

  constructor(db: Kysely<DatabaseSchema>, audit: AuditLog, playbooks: PlaybookService) {
    this.#db = db;
    this.#audit = audit;
    this.#playbooks = playbooks;
  }

  async get(playbookId: string): Promise<StoredPlaybookTests> {
    await this.#playbooks.current(playbookId);
    const row = await this.#db
      .selectFrom('playbook_tests')
      .selectAll()
      .where('playbook_id', '=', playbookId)
      .executeTakeFirst();
    return {
      playbookId,
      source: row?.source ?? null,
      updatedAt: row?.updated_at ?? null,
      updatedBy: row?.updated_by ?? null,
    };
  }

  /** Stores the test file when it reads without a mistake; refuses it with every problem otherwise. */
  async save(playbookId: string, source: unknown, actor: Actor): Promise<StoredPlaybookTests> {
    await this.#playbooks.current(playbookId);
    const text = requireText(source, '/source');
    const read = readGoldenFile(text, testFileName(playbookId));
    if (read.errors.length > 0)
      throw new RiposteError(
        'validation_failed',
        `the test file has ${read.errors.length} problem(s): ${read.errors[0]!.message}`,
        { path: '/source', extra: { errors: read.errors } },
      );
    const now = nowIso();
    await this.#db.transaction().execute(async (trx) => {
      const row = { source: text, updated_at: now, updated_by: actor.id };
      const updated = await trx
        .updateTable('playbook_tests')
        .set(row)
        .where('playbook_id', '=', playbookId)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0)
        await trx
          .insertInto('playbook_tests')
          .values({ playbook_id: playbookId, ...row })
          .execute();
      await this.#audit.append(
        trx,
        [{ actor, action: 'playbook.tests.save', targetType: 'playbook', targetId: playbookId }],
        now,
      );
    });
    return { playbookId, source: text, updatedAt: now, updatedBy: actor.id };
  }

  /**
   * Runs the test file (the one sent, or the stored one) against the playbook (the source sent, or its
   * current version). Nothing is written and no action runs: every result comes from the file's mocks.
   */
  async run(playbookId: string, options: { source?: unknown; tests?: unknown }): Promise<PlaybookTestRun> {
    const { version } = await this.#playbooks.current(playbookId);
    const playbook =
      options.source === undefined
        ? (await this.#playbooks.version(playbookId, version)).source
        : requireText(options.source, '/source');
    let tests: string;
    if (options.tests !== undefined) tests = requireText(options.tests, '/tests');
    else {
      const stored = (await this.get(playbookId)).source;
      if (stored === null)
        throw new RiposteError(
          'validation_failed',
          `no golden tests are stored for playbook ${playbookId}: save a test file first, or send it as tests`,
          { path: '/tests' },
        );
      tests = stored;
    }
    const report = await runGoldenText(
      tests,
      testFileName(playbookId),
      this.#playbooks.catalog,
      this.#sources(playbookId, playbook),
    );
    const passed = report.cases.filter((c) => c.ok).length;
    return { ...report, passed, failed: report.cases.length - passed };
  }

  #sources(playbookId: string, source: string): GoldenSources {
    return {
      playbook: async (_path, id) => {
        if (id === null || id === playbookId) return { file: `${playbookId}.yaml`, source };
        const file = `${id}.yaml`;
        try {
          const { version } = await this.#playbooks.current(id);
          return { file, source: (await this.#playbooks.version(id, version)).source };
        } catch (error) {
          return { file, error: error as Error };
        }
      },
      alert: async (path) => ({
        file: path,
        error: new Error('tests stored on the server read no files; write the alert inline (alert: { … })'),
      }),
    };
  }
}

function testFileName(playbookId: string): string {
  return `${playbookId}.test.yaml`;
}

function requireText(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw new RiposteError('validation_failed', `${path.slice(1)} must be a non-empty YAML string`, { path });
  return value;
}

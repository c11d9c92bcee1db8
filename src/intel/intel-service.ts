import { sql, type Kysely } from 'kysely';
import type { Actor, AuditLog } from '../audit/audit-log.ts';
import { nowDate } from '../core/clock.ts';
import { canonicalObservable } from '../core/observable.ts';
import { RiposteError } from '../core/riposte-error.ts';
import { decodeCursor, toPage, type Page } from '../store/cursor.ts';
import type { DatabaseSchema, IntelIndicatorTable } from '../store/schema.ts';
import { parseDuration } from './duration.ts';
import {
  INDICATOR_TYPES,
  INTEL_FORMATS,
  isIndicatorType,
  isIntelFormat,
  type IndicatorType,
  type IntelFormat,
  type ParseIssue,
} from './indicator.ts';
import { mergeDuplicates, writeIndicators } from './indicator-writer.ts';
import { findingProvider } from './indicator-matcher.ts';
import { detectFormat, PARSERS } from './parsers/intel-formats.ts';

export interface ImportOptions {
  format?: string;
  source?: string;
  /** `30d`; how long an indicator stays live when the data gives no expiry. */
  ttl?: string;
  /** Import the valid records of a file that has malformed ones, and report what was skipped. */
  partial?: boolean;
  /** The clock (tests); now by default. */
  now?: Date;
}

export interface ImportResult {
  source: string;
  format: IntelFormat;
  /** Records the file holds (indicators, attributes, rows). */
  records: number;
  /** Distinct indicators stored: created + updated. */
  indicators: number;
  created: number;
  updated: number;
  /** Stored already past their own valid_until (they will not match). */
  expired: number;
  validUntil: string;
  partial: boolean;
  /** Malformed records left out (only with partial): how many, and the first 200. */
  skippedCount: number;
  skipped: ParseIssue[];
  warningCount: number;
  /** Records that are valid but that Riposte cannot use (an unmappable pattern, an unknown type). */
  warnings: ParseIssue[];
}

export interface IndicatorView {
  id: string;
  type: string;
  value: string;
  source: string;
  confidence: number;
  threat: string | null;
  labels: string[];
  tags: string[];
  firstSeen: string;
  lastSeen: string;
  validUntil: string;
  reference: string | null;
  live: boolean;
}

export const DEFAULT_TTL = '30d';
const TTL_BOUNDS = { min: 60, max: 365 * 86_400 };
/** A report of thousands of issues helps nobody; the first ones and the count do. */
const MAX_ISSUES = 200;
const SOURCE_NAME = /^[a-z0-9][a-z0-9_.-]{0,62}$/;

export function checkSourceName(name: string, field = 'source'): string {
  if (!SOURCE_NAME.test(name))
    throw new RiposteError(
      'validation_failed',
      `${field} must be 1–63 lower-case letters, digits, "_", "." or "-" (a feed or import name such as feodo); got ${JSON.stringify(name)}`,
      { path: field },
    );
  return name;
}

function toView(row: IntelIndicatorTable, now: string): IndicatorView {
  return {
    id: row.id,
    type: row.type,
    value: row.value,
    source: row.source,
    confidence: Number(row.confidence),
    threat: row.threat,
    labels: JSON.parse(row.labels) as string[],
    tags: JSON.parse(row.tags) as string[],
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
    validUntil: row.valid_until,
    reference: row.reference,
    live: row.valid_until > now,
  };
}

/** Imports of threat-intelligence files (one transaction each), the indicator list, removal by source. */
export class IntelService {
  readonly #db: Kysely<DatabaseSchema>;
  readonly #audit: AuditLog;

  constructor(db: Kysely<DatabaseSchema>, audit: AuditLog) {
    this.#db = db;
    this.#audit = audit;
  }

  async import(text: string, options: ImportOptions, actor: Actor): Promise<ImportResult> {
    const format = this.#format(text, options.format);
    const source = checkSourceName(options.source ?? format.replace(/[^a-z0-9]+/g, '-'));
    const ttl = parseDuration(options.ttl ?? DEFAULT_TTL, 'ttl', TTL_BOUNDS);
    const partial = options.partial === true;
    const parsed = PARSERS[format](text);
    const warnings = parsed.warnings.slice(0, MAX_ISSUES);
    const counts = {
      format,
      records: parsed.records,
      errorCount: parsed.errors.length,
      warningCount: parsed.warnings.length,
    };
    if (parsed.errors.length > 0 && (!partial || parsed.indicators.length === 0)) {
      throw new RiposteError(
        'invalid_intel_file',
        partial
          ? `no valid indicator in the file: ${parsed.errors.length} malformed records`
          : `${parsed.errors.length} malformed records; nothing was imported (import with partial to keep the ${parsed.indicators.length} valid indicators)`,
        { extra: { ...counts, errors: parsed.errors.slice(0, MAX_ISSUES), warnings } },
      );
    }
    const now = options.now ?? nowDate();
    const at = now.toISOString();
    const validUntil = new Date(now.getTime() + ttl * 1000).toISOString();
    const indicators = mergeDuplicates(parsed.indicators);
    const written = await this.#db.transaction().execute(async (trx) => {
      const result = await writeIndicators(trx, source, indicators, {
        now: at,
        defaultValidUntil: validUntil,
      });
      await this.#audit.append(
        trx,
        [
          {
            actor,
            action: 'intel.import',
            targetType: 'intel_source',
            targetId: source,
            details: { ...counts, indicators: indicators.length, ...result, partial },
          },
        ],
        at,
      );
      return result;
    });
    return {
      source,
      format,
      records: parsed.records,
      indicators: indicators.length,
      ...written,
      expired: indicators.filter((i) => i.validUntil !== null && i.validUntil <= at).length,
      validUntil,
      partial,
      skippedCount: parsed.errors.length,
      skipped: parsed.errors.slice(0, MAX_ISSUES),
      warningCount: parsed.warnings.length,
      warnings,
    };
  }

  #format(text: string, requested: string | undefined): IntelFormat {
    if (requested !== undefined && requested !== '') {
      if (!isIntelFormat(requested))
        throw new RiposteError(
          'validation_failed',
          `format must be one of ${INTEL_FORMATS.join(', ')}; got ${JSON.stringify(requested)}`,
          {
            path: 'format',
          },
        );
      return requested;
    }
    const detected = detectFormat(text);
    if (!detected)
      throw new RiposteError(
        'invalid_intel_file',
        `the format cannot be told from the content; name it with format (one of ${INTEL_FORMATS.join(', ')})`,
        { path: 'format' },
      );
    return detected;
  }

  async list(
    query: { type?: string; value?: string; source?: string; cursor?: string; limit?: number },
    now = nowDate(),
  ): Promise<Page<IndicatorView>> {
    const limit = query.limit ?? 50;
    const cursor = decodeCursor(query.cursor);
    if (query.type !== undefined && !isIndicatorType(query.type))
      throw new RiposteError('validation_failed', `type must be one of ${INDICATOR_TYPES.join(', ')}`, {
        path: 'type',
      });
    const types: readonly IndicatorType[] = query.type ? [query.type as IndicatorType] : INDICATOR_TYPES;
    // A value is looked up in its canonical form, under every type it is valid for when none is named.
    const keys =
      query.value === undefined
        ? undefined
        : types.flatMap((type) => {
            const value = canonicalObservable(type, query.value!);
            return value === null ? [] : [{ type, value }];
          });
    if (keys && keys.length === 0) return { items: [], nextCursor: null };
    let q = this.#db
      .selectFrom('intel_indicators')
      .selectAll()
      .orderBy('id', 'desc')
      .limit(limit + 1);
    if (cursor) q = q.where('id', '<', cursor);
    if (query.source) q = q.where('source', '=', query.source);
    if (query.type && !keys) q = q.where('type', '=', query.type);
    if (keys)
      q = q.where((eb) =>
        eb.or(keys.map((k) => eb.and([eb('type', '=', k.type), eb('value', '=', k.value)]))),
      );
    const rows = await q.execute();
    const at = now.toISOString();
    return toPage(
      rows.map((r) => toView(r, at)),
      limit,
    );
  }

  /** Removes a source's indicators and the findings its matches recorded: a feed no longer trusted says nothing. */
  async deleteSource(source: string, actor: Actor): Promise<{ source: string; deleted: number }> {
    checkSourceName(source);
    return this.#db.transaction().execute(async (trx) => {
      const result = await trx.deleteFrom('intel_indicators').where('source', '=', source).executeTakeFirst();
      await trx.deleteFrom('observable_findings').where('provider', '=', findingProvider(source)).execute();
      const deleted = Number(result.numDeletedRows);
      await this.#audit.append(trx, [
        { actor, action: 'intel.delete', targetType: 'intel_source', targetId: source, details: { deleted } },
      ]);
      return { source, deleted };
    });
  }

  /** Indicators per source, live and expired (for the feed list and the docs' examples). */
  async sourceCounts(now = nowDate()): Promise<Map<string, { live: number; expired: number }>> {
    const at = now.toISOString();
    const rows = await this.#db
      .selectFrom('intel_indicators')
      .select([
        'source',
        sql<number>`count(*)`.as('total'),
        sql<number>`sum(CASE WHEN valid_until > ${at} THEN 1 ELSE 0 END)`.as('live'),
      ])
      .groupBy('source')
      .execute();
    return new Map(
      rows.map((r) => [r.source, { live: Number(r.live), expired: Number(r.total) - Number(r.live) }]),
    );
  }
}

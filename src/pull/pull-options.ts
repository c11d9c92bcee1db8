import { RiposteError } from '../core/riposte-error.ts';
import type { AlertFeed } from '../integrations/sdk/alert-feed.ts';
import type { IntegrationDefinition } from '../integrations/sdk/integration.ts';

/**
 * A source that Riposte fills by pulling its vendor's API (`options.pull` of a source whose format
 * an integration's feed produces): which instance of that integration holds the URL and
 * credentials, how often, and what to read.
 */
export interface PullOptions {
  instance: string;
  everySeconds: number;
  /** Records per request (the feed's default when absent). */
  pageSize: number;
  /** How far before the watermark each sweep starts again (feeds that read by update time). */
  overlapSeconds: number;
  /** How far back the first poll reads. */
  lookbackSeconds: number;
  /** The vendor's filter expression; null: none. */
  filter: string | null;
}

/** What pulls a format: the integration whose feed produces it. */
export interface PullTarget {
  integration: IntegrationDefinition;
  feed: AlertFeed;
}

export const PULL_LIMITS = {
  everySeconds: { min: 10, max: 86_400, default: 60 },
  overlapSeconds: { min: 0, max: 3_600, default: 300 },
  lookbackSeconds: { min: 0, max: 30 * 86_400, default: 86_400 },
  filterLength: 2_000,
} as const;

const KEYS = ['instance', 'every_seconds', 'page_size', 'overlap_seconds', 'lookback_seconds', 'filter'];
const INSTANCE = /^[a-z0-9][a-z0-9_-]{0,63}$/;

function invalid(message: string, key = ''): RiposteError {
  return new RiposteError('validation_failed', `options.pull${key ? `.${key}` : ''}: ${message}`, {
    path: `/options/pull${key ? `/${key}` : ''}`,
  });
}

function whole(
  fields: Record<string, unknown>,
  key: string,
  range: { min: number; max: number },
  fallback: number,
) {
  const value = fields[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < range.min || value > range.max)
    throw invalid(
      `must be a whole number from ${range.min} to ${range.max}; got ${JSON.stringify(fields[key])}`,
      key,
    );
  return value;
}

/**
 * A source's pull settings, checked against the format's feed; null when it has none (it is only fed
 * through the API). `targets` names what can be pulled, by format. Every error names the offending
 * key (`options.pull.every_seconds: …`, path `/options/pull/every_seconds`).
 */
export function pullOptions(
  format: string,
  options: Readonly<Record<string, unknown>>,
  targets: ReadonlyMap<string, PullTarget>,
): (PullOptions & PullTarget) | null {
  const raw = options['pull'];
  if (raw === undefined) return null;
  const target = targets.get(format);
  if (!target) {
    const known = [...targets.entries()].map(([f, t]) => `${f} (integration ${t.integration.id})`);
    throw invalid(
      `a source of format ${format} cannot be pulled; Riposte pulls ${known.join(', ') || 'no format'}`,
    );
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw invalid(`must be an object such as { "instance": "${target.integration.id}-prod" }`);
  const fields = raw as Record<string, unknown>;
  const unknown = Object.keys(fields).find((k) => !KEYS.includes(k));
  if (unknown !== undefined) throw invalid(`unknown key (known: ${KEYS.join(', ')})`, unknown);
  const instance = fields['instance'];
  if (typeof instance !== 'string' || !INSTANCE.test(instance))
    throw invalid(
      `must name an instance of the ${target.integration.id} integration (lowercase letters, digits, - and _); got ${JSON.stringify(instance)}`,
      'instance',
    );
  const { feed } = target;
  if (fields['overlap_seconds'] !== undefined && !feed.overlap)
    throw invalid(
      `${feed.title} are read from the vendor's own stream position, which does not skip late records: there is no overlap to set`,
      'overlap_seconds',
    );
  const filter = fields['filter'] === undefined ? feed.defaultFilter : fields['filter'];
  if (
    filter !== null &&
    (typeof filter !== 'string' || filter.trim() === '' || filter.length > PULL_LIMITS.filterLength)
  )
    throw invalid(
      `must be the vendor's filter expression (1 to ${PULL_LIMITS.filterLength} characters), or null for none`,
      'filter',
    );
  return {
    ...target,
    instance,
    everySeconds: whole(fields, 'every_seconds', PULL_LIMITS.everySeconds, PULL_LIMITS.everySeconds.default),
    pageSize: whole(fields, 'page_size', { min: 1, max: feed.pageSize.max }, feed.pageSize.default),
    overlapSeconds: feed.overlap
      ? whole(fields, 'overlap_seconds', PULL_LIMITS.overlapSeconds, PULL_LIMITS.overlapSeconds.default)
      : 0,
    lookbackSeconds: whole(
      fields,
      'lookback_seconds',
      PULL_LIMITS.lookbackSeconds,
      PULL_LIMITS.lookbackSeconds.default,
    ),
    filter: filter === null ? null : filter.trim(),
  };
}

/** A whole-number setting's bounds and the value taken when it is left out. */
export interface PullRange {
  min: number;
  max: number;
  default: number;
}

/**
 * A format that can be pulled, with what its `options.pull` takes: what a form needs to offer the
 * settings without knowing the integrations (GET /api/v1/sources lists them as `pullFormats`).
 */
export interface PullFormat {
  format: string;
  integration: { id: string; name: string };
  /** What the feed reads ("Defender for Endpoint alerts"). */
  title: string;
  everySeconds: PullRange;
  pageSize: PullRange;
  /** Null: the feed reads from the vendor's own stream position, and takes no `overlap_seconds`. */
  overlapSeconds: PullRange | null;
  lookbackSeconds: PullRange;
  /** The filter read when `filter` is left out; null: every record. */
  defaultFilter: string | null;
  filterMaxLength: number;
}

export function pullFormats(targets: ReadonlyMap<string, PullTarget>): PullFormat[] {
  return [...targets.values()]
    .map(({ integration, feed }) => ({
      format: feed.format,
      integration: { id: integration.id, name: integration.name },
      title: feed.title,
      everySeconds: { ...PULL_LIMITS.everySeconds },
      pageSize: { min: 1, max: feed.pageSize.max, default: feed.pageSize.default },
      overlapSeconds: feed.overlap ? { ...PULL_LIMITS.overlapSeconds } : null,
      lookbackSeconds: { ...PULL_LIMITS.lookbackSeconds },
      defaultFilter: feed.defaultFilter,
      filterMaxLength: PULL_LIMITS.filterLength,
    }))
    .sort((a, b) => a.format.localeCompare(b.format));
}

/** What can be pulled, by format: the integrations that declare a feed. */
export function pullTargets(integrations: readonly IntegrationDefinition[]): Map<string, PullTarget> {
  const targets = new Map<string, PullTarget>();
  for (const integration of integrations)
    if (integration.feed && !targets.has(integration.feed.format))
      targets.set(integration.feed.format, { integration, feed: integration.feed });
  return targets;
}

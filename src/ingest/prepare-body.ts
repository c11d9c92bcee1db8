import type { AlertDraft, Severity } from '../core/alert.ts';
import { RiposteError } from '../core/riposte-error.ts';
import type { Format } from '../core/format.ts';
import { checkDraft } from './draft-check.ts';
import { fingerprint } from './fingerprint.ts';
import { normalizerFor } from './normalizers/registry.ts';

export interface Rejection {
  index: number;
  error: string;
  code: string;
  path?: string;
}

/**
 * A request body as it arrived: its bytes (the HTTP route), or text already decoded (a file, an
 * e-mail). Bytes are decoded as UTF-8 where the body is prepared, on an ingest thread for a large one.
 */
export type IngestBody = string | Uint8Array;

/** The body's text: bytes decoded as UTF-8, an invalid sequence read as U+FFFD. */
export function bodyText(body: IngestBody): string {
  return typeof body === 'string'
    ? body
    : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
}

/** What preparing a record needs of its source. */
export interface SourceRef {
  name: string;
  format: Format;
  options: Readonly<Record<string, unknown>>;
}

/**
 * A normalized record, ready for the writer: the alert's own fields flat, its fingerprint, and its
 * lists and raw event already serialized as they are stored. Flat on purpose: an ingest thread sends
 * these back to the main thread, and a few strings per alert clone in a fraction of the time a draft's
 * tree of small objects does (docs/ingest.md, "Ingest threads").
 */
export interface PreparedAlert {
  fingerprint: string;
  sourceRef: string | null;
  title: string;
  description: string | null;
  severity: Severity;
  category: string;
  ruleId: string | null;
  ruleName: string | null;
  eventTime: string;
  /** JSON of the draft's observables, MITRE references and raw event. */
  observables: string;
  mitre: string;
  raw: string;
}

export interface PreparedBody {
  /** How many records the body held (good and bad). */
  records: number;
  alerts: PreparedAlert[];
  rejected: Rejection[];
}

/**
 * The CPU part of ingestion, before any storage: split the body into records, normalize each (a bad
 * record is rejected with its index and reason; the good ones go on), check, fingerprint, and
 * serialize the raw event. Pure, so it runs the same in the request's thread or in an ingest thread
 * (src/ingest/prepare-pool.ts).
 */
export function prepareBody(
  source: SourceRef,
  body: IngestBody,
  contentType: string,
  receivedAt: string,
): PreparedBody {
  const normalizer = normalizerFor(source.format);
  const records = normalizer.split(bodyText(body), contentType);
  const alerts: PreparedAlert[] = [];
  const rejected: Rejection[] = [];
  records.forEach((record, index) => {
    if (!record.ok) {
      rejected.push(rejection(index, record.error));
      return;
    }
    try {
      const draft = checkDraft(normalizer.normalize(record.record, { receivedAt, options: source.options }));
      alerts.push(preparedAlert(source.name, draft));
    } catch (error) {
      rejected.push(rejection(index, error));
    }
  });
  return { records: records.length, alerts, rejected };
}

/** A checked draft as the writer takes it (`fingerprint` is over the source's name and the draft). */
export function preparedAlert(sourceName: string, draft: AlertDraft): PreparedAlert {
  return {
    fingerprint: fingerprint(sourceName, draft),
    sourceRef: draft.sourceRef ?? null,
    title: draft.title,
    description: draft.description ?? null,
    severity: draft.severity,
    category: draft.category,
    ruleId: draft.rule?.id ?? null,
    ruleName: draft.rule?.name ?? null,
    eventTime: draft.eventTime,
    observables: JSON.stringify(draft.observables),
    mitre: JSON.stringify(draft.mitre),
    raw: JSON.stringify(draft.raw),
  };
}

function rejection(index: number, error: unknown): Rejection {
  if (error instanceof RiposteError) {
    return {
      index,
      error: error.message,
      code: error.code,
      ...(error.path === undefined ? {} : { path: error.path }),
    };
  }
  return { index, error: 'the record could not be normalized', code: 'invalid_record' };
}

import type { AlertDraft } from '../core/alert.ts';
import type { Format } from '../core/format.ts';
import type { RiposteError } from '../core/riposte-error.ts';

/** One vendor record split out of a request body or a file, or the reason it could not be read. */
export type SplitRecord = { ok: true; record: unknown } | { ok: false; error: RiposteError };

export interface NormalizeContext {
  /** ISO time the record was received; the event time when the record carries none. */
  receivedAt: string;
  /** The source's options (for `generic`: `{ mapping: { title: "<CEL>", … } }`). */
  options: Readonly<Record<string, unknown>>;
}

/**
 * Turns one vendor format into normalized alert drafts. Pure: no I/O, no clock but `ctx.receivedAt`.
 * Errors are `RiposteError('invalid_record', detail, { path })` naming the offending field.
 */
export interface Normalizer {
  readonly format: Format;
  /** Split a body (JSON, JSON array, NDJSON, or the format's text lines) into records, in order. */
  split(body: string, contentType: string): SplitRecord[];
  /** Normalize one record. */
  normalize(record: unknown, ctx: NormalizeContext): AlertDraft;
  /** Check the source options at `source create` time (e.g. compile the generic mapping). */
  validateOptions?(options: Record<string, unknown>): void;
}

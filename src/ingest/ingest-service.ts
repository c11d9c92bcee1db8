import type { Actor } from '../audit/audit-log.ts';
import type { AlertDraft } from '../core/alert.ts';
import { RiposteError } from '../core/riposte-error.ts';
import type { Source } from '../sources/source-service.ts';
import { checkDraft } from './draft-check.ts';
import { fingerprint } from './fingerprint.ts';
import type { IngestWriter } from './ingest-writer.ts';
import { normalizerFor } from './normalizers/registry.ts';

export interface Rejection {
  index: number;
  error: string;
  code: string;
  path?: string;
}

export interface IngestResult {
  accepted: number;
  duplicates: number;
  rejected: Rejection[];
  alertIds: string[];
}

/**
 * The ingest pipeline in front of the writer: split the body into records, normalize each (a bad
 * record is rejected with its index and reason; the good ones go on), fingerprint, and hand the batch
 * to the writer, which answers after the durable commit.
 */
export class IngestService {
  readonly #writer: IngestWriter;

  constructor(writer: IngestWriter) {
    this.#writer = writer;
  }

  async ingest(source: Source, body: string, contentType: string, actor: Actor): Promise<IngestResult> {
    const normalizer = normalizerFor(source.format);
    const records = normalizer.split(body, contentType);
    const receivedAt = new Date().toISOString();
    const drafts: { draft: AlertDraft; fingerprint: string }[] = [];
    const rejected: Rejection[] = [];
    records.forEach((record, index) => {
      if (!record.ok) {
        rejected.push(rejection(index, record.error));
        return;
      }
      try {
        const draft = checkDraft(
          normalizer.normalize(record.record, { receivedAt, options: source.options }),
        );
        drafts.push({ draft, fingerprint: fingerprint(source.name, draft) });
      } catch (error) {
        rejected.push(rejection(index, error));
      }
    });
    if (drafts.length === 0) {
      const first = rejected[0];
      throw new RiposteError(
        'no_valid_records',
        records.length === 0
          ? 'the body holds no records'
          : `none of the ${records.length} records could be ingested; record ${first?.index}: ${first?.error}`,
        {
          extra: { rejected },
          ...(first?.path === undefined ? {} : { path: `/${first.index}${first.path}` }),
        },
      );
    }
    const result = await this.#writer.write({
      source: source.name,
      format: source.format,
      actor,
      drafts,
      rejected: rejected.length,
    });
    return {
      accepted: drafts.length - result.duplicates,
      duplicates: result.duplicates,
      rejected,
      alertIds: result.alertIds,
    };
  }
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

import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Actor, AuditLog } from '../audit/audit-log.ts';
import { nowIso } from '../core/clock.ts';
import { newId } from '../core/ids.ts';
import { RiposteError, invalidField } from '../core/riposte-error.ts';
import type { LivePublisher } from '../live/live-event.ts';
import type { CaseAttachmentTable, DatabaseSchema } from '../store/schema.ts';

/** An attachment as listed: everything but its bytes. */
export interface AttachmentInfo {
  id: string;
  caseId: string;
  name: string;
  contentType: string;
  size: number;
  sha256: string;
  uploadedBy: string;
  uploadedAt: string;
}

export interface NewAttachment {
  name: unknown;
  contentType: string | undefined;
  content: Buffer | undefined;
}

/** A case lists at most this many attachments (newest first); more can be stored. */
export const ATTACHMENTS_LISTED = 200;
const NAME_MAX = 255;
const CONTENT_TYPE = /^[\w.+-]+\/[\w.+-]+$/;

function toInfo(row: Omit<CaseAttachmentTable, 'content'>): AttachmentInfo {
  return {
    id: row.id,
    caseId: row.case_id,
    name: row.name,
    contentType: row.content_type,
    size: Number(row.size),
    sha256: row.sha256,
    uploadedBy: row.uploaded_by,
    uploadedAt: row.uploaded_at,
  };
}

const INFO_COLUMNS = [
  'id',
  'case_id',
  'name',
  'content_type',
  'size',
  'sha256',
  'uploaded_by',
  'uploaded_at',
] as const;

/**
 * Files attached to a case as evidence. The bytes are kept as sent, with their SHA-256 (the chain of
 * custody: the audit row of the upload names it, and a download can be checked against it). Adding
 * and removing one are changes of the case (`case.attach`, `case.detach`, on its timeline); reading
 * one is a sensitive read (`attachment.download`, in the audit log).
 */
export class CaseAttachments {
  readonly #db: Kysely<DatabaseSchema>;
  readonly #audit: AuditLog;
  readonly #maxBytes: number;
  readonly #live: LivePublisher | undefined;

  constructor(db: Kysely<DatabaseSchema>, audit: AuditLog, maxBytes: number, live?: LivePublisher) {
    this.#db = db;
    this.#audit = audit;
    this.#maxBytes = maxBytes;
    this.#live = live;
  }

  get maxBytes(): number {
    return this.#maxBytes;
  }

  async add(caseId: string, file: NewAttachment, actor: Actor): Promise<AttachmentInfo> {
    const name = attachmentName(file.name);
    const content = file.content;
    if (content === undefined || content.length === 0)
      throw new RiposteError('validation_failed', 'the body is the file, and it is empty', { path: '/' });
    if (content.length > this.#maxBytes)
      throw new RiposteError(
        'payload_too_large',
        `the file is ${content.length} bytes; attachments are at most ${this.#maxBytes} (RIPOSTE_ATTACHMENT_MAX_MB)`,
      );
    const declared = (file.contentType ?? '').split(';')[0]!.trim().toLowerCase();
    const row: CaseAttachmentTable = {
      id: newId('att_'),
      case_id: caseId,
      name,
      content_type: CONTENT_TYPE.test(declared) ? declared : 'application/octet-stream',
      size: content.length,
      sha256: createHash('sha256').update(content).digest('hex'),
      content,
      uploaded_by: actor.id,
      uploaded_at: nowIso(),
    };
    await this.#db.transaction().execute(async (trx) => {
      await caseExists(trx, caseId);
      await trx.insertInto('case_attachments').values(row).execute();
      await trx.updateTable('cases').set({ updated_at: row.uploaded_at }).where('id', '=', caseId).execute();
      await this.#audit.append(
        trx,
        [
          {
            actor,
            action: 'case.attach',
            targetType: 'case',
            targetId: caseId,
            details: { attachmentId: row.id, name, size: row.size, sha256: row.sha256 },
          },
        ],
        row.uploaded_at,
      );
    });
    this.#live?.publish({ type: 'case.changed', id: caseId });
    return toInfo(row);
  }

  /** The case's attachments, newest first (the first ATTACHMENTS_LISTED); not_found for no case. */
  async list(caseId: string): Promise<AttachmentInfo[]> {
    const rows = await this.#db
      .selectFrom('case_attachments')
      .select(INFO_COLUMNS)
      .where('case_id', '=', caseId)
      .orderBy('uploaded_at', 'desc')
      .orderBy('id', 'desc')
      .limit(ATTACHMENTS_LISTED)
      .execute();
    if (rows.length === 0) await caseExists(this.#db, caseId);
    return rows.map(toInfo);
  }

  /** One attachment with its bytes; the read is audited. */
  async read(caseId: string, id: string, actor: Actor): Promise<AttachmentInfo & { content: Buffer }> {
    const row = await this.#db
      .selectFrom('case_attachments')
      .selectAll()
      .where('id', '=', id)
      .where('case_id', '=', caseId)
      .executeTakeFirst();
    if (!row) throw new RiposteError('not_found', `case ${caseId} has no attachment "${id}"`);
    await this.#audit.write(this.#db, [
      {
        actor,
        action: 'attachment.download',
        targetType: 'attachment',
        targetId: id,
        details: { caseId, name: row.name, sha256: row.sha256 },
      },
    ]);
    return { ...toInfo(row), content: Buffer.from(row.content) };
  }

  async remove(caseId: string, id: string, actor: Actor): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('case_attachments')
        .select(['name', 'sha256', 'size'])
        .where('id', '=', id)
        .where('case_id', '=', caseId)
        .executeTakeFirst();
      if (!row) throw new RiposteError('not_found', `case ${caseId} has no attachment "${id}"`);
      await trx.deleteFrom('case_attachments').where('id', '=', id).execute();
      const now = nowIso();
      await trx.updateTable('cases').set({ updated_at: now }).where('id', '=', caseId).execute();
      await this.#audit.append(
        trx,
        [
          {
            actor,
            action: 'case.detach',
            targetType: 'case',
            targetId: caseId,
            details: { attachmentId: id, name: row.name, size: Number(row.size), sha256: row.sha256 },
          },
        ],
        now,
      );
    });
    this.#live?.publish({ type: 'case.changed', id: caseId });
  }
}

async function caseExists(q: Kysely<DatabaseSchema>, caseId: string): Promise<void> {
  const kase = await q.selectFrom('cases').select('id').where('id', '=', caseId).executeTakeFirst();
  if (!kase) throw new RiposteError('not_found', `no case with id "${caseId}"`);
}

/**
 * A file name as given, if it is one: 1–255 characters, no path (no / or \), no control characters,
 * not `.` or `..`. It is only ever shown and offered back as the download's name.
 */
export function attachmentName(value: unknown): string {
  const name = typeof value === 'string' ? value.trim() : '';
  if (
    name === '' ||
    name.length > NAME_MAX ||
    /[/\\]/.test(name) ||
    /[\u0000-\u001f\u007f]/.test(name) ||
    name === '.' ||
    name === '..'
  )
    throw invalidField(
      'name',
      `name must be a file name of 1–${NAME_MAX} characters, without a path or control characters`,
    );
  return name;
}

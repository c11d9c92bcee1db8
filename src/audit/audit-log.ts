import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { nowIso } from '../core/clock.ts';
import type { Dialect } from '../store/database.ts';
import type { AuditLogTable, DatabaseSchema } from '../store/schema.ts';
import { insertRows } from '../store/bulk-insert.ts';
import { ADVISORY_LOCKS, takeTurn } from '../store/advisory-locks.ts';
import { storable } from '../core/storable-text.ts';

export type ActorType = 'user' | 'token' | 'source' | 'system' | 'cli';

/** Who did something, from where. */
export interface Actor {
  id: string;
  type: ActorType;
  ip?: string | null;
}

export interface AuditEntry {
  actor: Actor;
  action: string;
  targetType?: string;
  targetId?: string;
  details?: Record<string, unknown>;
}

export const GENESIS_HASH = '0'.repeat(64);

type Row = Omit<AuditLogTable, 'hash'>;

/** The bytes the chain covers: every column but the hash itself, in a fixed order. */
function canonical(row: Row): string {
  return JSON.stringify([
    Number(row.seq),
    row.at,
    row.actor,
    row.actor_type,
    row.action,
    row.target_type,
    row.target_id,
    row.ip,
    row.details,
    row.prev_hash,
  ]);
}

/**
 * The append-only, hash-chained audit log. Each row's hash is an HMAC (keyed from the master key) over
 * its content and the previous row's hash, so altering, inserting or deleting a row breaks the chain,
 * and someone with database access but not the master key cannot forge a consistent chain.
 */
export class AuditLog {
  readonly #key: KeyObject;
  readonly #dialect: Dialect;

  constructor(key: Buffer, dialect: Dialect) {
    this.#key = createSecretKey(key);
    this.#dialect = dialect;
  }

  hashOf(row: Row): string {
    return createHmac('sha256', this.#key).update(canonical(row)).digest('hex');
  }

  /** Append entries inside the caller's transaction, so the record commits with the change it describes. */
  async append(trx: Transaction<DatabaseSchema>, entries: AuditEntry[], at = nowIso()): Promise<void> {
    if (entries.length === 0) return;
    // One writer at a time extends the chain; SQLite already serializes write transactions.
    await takeTurn(trx, this.#dialect, ADVISORY_LOCKS.audit);
    const head = await trx
      .selectFrom('audit_log')
      .select(['seq', 'hash'])
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    let seq = head ? Number(head.seq) : 0;
    let prev = head?.hash ?? GENESIS_HASH;
    const rows: AuditLogTable[] = entries.map((entry) => {
      const row: Row = {
        seq: ++seq,
        at,
        // What is hashed is what the database keeps (an unpaired surrogate would be stored as U+FFFD).
        actor: storable(entry.actor.id),
        actor_type: entry.actor.type,
        action: entry.action,
        target_type: entry.targetType ?? null,
        target_id: typeof entry.targetId === 'string' ? storable(entry.targetId) : null,
        ip: entry.actor.ip ?? null,
        details: JSON.stringify(entry.details ?? {}),
        prev_hash: prev,
      };
      prev = this.hashOf(row);
      return { ...row, hash: prev };
    });
    await insertRows(trx, this.#dialect, 'audit_log', rows);
  }

  async write(db: Kysely<DatabaseSchema>, entries: AuditEntry[]): Promise<void> {
    await db.transaction().execute((trx) => this.append(trx, entries));
  }

  /** Walk the whole chain; report the first broken row. */
  async verify(db: Kysely<DatabaseSchema>): Promise<AuditVerification> {
    let expectedSeq = 1;
    let prev = GENESIS_HASH;
    let checked = 0;
    const pageSize = 5000;
    for (;;) {
      const rows = await db
        .selectFrom('audit_log')
        .selectAll()
        .where('seq', '>=', expectedSeq)
        .orderBy('seq')
        .limit(pageSize)
        .execute();
      for (const row of rows) {
        const seq = Number(row.seq);
        if (seq !== expectedSeq) {
          return {
            ok: false,
            checked,
            problem: { seq: expectedSeq, reason: `row ${expectedSeq} is missing (next row is ${seq})` },
          };
        }
        if (row.prev_hash !== prev) {
          return {
            ok: false,
            checked,
            problem: {
              seq,
              reason: `row ${seq} does not follow row ${seq - 1}: a row was inserted, deleted or altered`,
            },
          };
        }
        if (this.hashOf({ ...row, seq }) !== row.hash) {
          return {
            ok: false,
            checked,
            problem: { seq, reason: `row ${seq} was altered: its content does not match its hash` },
          };
        }
        prev = row.hash;
        expectedSeq++;
        checked++;
      }
      if (rows.length < pageSize) return { ok: true, checked, head: prev };
    }
  }
}

export type AuditVerification =
  | { ok: true; checked: number; head: string }
  | { ok: false; checked: number; problem: { seq: number; reason: string } };

export interface AuditRecord {
  seq: number;
  at: string;
  actor: string;
  actorType: string;
  action: string;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  details: Record<string, unknown>;
  hash: string;
}

export function toAuditRecord(row: AuditLogTable): AuditRecord {
  return {
    seq: Number(row.seq),
    at: row.at,
    actor: row.actor,
    actorType: row.actor_type,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    ip: row.ip,
    details: JSON.parse(row.details) as Record<string, unknown>,
    hash: row.hash,
  };
}

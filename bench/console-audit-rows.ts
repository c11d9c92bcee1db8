import type { AuditLogTable } from '../src/store/schema.ts';
import { ANALYSTS, PLAYBOOKS, SOURCES } from './console-data.ts';

export type AuditEntryRow = Omit<AuditLogTable, 'seq' | 'prev_hash' | 'hash'>;

export interface AuditTargets {
  case(at: number): string;
  alert(at: number): string;
  run(at: number): string;
}

/** An actor seen in a handful of rows per million: the rare value of the actor filter. */
export const RARE_ACTOR = 'tok_siem_export';

/**
 * Audit row number i of the seeded log, as the product writes them: ingest requests (40 %), cases
 * opened by grouping (15 %), runs started (15 %), and what analysts did (30 %); x in [0, 1) picks.
 */
export function auditEntry(
  i: number,
  x: number,
  atMs: number,
  pickAnalyst: () => number,
  targets: AuditTargets,
): AuditEntryRow {
  const at = new Date(atMs).toISOString();
  if (x < 0.4) {
    const source = SOURCES[i % SOURCES.length]!.name;
    return {
      at,
      actor: source,
      actor_type: 'source',
      action: 'alert.ingest',
      target_type: 'source',
      target_id: source,
      ip: '10.0.0.10',
      details: JSON.stringify({ accepted: 1 + (i % 40), duplicates: i % 3, rejected: 0 }),
    };
  }
  if (x < 0.55) {
    return {
      at,
      actor: 'grouping',
      actor_type: 'system',
      action: 'case.create',
      target_type: 'case',
      target_id: targets.case(atMs),
      ip: null,
      details: JSON.stringify({ alerts: 1 }),
    };
  }
  if (x < 0.7) {
    return {
      at,
      actor: 'engine',
      actor_type: 'system',
      action: 'run.start',
      target_type: 'run',
      target_id: targets.run(atMs),
      ip: null,
      details: JSON.stringify({ playbookId: PLAYBOOKS[i % PLAYBOOKS.length] }),
    };
  }
  if (x < 0.99995) {
    const onAlert = i % 4 === 1;
    return {
      at,
      actor: ANALYSTS[pickAnalyst()]!,
      actor_type: 'user',
      action: ['case.update', 'alert.view', 'case.comment', 'task.answer'][i % 4]!,
      target_type: onAlert ? 'alert' : 'case',
      target_id: onAlert ? targets.alert(atMs) : targets.case(atMs),
      ip: `10.1.${i % 30}.${i % 250}`,
      details: JSON.stringify({ fields: ['status', 'assignee'] }),
    };
  }
  return {
    at,
    actor: RARE_ACTOR,
    actor_type: 'token',
    action: 'alert.view',
    target_type: 'alert',
    target_id: targets.alert(atMs),
    ip: '10.2.0.5',
    details: '{}',
  };
}

/** The fields of an audit record that its wording needs. */
export interface AuditRow {
  action: string;
  targetType: string | null;
  targetId: string | null;
  details: Record<string, unknown>;
}

function text(value: unknown): string {
  if (value === null || value === undefined) return 'none';
  if (typeof value === 'string') {
    try {
      const parsed: unknown = JSON.parse(value);
      if (Array.isArray(parsed)) return parsed.join(', ') || 'none';
    } catch {
      // plain text
    }
    return value.replace(/_/g, ' ');
  }
  return JSON.stringify(value);
}

/**
 * One audit row about a case in words, as the console's timeline and the incident report show it
 * ("changed severity high → critical", "merged case … into this one (3 alerts)"). Pure: the console
 * imports it too.
 */
export function describeAuditRow(row: AuditRow): string {
  const d = row.details;
  const target = row.targetType && row.targetId ? `${row.targetType} ${row.targetId}` : '';
  switch (row.action) {
    case 'case.create':
      return 'opened the case';
    case 'case.update': {
      const changes = (d.changes ?? {}) as Record<string, { from: unknown; to: unknown }>;
      const list = Object.entries(changes).map(
        ([field, c]) => `${field.replace(/([A-Z])/g, ' $1').toLowerCase()} ${text(c.from)} → ${text(c.to)}`,
      );
      return `changed ${list.join('; ') || 'the case'}`;
    }
    case 'case.comment': {
      const mentions = Array.isArray(d.mentions) ? (d.mentions as string[]) : [];
      return mentions.length > 0 ? `commented, mentioning ${mentions.join(', ')}` : 'commented';
    }
    case 'case.rollback': {
      const results = Array.isArray(d.results) ? (d.results as { outcome: string }[]) : [];
      return `rolled back containment (${results.map((r) => r.outcome).join(', ') || 'nothing to undo'})`;
    }
    case 'case.merge':
      return `merged this case into ${String(d.into)}`;
    case 'case.merge_in': {
      const moved = (d.moved ?? {}) as { alerts?: number };
      return `merged case ${String(d.from)} into this one (${moved.alerts ?? 0} alert${moved.alerts === 1 ? '' : 's'})`;
    }
    case 'case.attach':
      return `attached ${String(d.name)} (${String(d.size)} bytes)`;
    case 'case.detach':
      return `removed the attachment ${String(d.name)}`;
    case 'case.add_alerts':
      return `added ${String(d.count)} alert${d.count === 1 ? '' : 's'}`;
    case 'case.remove_alerts':
      return `moved ${String(d.count)} alert${d.count === 1 ? '' : 's'} to case ${String(d.to)}`;
    case 'response.applied':
      return `applied ${String(d.action)} to ${target}`;
    case 'response.rolled_back':
      return `undid ${String(d.action)} on ${target} (${String(d.inverse)})`;
    case 'response.expired':
      return `undid ${String(d.action)} on ${target} when it expired`;
    case 'run.start':
      return `started playbook ${String(d.playbookId)} (${row.targetId ?? ''})`;
    case 'run.cancel':
      return `cancelled run ${row.targetId ?? ''}${d.reason ? `: ${String(d.reason)}` : ''}`;
    case 'run.retry':
      return `retried run ${row.targetId ?? ''}`;
    default: {
      if (row.targetType === 'task' || row.targetType === 'approval') {
        const what = row.action.split('.')[1] ?? row.action;
        return `${row.targetType} ${what.replace(/_/g, ' ')} (step ${String(d.stepKey)})${d.reason ? `: ${String(d.reason)}` : ''}`;
      }
      return `${row.action}${target ? ` on ${target}` : ''}`;
    }
  }
}

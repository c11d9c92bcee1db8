/** Reading the `expect:` of a golden case: the run it must give. */
import type { Node } from 'yaml';
import type { CompileContext } from '../playbooks/compile-context.ts';
import type { Field } from '../playbooks/yaml-reader.ts';
import {
  childPath,
  fieldOffset,
  offsetOf,
  readBoolean,
  readEnum,
  readMapping,
  readSequence,
  readString,
  readStringList,
} from '../playbooks/yaml-reader.ts';
import {
  mapping,
  toJson,
  type ExpectedAction,
  type GoldenExpect,
  type GoldenReference,
} from './golden-case.ts';

const EXPECT_KEYS = [
  'status',
  'path',
  'not_run',
  'outputs',
  'vars',
  'actions',
  'asked',
  'error',
  'triggered',
];
const STATUSES = ['succeeded', 'failed', 'cancelled', 'waiting'] as const;

export function readExpect(
  ctx: CompileContext,
  field: Field,
  references: GoldenReference[],
): GoldenExpect | null {
  const fields = readMapping(ctx, field.value, field.path, EXPECT_KEYS, ['status']);
  if (fields === null) return null;
  // A missing status is already reported by readMapping; the rest of expect is still read.
  const statusField = fields.get('status');
  const status = statusField ? readEnum(ctx, statusField, STATUSES) : null;
  const out: GoldenExpect = { status: status ?? 'succeeded' };
  const steps = (key: string, kind: GoldenReference['kind']): string[] | undefined => {
    const f = fields.get(key);
    if (!f) return undefined;
    const list = readStringList(ctx, f, (item) => readString(ctx, item) !== null);
    if (list === null) return undefined;
    list.forEach((name, i) =>
      references.push({
        kind,
        name,
        offset: offsetOf((f.value as { items: Node[] }).items[i]),
        path: childPath(f.path, i),
      }),
    );
    return list;
  };
  const path = steps('path', 'step');
  const notRun = steps('not_run', 'step');
  const asked = steps('asked', 'asked');
  if (path) out.path = path;
  if (notRun) out.notRun = notRun;
  if (asked) out.asked = asked;
  for (const key of ['outputs', 'vars', 'error'] as const) {
    const f = fields.get(key);
    if (f && mapping(ctx, f)) out[key] = toJson(f) as Record<string, unknown>;
  }
  const triggered = fields.get('triggered');
  if (triggered) {
    const value = readBoolean(ctx, triggered);
    if (value !== null) out.triggered = value;
  }
  const actionsField = fields.get('actions');
  const actionItems = actionsField ? readSequence(ctx, actionsField, false) : null;
  if (actionItems) {
    out.actions = [];
    actionItems.forEach((node, index) => {
      const itemPath = childPath(actionsField!.path, index);
      const f = readMapping(ctx, node, itemPath, ['action', 'step', 'with'], ['action']);
      const action = f?.get('action') ? readString(ctx, f.get('action')!) : null;
      if (!f || action === null) return;
      references.push({
        kind: 'effect',
        name: action,
        offset: fieldOffset(f.get('action')!),
        path: `${itemPath}.action`,
      });
      const entry: ExpectedAction = { action };
      const step = f.get('step');
      if (step) {
        const key = readString(ctx, step);
        if (key !== null) {
          entry.step = key;
          references.push({ kind: 'step', name: key, offset: fieldOffset(step), path: step.path });
        }
      }
      const input = f.get('with');
      if (input && mapping(ctx, input)) entry.with = toJson(input) as Record<string, unknown>;
      out.actions!.push(entry);
    });
  }
  return status === null ? null : out;
}

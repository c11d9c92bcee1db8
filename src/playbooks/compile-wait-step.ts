/** `wait:` — a fixed delay, polling a condition until it holds, or an external event. */
import type { WaitSpec, WaitStep } from '../core/playbook.ts';
import { EVENT_ROOTS } from './cel-environment.ts';
import type { StepInput } from './step-input.ts';
import { readExpression } from './compile-value.ts';
import { childPath, expect, fieldOffset, readDuration, readMapping, scalarValue } from './yaml-reader.ts';
import type { Field } from './yaml-reader.ts';

export const DEFAULT_POLL_MS = 30_000;
const MODES = ['delay', 'until', 'event'] as const;
const EVENT_NAME = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;

export function compileWaitStep(input: StepInput): WaitStep | null {
  const { ctx } = input;
  const waitField = input.fields.get('wait') as Field;
  const fields = readMapping(ctx, waitField.value, waitField.path, [
    'delay',
    'until',
    'poll',
    'event',
    'match',
    'timeout',
  ]);
  if (fields === null) return null;
  const modes = MODES.filter((mode) => fields.has(mode));
  const [mode, other] = modes;
  if (mode === undefined || other !== undefined) {
    const found = modes.length === 0 ? 'none' : modes.join(' and ');
    ctx.issues.error(
      fieldOffset(waitField),
      waitField.path,
      `${waitField.path} needs exactly one of delay, until, event (found ${found})`,
    );
    return null;
  }
  const misplaced = (key: string, owner: string): void => {
    const field = fields.get(key);
    if (field !== undefined)
      ctx.issues.error(fieldOffset(field), field.path, `"${key}" only goes with "${owner}"`);
  };
  if (mode !== 'until') misplaced('poll', 'until');
  if (mode !== 'event') misplaced('match', 'event');
  if (mode === 'delay') misplaced('timeout', 'until or event');
  const wait = readSpec(input, fields, mode, waitField.path);
  return wait === null ? null : { ...input.base, kind: 'wait', wait };
}

function readSpec(
  input: StepInput,
  fields: Map<string, Field>,
  mode: (typeof MODES)[number],
  path: string,
): WaitSpec | null {
  const { ctx } = input;
  const modeField = fields.get(mode) as Field;
  if (mode === 'delay') {
    const delayMs = readDuration(ctx, modeField);
    return delayMs === null ? null : { mode, delayMs };
  }
  const timeoutField = fields.get('timeout');
  if (timeoutField === undefined) {
    ctx.issues.error(
      fieldOffset(modeField),
      childPath(path, 'timeout'),
      `a wait on ${mode === 'until' ? 'a condition' : 'an event'} needs a timeout`,
    );
  }
  const timeoutMs = timeoutField === undefined ? null : readDuration(ctx, timeoutField);
  if (mode === 'until') {
    const condition = readExpression(ctx, modeField, input.roots);
    const pollField = fields.get('poll');
    const pollMs = pollField === undefined ? DEFAULT_POLL_MS : readDuration(ctx, pollField);
    if (condition === null || pollMs === null || timeoutMs === null) return null;
    return { mode, condition, pollMs, timeoutMs };
  }
  const value = scalarValue(modeField);
  const name =
    typeof value === 'string' && EVENT_NAME.test(value)
      ? value
      : expect(ctx, modeField, 'an event name such as edr.host_isolated');
  const matchField = fields.get('match');
  const roots = [...new Set([...input.roots, ...EVENT_ROOTS])];
  const match = matchField === undefined ? null : readExpression(ctx, matchField, roots);
  if (name === null || timeoutMs === null || (matchField !== undefined && match === null)) return null;
  return { mode, name, match, timeoutMs };
}

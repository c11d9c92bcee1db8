import { Value } from '@sinclair/typebox/value';
import type { ActionDefinition } from '../core/action.ts';

/**
 * Why an action refuses these inputs (values computed at run time, which the compiler could not
 * check), or null when its schema accepts them. `ttl` is the runtime's, not the action's, and is
 * checked apart. Run time and golden tests ask the same question, so a test cannot pass a value
 * the real action would refuse.
 */
export function refusedInput(action: ActionDefinition, input: Record<string, unknown>): string | null {
  const { ttl: _ttl, ...own } = input;
  if (Value.Check(action.input, own)) return null;
  const first = [...Value.Errors(action.input, own)][0];
  return `${action.id} inputs are not valid${first ? ` at ${first.path || '/'}: ${first.message}` : ''}`;
}

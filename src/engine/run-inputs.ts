/** A run's inputs checked against the playbook's declared inputs, defaults applied. */
import type { PlaybookInput } from '../core/playbook.ts';
import type { StepFailure } from './engine-types.ts';
import { shapeOf } from './expression-scope.ts';

const fits: Record<PlaybookInput['type'], (v: unknown) => boolean> = {
  string: (v) => typeof v === 'string',
  number: (v) => typeof v === 'number' && Number.isFinite(v),
  boolean: (v) => typeof v === 'boolean',
  object: (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
  list: (v) => Array.isArray(v),
  any: () => true,
};

export function resolveInputs(
  declared: Record<string, PlaybookInput>,
  given: Record<string, unknown>,
): { ok: true; inputs: Record<string, unknown> } | { ok: false; failure: StepFailure } {
  const failure = (input: string, message: string) => ({
    ok: false as const,
    failure: { kind: 'input' as const, message, input },
  });
  for (const name of Object.keys(given ?? {}))
    if (!Object.hasOwn(declared, name)) return failure(name, `unknown input ${name}`);
  const inputs: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(declared)) {
    const value = given?.[name] !== undefined ? given[name] : spec.default;
    if (value === undefined) {
      if (spec.required) return failure(name, `missing required input ${name}`);
      continue;
    }
    if (!fits[spec.type](value))
      return failure(
        name,
        `input ${name} must be ${spec.type === 'any' ? 'set' : `a ${spec.type}`}, got ${shapeOf(value)}`,
      );
    inputs[name] = value;
  }
  return { ok: true, inputs };
}

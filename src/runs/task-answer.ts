import { RiposteError, invalidField } from '../core/riposte-error.ts';
import type { TaskCommandSpec } from '../engine/engine-types.ts';

/**
 * Checks an answer against the task: one of its choices (`{ "choice": "…" }`) or its form's fields
 * (`{ "values": { … } }`), with an optional reason. Returns the step output the answer becomes.
 */
export function checkAnswer(
  spec: TaskCommandSpec,
  body: unknown,
): { output: Record<string, unknown>; reason: string | null } {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new RiposteError('validation_failed', 'the body must be a JSON object', { path: '/' });
  const { choice, values, reason } = body as { choice?: unknown; values?: unknown; reason?: unknown };
  if (reason !== undefined && reason !== null && (typeof reason !== 'string' || reason.length > 2000))
    throw invalidField('/reason', 'reason must be a string of at most 2000 characters');
  const why = typeof reason === 'string' ? reason : null;
  if (spec.choices) {
    if (typeof choice !== 'string' || !spec.choices.includes(choice))
      throw invalidField('/choice', `choice must be one of: ${spec.choices.join(', ')}`);
    return { output: { choice }, reason: why };
  }
  if (values === null || typeof values !== 'object' || Array.isArray(values))
    throw invalidField('/values', 'values must be an object with the form fields');
  const given = values as Record<string, unknown>;
  const fields = spec.form ?? [];
  const known = new Set(fields.map((f) => f.id));
  for (const key of Object.keys(given))
    if (!known.has(key)) throw invalidField(`/values/${key}`, `the form has no field "${key}"`);
  const output: Record<string, unknown> = {};
  for (const field of fields) {
    const value = given[field.id];
    const path = `/values/${field.id}`;
    if (value === undefined || value === null || value === '') {
      if (field.required) throw invalidField(path, `${field.label} is required`);
      continue;
    }
    switch (field.type) {
      case 'string':
      case 'text':
        if (typeof value !== 'string' || value.length > (field.type === 'text' ? 20_000 : 1000))
          throw invalidField(path, `${field.label} must be text`);
        break;
      case 'number':
        if (typeof value !== 'number' || !Number.isFinite(value))
          throw invalidField(path, `${field.label} must be a number`);
        break;
      case 'boolean':
        if (typeof value !== 'boolean') throw invalidField(path, `${field.label} must be true or false`);
        break;
      case 'choice':
        if (typeof value !== 'string' || !(field.options ?? []).includes(value))
          throw invalidField(path, `${field.label} must be one of: ${(field.options ?? []).join(', ')}`);
        break;
    }
    output[field.id] = value;
  }
  return { output, reason: why };
}

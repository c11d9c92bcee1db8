/** `inputs:` — what a manual run or a calling playbook passes in, with types and defaults. */
import type { PlaybookInput } from '../core/playbook.ts';
import type { CompileContext } from './compile-context.ts';
import { hasExpression } from './template-syntax.ts';
import {
  childPath,
  expect,
  fieldOffset,
  readBoolean,
  readEntries,
  readEnum,
  readMapping,
  readString,
  SLUG,
  SLUG_HINT,
} from './yaml-reader.ts';
import type { Field } from './yaml-reader.ts';
import { isMap } from 'yaml';

const INPUT_TYPES = ['string', 'number', 'boolean', 'object', 'list', 'any'] as const;

export function compileInputs(ctx: CompileContext, field: Field): Record<string, PlaybookInput> | null {
  if (!isMap(field.value))
    return expect(ctx, field, 'a mapping of input names to { type, required, default }');
  const inputs: Record<string, PlaybookInput> = {};
  let ok = true;
  for (const [name, item] of readEntries(ctx, field.value, field.path)) {
    if (!SLUG.test(name)) {
      ctx.issues.error(fieldOffset(item), item.path, `input name "${name}" must be ${SLUG_HINT}`);
      ok = false;
      continue;
    }
    const input = compileInput(ctx, item);
    if (input === null) ok = false;
    else inputs[name] = input;
  }
  return ok ? inputs : null;
}

function compileInput(ctx: CompileContext, field: Field): PlaybookInput | null {
  const fields = readMapping(
    ctx,
    field.value,
    field.path,
    ['type', 'required', 'default', 'description'],
    ['type'],
  );
  if (fields === null) return null;
  const typeField = fields.get('type');
  const type = typeField === undefined ? null : readEnum(ctx, typeField, INPUT_TYPES);
  const requiredField = fields.get('required');
  const required = requiredField === undefined ? false : readBoolean(ctx, requiredField);
  const descriptionField = fields.get('description');
  const description = descriptionField === undefined ? undefined : readString(ctx, descriptionField);
  const defaultField = fields.get('default');
  if (type === null || required === null || description === null) return null;
  const input: PlaybookInput = { type, required };
  if (description !== undefined) input.description = description;
  if (defaultField === undefined) return input;
  if (required) {
    ctx.issues.error(
      fieldOffset(defaultField),
      defaultField.path,
      'an input with a default cannot also be required',
    );
    return null;
  }
  const value: unknown = defaultField.value === null ? null : defaultField.value.toJSON();
  if (!matchesType(type, value)) return expect(ctx, defaultField, `a default of type ${type}`);
  if (hasExpression(JSON.stringify(value ?? null))) {
    ctx.issues.error(
      fieldOffset(defaultField),
      childPath(field.path, 'default'),
      'a default is a literal; it cannot hold ${{ }}',
    );
    return null;
  }
  input.default = value;
  return input;
}

function matchesType(type: PlaybookInput['type'], value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'list':
      return Array.isArray(value);
    case 'any':
      return true;
  }
}

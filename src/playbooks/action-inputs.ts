/**
 * `with:` checked against the action's TypeBox input schema at compile time: required inputs present,
 * no unknown inputs (schemas are closed unless they set additionalProperties), literals of the right
 * type, and expressions whose result type CEL knows statically matched against the input's type.
 */
import { Value } from '@sinclair/typebox/value';
import type { TSchema } from '@sinclair/typebox';
import type { ActionDefinition } from '../core/action.ts';
import type { CompileContext } from './compile-context.ts';
import { withSuggestion } from './did-you-mean.ts';
import type { PlaybookTemplate } from './template.ts';
import { childPath, fieldOffset, offsetOf } from './yaml-reader.ts';
import type { Field } from './yaml-reader.ts';

export interface ActionInput {
  field: Field;
  template: PlaybookTemplate;
}

interface ObjectSchema {
  type?: unknown;
  properties?: Record<string, TSchema>;
  required?: string[];
  additionalProperties?: unknown;
}

export function checkActionInputs(
  ctx: CompileContext,
  action: ActionDefinition,
  inputs: ReadonlyMap<string, ActionInput>,
  at: { offset: number; path: string },
): void {
  const schema = action.input as ObjectSchema;
  if (schema.type !== 'object') return;
  const properties = schema.properties ?? {};
  const withPath = childPath(at.path, 'with');
  for (const name of schema.required ?? []) {
    if (!inputs.has(name)) {
      ctx.issues.error(
        at.offset,
        childPath(withPath, name),
        `missing required input "${name}" for ${action.id}`,
      );
    }
  }
  const open = schema.additionalProperties === true || typeof schema.additionalProperties === 'object';
  for (const [name, input] of inputs) {
    const property = properties[name];
    if (property === undefined) {
      if (!open) {
        const message = `${action.id} has no input "${name}"`;
        ctx.issues.error(
          offsetOf(input.field.keyNode),
          input.field.path,
          withSuggestion(message, name, Object.keys(properties)),
        );
      }
      continue;
    }
    checkInput(ctx, action, input, property);
  }
}

function checkInput(
  ctx: CompileContext,
  action: ActionDefinition,
  input: ActionInput,
  schema: TSchema,
): void {
  const { field, template } = input;
  const expected = describeSchema(schema);
  if (template.expressions.length === 0) {
    const problem = literalProblem(schema, template.literal, expected);
    if (problem !== null) {
      ctx.issues.error(
        fieldOffset(field),
        field.path,
        `${field.path}: ${problem} (input of ${action.id})`,
        expected,
      );
    }
    return;
  }
  const produced = jsonTypeOf(template.type);
  const wanted = typeof schema.type === 'string' ? schema.type : null;
  if (produced === null || wanted === null || compatible(produced, wanted)) return;
  const message = `${field.path}: the expression gives ${article(produced)}, but ${action.id} expects ${article(wanted)}`;
  ctx.issues.error(fieldOffset(field), field.path, message, expected);
}

function literalProblem(schema: TSchema, value: unknown, expected: string): string | null {
  try {
    if (Value.Check(schema, value)) return null;
    const first = Value.Errors(schema, value).First();
    const where = first === undefined || first.path === '' ? '' : ` at ${first.path}`;
    // TypeBox says "Expected union value" for enums; what the union holds says more.
    const message =
      first === undefined || /union/.test(first.message) ? `expected ${expected}` : first.message;
    return `${message.replace(/^Expected/, 'expected')}${where}`;
  } catch {
    // A schema TypeBox cannot check here (a custom kind) is the action's to check at run time.
    return null;
  }
}

/** CEL's static type of a result, in JSON Schema terms; null when not known. */
function jsonTypeOf(celType: string | null): string | null {
  if (celType === null) return null;
  if (celType === 'string') return 'string';
  if (celType === 'int' || celType === 'uint') return 'integer';
  if (celType === 'double') return 'number';
  if (celType === 'bool') return 'boolean';
  if (celType.startsWith('list')) return 'array';
  if (celType.startsWith('map')) return 'object';
  if (celType === 'null_type') return 'null';
  return null;
}

function compatible(produced: string, wanted: string): boolean {
  if (produced === wanted) return true;
  // A double may well be whole; only the run can tell.
  return (produced === 'integer' && wanted === 'number') || (produced === 'number' && wanted === 'integer');
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function describeSchema(schema: TSchema): string {
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.map(String).join(', ')}`;
  if (Array.isArray(schema.anyOf)) {
    const consts = (schema.anyOf as TSchema[]).map((item) => item.const);
    if (consts.every((item) => item !== undefined)) return `one of ${consts.map(String).join(', ')}`;
  }
  return typeof schema.type === 'string' ? schema.type : 'a value matching the input schema';
}

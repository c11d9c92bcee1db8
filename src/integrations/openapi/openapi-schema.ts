import { Type, type TSchema } from '@sinclair/typebox';
import { isObject, pointer, resolveLocalRef, type OpenApiProblems } from './openapi-problems.ts';

/** Deeper than this, a schema is taken as "any value": inputs that deep are the vendor's to check. */
export const MAX_SCHEMA_DEPTH = 12;
/** Schema nodes converted per action at most, so a wide web of `$ref`s cannot blow up. */
export const MAX_SCHEMA_NODES = 2_000;

export interface SchemaContext {
  doc: unknown;
  problems: OpenApiProblems;
  /** Converting a request schema: `readOnly` properties are left out (the server sets them). */
  request: boolean;
  /** Pointers of the `$ref` targets being converted, outermost first: a repeat is a cycle. */
  stack: string[];
  budget: { left: number };
}

type Options = Record<string, unknown>;

const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function annotations(schema: Record<string, unknown>): Options {
  const out: Options = {};
  if (typeof schema['title'] === 'string') out['title'] = schema['title'];
  if (typeof schema['description'] === 'string') out['description'] = schema['description'];
  // TypeBox fails any `format` it has no checker for; keep it for readers, not for checking.
  if (typeof schema['format'] === 'string') out['x-format'] = schema['format'];
  return out;
}

/** Bounds shared by numbers (OpenAPI 3.0's boolean `exclusiveMinimum` turned into 3.1's number). */
function numberBounds(schema: Record<string, unknown>): Options {
  const out: Options = {};
  for (const key of ['minimum', 'maximum', 'multipleOf'] as const)
    if (num(schema[key])) out[key] = schema[key];
  for (const [flag, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    const v = schema[flag];
    if (num(v)) out[flag] = v;
    else if (v === true && num(schema[bound])) {
      out[flag] = schema[bound];
      delete out[bound];
    }
  }
  return out;
}

function literal(value: unknown): TSchema | null {
  if (value === null) return Type.Null();
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return Type.Literal(value);
  return null;
}

function ofType(
  type: string,
  schema: Record<string, unknown>,
  at: string,
  ctx: SchemaContext,
  depth: number,
) {
  const base = annotations(schema);
  switch (type) {
    case 'string': {
      const options: Options = { ...base };
      for (const key of ['minLength', 'maxLength'] as const) if (num(schema[key])) options[key] = schema[key];
      if (typeof schema['pattern'] === 'string') {
        try {
          new RegExp(schema['pattern']);
          options['pattern'] = schema['pattern'];
        } catch {
          ctx.problems.add(`${at}/pattern`, `"${schema['pattern']}" is not a valid regular expression`);
        }
      }
      return Type.String(options);
    }
    case 'integer':
      return Type.Integer({ ...base, ...numberBounds(schema) });
    case 'number':
      return Type.Number({ ...base, ...numberBounds(schema) });
    case 'boolean':
      return Type.Boolean(base);
    case 'null':
      return Type.Null(base);
    case 'array': {
      const options: Options = { ...base };
      for (const key of ['minItems', 'maxItems'] as const) if (num(schema[key])) options[key] = schema[key];
      if (schema['uniqueItems'] === true) options['uniqueItems'] = true;
      const items =
        schema['items'] === undefined
          ? Type.Unknown()
          : convert(schema['items'], `${at}/items`, ctx, depth + 1);
      return Type.Array(items, options);
    }
    case 'object':
      return objectOf(schema, at, ctx, depth, base);
    default:
      ctx.problems.add(`${at}/type`, `"${type}" is not a JSON Schema type`);
      return Type.Unknown(base);
  }
}

function objectOf(
  schema: Record<string, unknown>,
  at: string,
  ctx: SchemaContext,
  depth: number,
  base: Options,
): TSchema {
  const required = new Set(Array.isArray(schema['required']) ? schema['required'] : []);
  const properties: Record<string, TSchema> = {};
  const given = schema['properties'];
  if (given !== undefined && !isObject(given))
    ctx.problems.add(`${at}/properties`, 'properties must be an object');
  for (const [name, property] of Object.entries(isObject(given) ? given : {})) {
    if (ctx.request && isObject(property) && property['readOnly'] === true) continue;
    const converted = convert(property, `${at}${pointer('properties', name)}`, ctx, depth + 1);
    properties[name] = required.has(name) ? converted : Type.Optional(converted);
  }
  const options: Options = { ...base };
  const extra = schema['additionalProperties'];
  if (extra === false) options['additionalProperties'] = false;
  else if (isObject(extra) && Object.keys(extra).length > 0)
    options['additionalProperties'] = convert(extra, `${at}/additionalProperties`, ctx, depth + 1);
  return Type.Object(properties, options);
}

/** The schema that a `$ref` names, converted; a reference back into its own chain becomes "any value". */
function fromRef(ref: unknown, at: string, ctx: SchemaContext, depth: number): TSchema {
  if (typeof ref !== 'string' || !ref.startsWith('#')) {
    ctx.problems.add(`${at}/$ref`, `only local references (#/…) can be resolved, not "${String(ref)}"`);
    return Type.Unknown();
  }
  const target = resolveLocalRef(ctx.doc, ref);
  if (!target) {
    ctx.problems.add(`${at}/$ref`, `"${ref}" names nothing in this document`);
    return Type.Unknown();
  }
  if (ctx.stack.includes(target.at))
    return Type.Unknown({ description: `recursive: another ${ref}, not checked` });
  ctx.stack.push(target.at);
  try {
    return convert(target.value, target.at, ctx, depth);
  } finally {
    ctx.stack.pop();
  }
}

/**
 * An OpenAPI 3.0 / 3.1 schema as a TypeBox schema (what the engine checks inputs with): local `$ref`s
 * resolved, cycles cut, depth and size bounded, `nullable` and type lists turned into unions.
 */
export function convert(schema: unknown, at: string, ctx: SchemaContext, depth = 0): TSchema {
  if (schema === true || (isObject(schema) && Object.keys(schema).length === 0)) return Type.Unknown();
  if (schema === false) return Type.Never();
  if (!isObject(schema)) {
    ctx.problems.add(at, 'a schema must be an object');
    return Type.Unknown();
  }
  if (depth > MAX_SCHEMA_DEPTH || --ctx.budget.left < 0)
    return Type.Unknown({ description: 'nested too deep to check here' });
  if ('$ref' in schema) return fromRef(schema['$ref'], at, ctx, depth);
  const nullable = schema['nullable'] === true;
  const withNull = (s: TSchema) => (nullable ? Type.Union([s, Type.Null()]) : s);
  if ('const' in schema) return literal(schema['const']) ?? Type.Unknown(annotations(schema));
  if (Array.isArray(schema['enum'])) {
    const members = schema['enum'].map(literal);
    if (members.every((m) => m !== null))
      return withNull(Type.Union(members as TSchema[], annotations(schema)));
    return Type.Unknown(annotations(schema));
  }
  for (const key of ['oneOf', 'anyOf'] as const)
    if (Array.isArray(schema[key]))
      return withNull(
        Type.Union(
          schema[key].map((s, i) => convert(s, `${at}${pointer(key, i)}`, ctx, depth + 1)),
          annotations(schema),
        ),
      );
  if (Array.isArray(schema['allOf']))
    return withNull(
      Type.Intersect(
        schema['allOf'].map((s, i) => convert(s, `${at}${pointer('allOf', i)}`, ctx, depth + 1)),
        annotations(schema),
      ),
    );
  const declared = schema['type'];
  const types = (Array.isArray(declared) ? declared : declared === undefined ? [] : [declared]).filter(
    (t): t is string => typeof t === 'string',
  );
  if (types.length === 0) {
    if (isObject(schema['properties']))
      return withNull(objectOf(schema, at, ctx, depth, annotations(schema)));
    if (schema['items'] !== undefined) return withNull(ofType('array', schema, at, ctx, depth));
    return Type.Unknown(annotations(schema));
  }
  const converted = types.map((t) => ofType(t, schema, at, ctx, depth));
  return withNull(converted.length === 1 ? converted[0]! : Type.Union(converted));
}

export function schemaContext(doc: unknown, problems: OpenApiProblems, request: boolean): SchemaContext {
  return { doc, problems, request, stack: [], budget: { left: MAX_SCHEMA_NODES } };
}

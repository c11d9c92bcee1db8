/**
 * Reading the playbook JSON Schema (GET /api/v1/schemas/playbook.json) at a YAML path: which schemas
 * apply there, which keys they allow, which values they enumerate. Handles what that schema uses:
 * `$ref` to `#/$defs/…`, `anyOf`/`oneOf`/`allOf`, `properties`, `patternProperties`, `items`, `const`.
 */
import type { PathSegment } from './yaml-path.ts';

export type JsonSchema = { [key: string]: unknown };

export interface KeyOption {
  name: string;
  description: string;
  required: boolean;
}

export interface ValueOption {
  value: string;
  description: string;
}

const isSchema = (value: unknown): value is JsonSchema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function resolveRef(root: JsonSchema, schema: JsonSchema): JsonSchema {
  let current = schema;
  for (let guard = 0; typeof current['$ref'] === 'string' && guard < 16; guard++) {
    const ref = current['$ref'];
    if (!ref.startsWith('#/')) return current;
    let target: unknown = root;
    for (const part of ref.slice(2).split('/')) target = isSchema(target) ? target[part] : undefined;
    if (!isSchema(target)) return current;
    const { $ref: _ref, ...rest } = current;
    current = { ...target, ...(rest.description === undefined ? {} : { description: rest.description }) };
  }
  return current;
}

/** The schema with references followed and alternatives flattened; a parent's description is kept. */
export function expand(root: JsonSchema, schema: unknown, inherited?: string): JsonSchema[] {
  if (!isSchema(schema)) return [];
  const resolved = resolveRef(root, schema);
  const description = typeof resolved.description === 'string' ? resolved.description : inherited;
  const alternatives = [resolved.anyOf, resolved.oneOf, resolved.allOf].find(Array.isArray) as
    unknown[] | undefined;
  if (!alternatives) return [description === undefined ? resolved : { ...resolved, description }];
  return alternatives.flatMap((alternative) => expand(root, alternative, description));
}

function childSchemas(root: JsonSchema, schema: JsonSchema, segment: PathSegment): JsonSchema[] {
  if (typeof segment === 'number') {
    const prefix = schema.prefixItems;
    if (Array.isArray(prefix) && segment < prefix.length) return expand(root, prefix[segment]);
    return expand(root, schema.items);
  }
  const properties = isSchema(schema.properties) ? schema.properties : {};
  if (segment in properties) return expand(root, properties[segment]);
  const found: JsonSchema[] = [];
  if (isSchema(schema.patternProperties))
    for (const [pattern, sub] of Object.entries(schema.patternProperties))
      if (safeTest(pattern, segment)) found.push(...expand(root, sub));
  if (found.length === 0 && isSchema(schema.additionalProperties))
    found.push(...expand(root, schema.additionalProperties));
  return found;
}

function safeTest(pattern: string, text: string): boolean {
  try {
    return new RegExp(pattern, 'u').test(text);
  } catch {
    return false;
  }
}

/** Every schema that applies at the path (several when alternatives remain open). */
export function schemasAt(root: JsonSchema, path: readonly PathSegment[]): JsonSchema[] {
  let current = expand(root, root);
  for (const segment of path) current = current.flatMap((schema) => childSchemas(root, schema, segment));
  return current;
}

function allows(schema: JsonSchema, key: string): boolean {
  if (isSchema(schema.properties) && key in schema.properties) return true;
  if (isSchema(schema.patternProperties))
    return Object.keys(schema.patternProperties).some((pattern) => safeTest(pattern, key));
  return schema.additionalProperties !== false;
}

/**
 * The keys a mapping may still take, given the keys it already has. Alternatives that do not allow
 * every present key are dropped first (a step with `uses:` is an action step), unless none is left.
 */
export function keyOptions(schemas: readonly JsonSchema[], present: Iterable<string>): KeyOption[] {
  const have = [...present];
  const objects = schemas.filter((s) => s.type === 'object' || isSchema(s.properties));
  const fitting = objects.filter((s) => have.every((key) => allows(s, key)));
  const used = fitting.length > 0 ? fitting : objects;
  const options = new Map<string, KeyOption>();
  for (const schema of used) {
    const properties = isSchema(schema.properties) ? schema.properties : {};
    for (const [name, sub] of Object.entries(properties)) {
      if (have.includes(name) || options.has(name)) continue;
      const description = isSchema(sub) && typeof sub.description === 'string' ? sub.description : '';
      // Required when every alternative left requires it (a step's id is; uses only for an action step).
      const required = used.every((s) => Array.isArray(s.required) && s.required.includes(name));
      options.set(name, { name, description, required });
    }
  }
  return [...options.values()];
}

/** The values the schemas enumerate there: `const`, `enum`, booleans. */
export function valueOptions(schemas: readonly JsonSchema[]): ValueOption[] {
  const options = new Map<string, ValueOption>();
  const add = (value: unknown, description: unknown) => {
    if (value === null || typeof value === 'object') return;
    const text = String(value);
    if (!options.has(text))
      options.set(text, { value: text, description: typeof description === 'string' ? description : '' });
  };
  for (const schema of schemas) {
    if ('const' in schema) add(schema.const, schema.description);
    if (Array.isArray(schema.enum)) for (const value of schema.enum) add(value, schema.description);
    if (schema.type === 'boolean') {
      add(true, schema.description);
      add(false, schema.description);
    }
  }
  return [...options.values()];
}

/** The description of what sits at a path (the first that has one). */
export function describeAt(root: JsonSchema, path: readonly PathSegment[]): string {
  for (const schema of schemasAt(root, path))
    if (typeof schema.description === 'string') return schema.description;
  return '';
}

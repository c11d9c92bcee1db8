import { Type, type TSchema } from '@sinclair/typebox';
import type { ActionEffect } from '../../core/playbook.ts';
import type { HttpRequest } from '../sdk/http-client.ts';
import { actionSlug, inputKey } from './openapi-names.ts';
import {
  followRefs,
  isObject,
  pointer,
  type OpenApiProblem,
  type OpenApiProblems,
} from './openapi-problems.ts';
import { convert, schemaContext } from './openapi-schema.ts';

export type HttpMethod = NonNullable<HttpRequest['method']>;

export interface ParameterPlan {
  /** The name on the wire and where it goes. */
  name: string;
  in: 'path' | 'query' | 'header';
  /** The action input that carries it (a lowercase snake slug). */
  key: string;
  /** Query arrays: repeated (`a=1&a=2`, the default) or joined with commas. */
  explode: boolean;
  deepObject: boolean;
}

export interface OperationPlan {
  name: string;
  method: HttpMethod;
  path: string;
  /** Pointer to the operation, for messages. */
  at: string;
  title: string;
  description: string;
  effect: ActionEffect;
  input: TSchema;
  parameters: ParameterPlan[];
  /** Statuses ≥ 400 the operation documents as answers (a lookup's 404), returned instead of thrown. */
  accept: number[];
}

const METHODS = ['get', 'put', 'post', 'delete', 'head', 'patch'] as const;
const EFFECTS: readonly ActionEffect[] = ['read', 'write', 'destructive'];
const JSON_MEDIA = /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i;
/** Documented or not, these keep their meaning: refused credentials, and "retry later". */
const NEVER_ACCEPTED = new Set([401, 403, 408, 429]);

interface Walk {
  doc: Record<string, unknown>;
  problems: OpenApiProblems;
  warnings: OpenApiProblem[];
}

function effectOf(method: string, operation: Record<string, unknown>, at: string, w: Walk): ActionEffect {
  const declared = operation['x-riposte-effect'];
  if (declared !== undefined) {
    if (EFFECTS.includes(declared as ActionEffect)) return declared as ActionEffect;
    w.problems.add(`${at}/x-riposte-effect`, `x-riposte-effect must be one of ${EFFECTS.join(', ')}`);
  }
  return method === 'get' || method === 'head' ? 'read' : method === 'delete' ? 'destructive' : 'write';
}

/** Path-level parameters overridden by the operation's own (same name and location). */
function parametersOf(
  item: Record<string, unknown>,
  itemAt: string,
  operation: Record<string, unknown>,
  at: string,
  w: Walk,
) {
  const merged = new Map<string, { p: Record<string, unknown>; at: string }>();
  for (const [list, listAt] of [
    [item['parameters'], `${itemAt}/parameters`],
    [operation['parameters'], `${at}/parameters`],
  ] as const) {
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      w.problems.add(listAt, 'parameters must be a list');
      continue;
    }
    list.forEach((raw, i) => {
      const found = followRefs(w.doc, raw, `${listAt}/${i}`, w.problems);
      if (!found) return;
      const p = found.value;
      if (!isObject(p)) return w.problems.add(found.at, 'a parameter must be an object');
      if (typeof p['name'] !== 'string' || p['name'] === '')
        return w.problems.add(`${found.at}/name`, 'a parameter needs a name');
      if (!['path', 'query', 'header', 'cookie'].includes(String(p['in'])))
        return w.problems.add(`${found.at}/in`, 'a parameter is in path, query, header or cookie');
      if (p['in'] === 'path' && p['required'] !== true)
        w.problems.add(`${found.at}/required`, `path parameter "${p['name']}" must be required: true`);
      merged.set(`${String(p['in'])}:${p['name']}`, { p, at: found.at });
    });
  }
  return [...merged.values()];
}

/** The JSON body's schema and whether it is required; null: no body; 'unsupported': only other media. */
function bodyOf(operation: Record<string, unknown>, at: string, w: Walk) {
  if (operation['requestBody'] === undefined) return null;
  const found = followRefs(w.doc, operation['requestBody'], `${at}/requestBody`, w.problems);
  if (!found) return null;
  const body = found.value;
  if (!isObject(body) || !isObject(body['content'])) {
    w.problems.add(found.at, 'a request body needs content');
    return null;
  }
  const media = Object.keys(body['content']).find((m) => JSON_MEDIA.test(m));
  if (!media)
    return { unsupported: Object.keys(body['content']).join(', '), required: body['required'] === true };
  const entry = body['content'][media];
  return {
    schema: isObject(entry) ? entry['schema'] : undefined,
    at: `${found.at}${pointer('content', media, 'schema')}`,
    required: body['required'] === true,
  };
}

function acceptedOf(operation: Record<string, unknown>): number[] {
  const responses = operation['responses'];
  return Object.keys(isObject(responses) ? responses : {})
    .filter((code) => /^[45]\d\d$/.test(code))
    .map(Number)
    .filter((code) => code < 500 && !NEVER_ACCEPTED.has(code));
}

function planOperation(
  path: string,
  method: (typeof METHODS)[number],
  item: Record<string, unknown>,
  itemAt: string,
  w: Walk,
): OperationPlan | null {
  const at = `${itemAt}/${method}`;
  const operation = item[method];
  if (!isObject(operation)) {
    w.problems.add(at, 'an operation must be an object');
    return null;
  }
  const operationId = operation['operationId'];
  if (operationId !== undefined && (typeof operationId !== 'string' || operationId === ''))
    w.problems.add(`${at}/operationId`, 'operationId must be a non-empty string');
  const name = actionSlug(
    typeof operationId === 'string' && operationId !== '' ? operationId : `${method} ${path}`,
  );
  const body = bodyOf(operation, at, w);
  if (body && 'unsupported' in body) {
    const message = body.required
      ? `${name} is not imported: its body is ${body.unsupported}, and only JSON bodies are sent`
      : `${name} is imported without its optional ${body.unsupported} body: only JSON bodies are sent`;
    w.warnings.push({ pointer: `${at}/requestBody`, message });
    if (body.required) return null;
  }
  const properties: Record<string, TSchema> = {};
  const parameters: ParameterPlan[] = [];
  const ctx = schemaContext(w.doc, w.problems, true);
  const templated = new Set([...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!));
  for (const { p, at: pAt } of parametersOf(item, itemAt, operation, at, w)) {
    const where = p['in'] as ParameterPlan['in'] | 'cookie';
    const wire = p['name'] as string;
    if (where === 'cookie') continue;
    if (where === 'path' && !templated.delete(wire)) {
      w.problems.add(`${pAt}/name`, `path parameter "${wire}" is not in the path ${path}`);
      continue;
    }
    let key = inputKey(wire);
    if (key in properties || key === 'body' || key === 'instance') key = inputKey(`${where}_${wire}`);
    if (key in properties) {
      w.problems.add(`${pAt}/name`, `parameters "${wire}" and another both become the input "${key}"`);
      continue;
    }
    const content = isObject(p['content']) ? Object.entries(p['content'])[0] : undefined;
    const schemaAt = content ? `${pAt}${pointer('content', content[0], 'schema')}` : `${pAt}/schema`;
    const raw = content ? (isObject(content[1]) ? content[1]['schema'] : undefined) : p['schema'];
    const schema = raw === undefined ? Type.String() : convert(raw, schemaAt, ctx);
    const description = `${typeof p['description'] === 'string' ? `${p['description']} ` : ''}(${where} parameter "${wire}")`;
    properties[key] =
      p['required'] === true ? { ...schema, description } : Type.Optional({ ...schema, description });
    parameters.push({
      name: wire,
      in: where,
      key,
      explode: p['explode'] !== false,
      deepObject: p['style'] === 'deepObject',
    });
  }
  for (const missing of templated)
    w.problems.add(
      `${at}/parameters`,
      `the path ${path} has {${missing}} but no path parameter "${missing}" is declared`,
    );
  if (body && 'at' in body) {
    const schema = body.schema === undefined ? Type.Unknown() : convert(body.schema, body.at, ctx);
    properties['body'] = body.required ? schema : Type.Optional(schema);
  }
  const summary = typeof operation['summary'] === 'string' ? operation['summary'] : undefined;
  return {
    name,
    method: method.toUpperCase() as HttpMethod,
    path,
    at,
    title: summary ?? (typeof operationId === 'string' ? operationId : `${method.toUpperCase()} ${path}`),
    description:
      typeof operation['description'] === 'string'
        ? operation['description']
        : (summary ?? `${method.toUpperCase()} ${path}`),
    effect: effectOf(method, operation, at, w),
    input: Type.Object(properties, { additionalProperties: false }),
    parameters,
    accept: acceptedOf(operation),
  };
}

/** Every operation under `paths` as a plan for one action; problems and skipped operations reported. */
export function planOperations(w: Walk): OperationPlan[] {
  const paths = w.doc['paths'];
  if (!isObject(paths)) {
    w.problems.add('/paths', 'paths must be an object of path templates');
    return [];
  }
  const plans: OperationPlan[] = [];
  const ids = new Map<string, string>();
  const names = new Map<string, string>();
  for (const [path, rawItem] of Object.entries(paths)) {
    const itemAt = pointer('paths', path);
    if (!path.startsWith('/')) {
      w.problems.add(itemAt, `the path "${path}" must start with /`);
      continue;
    }
    const found = followRefs(w.doc, rawItem, itemAt, w.problems);
    if (!found) continue;
    if (!isObject(found.value)) {
      w.problems.add(itemAt, 'a path item must be an object');
      continue;
    }
    for (const method of ['options', 'trace'])
      if (method in found.value)
        w.warnings.push({
          pointer: `${itemAt}/${method}`,
          message: `${method.toUpperCase()} operations are not imported`,
        });
    for (const method of METHODS) {
      if (!(method in found.value)) continue;
      const plan = planOperation(path, method, found.value, itemAt, w);
      if (!plan) continue;
      const operationId = (found.value[method] as Record<string, unknown>)['operationId'];
      if (typeof operationId === 'string') {
        const first = ids.get(operationId);
        if (first) {
          w.problems.add(
            `${plan.at}/operationId`,
            `operationId "${operationId}" is already used at ${first}`,
          );
          continue;
        }
        ids.set(operationId, plan.at);
      }
      const clash = names.get(plan.name);
      if (clash) {
        const where = typeof operationId === 'string' ? `${plan.at}/operationId` : plan.at;
        w.problems.add(
          where,
          `becomes the action name "${plan.name}", as ${clash} does: give it another operationId`,
        );
        continue;
      }
      names.set(plan.name, plan.at);
      plans.push(plan);
    }
  }
  if (plans.length === 0 && w.problems.list.length === 0)
    w.problems.add('/paths', 'there is no operation to import');
  return plans;
}

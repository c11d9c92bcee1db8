import { parse } from '@marcbachmann/cel-js';
import {
  OBSERVABLE_TYPES,
  SEVERITIES,
  type Observable,
  type ObservableType,
  type Severity,
} from '../../core/alert.ts';
import {
  dedupeObservables,
  extractObservablesFromText,
  hashObservable,
  ipObservable,
  observable,
  urlObservables,
} from '../../core/observable.ts';
import { RiposteError } from '../../core/riposte-error.ts';
import type { Normalizer } from '../normalizer.ts';
import { splitJson } from '../split-body.ts';
import { asRecord, isObject, isoTime, severityFromTen, severityFromWord } from './record-reader.ts';

/**
 * `generic`: any JSON, mapped by CEL expressions over the variable `event`:
 *
 *   { "mapping": { "title": "event.rule.name", "severity": "event.level", "category": "'malware'",
 *     "eventTime": "event.ts", "sourceRef": "event.id", "ruleId": "string(event.rule.id)",
 *     "description": "…", "ruleName": "…",
 *     "observables": [{ "type": "ipv4", "value": "event.src", "role": "source" }] } }
 *
 * Only `title` is required. Without `observables`, indicators are extracted from every string in the event.
 */
const FIELDS = [
  'title',
  'description',
  'severity',
  'category',
  'eventTime',
  'sourceRef',
  'ruleId',
  'ruleName',
] as const;
type Field = (typeof FIELDS)[number];
type Evaluator = (context: Record<string, unknown>) => unknown;

interface CompiledMapping {
  fields: Partial<Record<Field, Evaluator>>;
  observables: { type: ObservableType; role?: Observable['role']; value: Evaluator }[] | undefined;
}

const cache = new Map<string, CompiledMapping>();
const MAX_CACHE = 200;
const MAX_EXPRESSION = 2000;

function compile(expression: unknown, path: string): Evaluator {
  if (typeof expression !== 'string' || expression.trim() === '' || expression.length > MAX_EXPRESSION) {
    throw new RiposteError(
      'invalid_expression',
      `${path} must be a CEL expression of 1–${MAX_EXPRESSION} characters`,
      { path },
    );
  }
  try {
    return parse(expression) as unknown as Evaluator;
  } catch (error) {
    throw new RiposteError('invalid_expression', `${path}: ${(error as Error).message.split('\n')[0]}`, {
      path,
    });
  }
}

function compileMapping(options: Record<string, unknown>): CompiledMapping {
  const mapping = options.mapping;
  if (!isObject(mapping))
    throw new RiposteError(
      'invalid_expression',
      'a generic source needs options.mapping: an object of CEL expressions with at least "title"',
      { path: '/options/mapping' },
    );
  const key = JSON.stringify(mapping);
  const hit = cache.get(key);
  if (hit) return hit;
  if (mapping.title === undefined)
    throw new RiposteError('invalid_expression', 'options.mapping.title is required', {
      path: '/options/mapping/title',
    });
  for (const name of Object.keys(mapping)) {
    if (name !== 'observables' && !(FIELDS as readonly string[]).includes(name)) {
      throw new RiposteError(
        'invalid_expression',
        `options.mapping.${name} is not a mapping field; use ${FIELDS.join(', ')}, observables`,
        { path: `/options/mapping/${name}` },
      );
    }
  }
  const fields: CompiledMapping['fields'] = {};
  for (const field of FIELDS)
    if (mapping[field] !== undefined) fields[field] = compile(mapping[field], `/options/mapping/${field}`);
  let observables: CompiledMapping['observables'];
  if (mapping.observables !== undefined) {
    if (!Array.isArray(mapping.observables))
      throw new RiposteError(
        'invalid_expression',
        'options.mapping.observables must be a list of {type, value, role?}',
        { path: '/options/mapping/observables' },
      );
    observables = mapping.observables.map((entry: unknown, i) => {
      const at = `/options/mapping/observables/${i}`;
      if (
        !isObject(entry) ||
        typeof entry.type !== 'string' ||
        !(OBSERVABLE_TYPES as readonly string[]).includes(entry.type)
      ) {
        throw new RiposteError(
          'invalid_expression',
          `${at}/type must be one of ${OBSERVABLE_TYPES.join(', ')}`,
          { path: `${at}/type` },
        );
      }
      return {
        type: entry.type as ObservableType,
        ...(typeof entry.role === 'string' ? { role: entry.role as Observable['role'] } : {}),
        value: compile(entry.value, `${at}/value`),
      };
    });
  }
  const compiled = { fields, observables };
  if (cache.size >= MAX_CACHE) cache.delete(cache.keys().next().value!);
  cache.set(key, compiled);
  return compiled;
}

/** CEL answers ints as BigInt and may answer lists; make them plain. */
function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(plain);
  return value;
}

function evaluate(
  evaluator: Evaluator | undefined,
  event: unknown,
  field: string,
  required: boolean,
): unknown {
  if (!evaluator) return undefined;
  try {
    return plain(evaluator({ event }));
  } catch (error) {
    if (!required) return undefined;
    throw new RiposteError(
      'invalid_record',
      `mapping.${field} failed on this record: ${(error as Error).message.split('\n')[0]}`,
      { path: `/mapping/${field}` },
    );
  }
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() || undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function severity(value: unknown): Severity {
  if (typeof value === 'number') return severityFromTen(value);
  if (typeof value === 'string' && (SEVERITIES as readonly string[]).includes(value.toLowerCase()))
    return value.toLowerCase() as Severity;
  return severityFromWord(value) ?? 'unknown';
}

function typed(type: ObservableType, value: unknown, role: Observable['role']): (Observable | null)[] {
  const values = Array.isArray(value) ? value : [value];
  return values.flatMap((v) => {
    if (typeof v !== 'string') return [];
    if (type === 'ipv4' || type === 'ipv6') return [ipObservable(v, role)];
    if (type === 'url') return urlObservables(v, role);
    if (type === 'md5' || type === 'sha1' || type === 'sha256') return [hashObservable(v, role)];
    return [observable(type, v, role)];
  });
}

function allStrings(value: unknown, out: string[], depth = 0): string[] {
  if (depth > 20 || out.length > 1000) return out;
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) allStrings(v, out, depth + 1);
  else if (isObject(value)) for (const v of Object.values(value)) allStrings(v, out, depth + 1);
  return out;
}

export const generic: Normalizer = {
  format: 'generic',
  split: (body) => splitJson(body),
  validateOptions(options) {
    compileMapping(options);
  },
  normalize(record, ctx) {
    const event = asRecord(record, 'generic JSON');
    const m = compileMapping(ctx.options);
    const title = text(evaluate(m.fields.title, event, 'title', true));
    if (!title)
      throw new RiposteError('invalid_record', 'mapping.title gave no text for this record', {
        path: '/mapping/title',
      });
    const ruleId = text(evaluate(m.fields.ruleId, event, 'ruleId', false));
    const sourceRef = text(evaluate(m.fields.sourceRef, event, 'sourceRef', false));
    const description = text(evaluate(m.fields.description, event, 'description', false));
    return {
      ...(sourceRef ? { sourceRef } : {}),
      title,
      ...(description ? { description } : {}),
      severity: severity(evaluate(m.fields.severity, event, 'severity', false)),
      category: text(evaluate(m.fields.category, event, 'category', false)) ?? 'generic',
      rule: {
        ...(ruleId ? { id: ruleId } : {}),
        name: text(evaluate(m.fields.ruleName, event, 'ruleName', false)) ?? title,
      },
      eventTime: isoTime(evaluate(m.fields.eventTime, event, 'eventTime', false)) ?? ctx.receivedAt,
      observables: m.observables
        ? dedupeObservables(
            m.observables.flatMap((o) =>
              typed(o.type, evaluate(o.value, event, `observables/${o.type}`, false), o.role),
            ),
          )
        : extractObservablesFromText(allStrings(event, []).join('\n'), 'related'),
      mitre: [],
      raw: record,
    };
  },
};

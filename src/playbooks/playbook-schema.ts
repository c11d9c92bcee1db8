/**
 * The published JSON Schema (draft 2020-12) of playbook YAML, served at /api/v1/schemas/playbook.json
 * for editors. It is written in TypeBox so tests can check documents against it; the served copy has
 * its references rewritten to `#/$defs/…`, which every editor resolves.
 */
import { Type } from '@sinclair/typebox';
import type { TSchema } from '@sinclair/typebox';
import { CASE_EVENTS } from '../core/playbook.ts';
import { DEFAULT_ORDER } from './compile-playbook.ts';
import { Closed, Duration, Expression, Slug, StepSchema, Template } from './step-schema.ts';

export const PLAYBOOK_SCHEMA_URL = '/api/v1/schemas/playbook.json';

const Input = Closed(
  {
    type: Type.Union(
      ['string', 'number', 'boolean', 'object', 'list', 'any'].map((value) => Type.Literal(value)),
      {
        description: 'The value type.',
      },
    ),
    required: Type.Boolean({ description: 'A run must pass it (default false; not with a default).' }),
    default: Type.Unknown({ description: 'Used when the input is not passed; a literal of the type.' }),
    description: Type.String({ description: 'Shown when starting a run by hand.' }),
  },
  ['type'],
);

const Triggers = Closed(
  {
    alert: Type.Union(
      [Expression('Run for each new alert for which this is true; only alert is in scope.'), Type.Boolean()],
      {
        description: 'Run for each new alert for which this is true.',
      },
    ),
    case: Type.Array(Type.Union(CASE_EVENTS.map((event) => Type.Literal(event))), {
      uniqueItems: true,
      description: 'Run when a case is created, changes severity or is closed.',
    }),
    schedule: Type.Array(
      Type.String({ description: 'Five cron fields, UTC: minute hour day month weekday.' }),
      {
        uniqueItems: true,
        description: 'Run on these cron schedules (UTC).',
      },
    ),
    manual: Type.Boolean({ description: 'Can be started by hand or through the API (default false).' }),
    fallback: Type.Boolean({
      description:
        'With alert: run only for alerts that no other playbook’s alert trigger matched (default false).',
    }),
  },
  [],
  { description: 'What starts a run.' },
);

const Playbook = Closed(
  {
    id: Slug('Lowercase snake slug, unique among playbooks.'),
    name: Type.String({ minLength: 1, description: 'A human name.' }),
    description: Type.String({ description: 'What the playbook does and why.' }),
    order: Type.Integer({
      minimum: 0,
      maximum: 1_000_000,
      description: `Lower runs first when several playbooks match an alert (default ${DEFAULT_ORDER}).`,
    }),
    enabled: Type.Boolean({ description: 'A disabled playbook is never triggered (default true).' }),
    time_saved: Duration(
      'The analyst time a succeeded run saves (the manual work it replaces); the metrics multiply it by the succeeded runs.',
    ),
    triggers: Triggers,
    inputs: Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$' }), Input, {
      description: 'Named inputs, read as inputs.<name>.',
    }),
    outputs: Type.Record(Type.String(), Template('One output.'), {
      description: 'The run outputs, evaluated when the run succeeds.',
    }),
    secrets: Type.Array(Slug('A secret name.'), {
      uniqueItems: true,
      description: 'Secrets the playbook needs; those read as secrets.<name> are added automatically.',
    }),
    steps: Type.Array(Type.Ref('Step'), { minItems: 1, description: 'The main block: steps run in order.' }),
  },
  ['id', 'name', 'steps'],
);

const PlaybookModule = Type.Module({ Step: StepSchema, Playbook });

/** For Value.Check / Value.Errors. */
export const playbookSchemaType = PlaybookModule.Import('Playbook');

/** The JSON document served to editors. */
export const playbookJsonSchema: Record<string, unknown> = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: `https://riposte.dev${PLAYBOOK_SCHEMA_URL}`,
  title: 'Riposte playbook',
  ...(toJsonSchema(Playbook) as Record<string, unknown>),
  $defs: { Step: toJsonSchema(StepSchema) },
};

/** A plain JSON copy with `$ref: 'Step'` made `#/$defs/Step`. */
function toJsonSchema(schema: TSchema): unknown {
  return JSON.parse(JSON.stringify(schema), (key, value: unknown) =>
    key === '$ref' && typeof value === 'string' && !value.startsWith('#') ? `#/$defs/${value}` : value,
  );
}

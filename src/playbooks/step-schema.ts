/**
 * The JSON Schema of one step, one object schema per kind (the kind is the key that names it). Keys
 * shared by kinds come from one table, so they read the same in every kind.
 */
import { Type } from '@sinclair/typebox';
import type { TObject, TSchema } from '@sinclair/typebox';
import type { StepKind } from '../core/playbook.ts';
import { MAX_QUORUM } from './compile-human-steps.ts';
import { FOR_EACH_LIMITS, MAX_PARALLEL_BRANCHES } from './compile-nested-steps.ts';
import { KIND_FIELDS } from './step-kinds.ts';

/** An object schema that refuses unknown keys; keys not in `required` are optional. */
export function Closed(
  properties: Record<string, TSchema>,
  required: readonly string[],
  options: { description?: string; title?: string } = {},
): TObject {
  const entries = Object.entries(properties).map(([key, schema]) => [
    key,
    required.includes(key) ? schema : Type.Optional(schema),
  ]);
  return Type.Object(Object.fromEntries(entries) as Record<string, TSchema>, {
    additionalProperties: false,
    ...options,
  });
}

export const Slug = (description: string): TSchema =>
  Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$', description });
export const Expression = (description: string): TSchema =>
  Type.String({
    pattern: '^\\$\\{\\{[\\s\\S]*\\}\\}$',
    description: `${description} Written as \${{ … }} (CEL).`,
  });
export const Duration = (description: string): TSchema =>
  Type.Union(
    [
      Type.String({
        pattern: '^(\\d+(ms|s|m|h|d))+$|^\\d+$',
        description: 'e.g. 500ms, 30s, 10m, 4h, 2d, 1h30m',
      }),
      Type.Integer({ minimum: 0, description: 'milliseconds' }),
    ],
    { description },
  );
export const Template = (description: string): TSchema =>
  Type.Unknown({ description: `${description} Any value; strings may hold \${{ … }} expressions.` });
const StepRef = (description: string): TSchema => Slug(`${description} The id of a step in the same block.`);
const TemplateMap = (description: string): TSchema =>
  Type.Record(Type.String(), Template('One value.'), { description });
const Block = (description: string): TSchema => Type.Array(Type.Ref('Step'), { minItems: 1, description });

const Assignee = (description: string): TSchema =>
  Type.Union(
    [
      Closed({ role: Slug('Anyone with this role.') }, ['role']),
      Closed({ user: Type.String({ minLength: 1, description: 'This user.' }) }, ['user']),
    ],
    { description },
  );

const Retry = Closed(
  {
    attempts: Type.Integer({ minimum: 1, maximum: 20, description: 'Total attempts including the first.' }),
    backoff: Duration('Delay before the second attempt (default 1s).'),
    factor: Type.Number({
      minimum: 1,
      maximum: 10,
      description: 'Multiplier for each later delay (default 2).',
    }),
    max_delay: Duration('Longest delay between attempts (default 5m).'),
    jitter: Type.Boolean({ description: 'Randomize each delay within [delay/2, delay] (default true).' }),
  },
  ['attempts'],
  { description: 'Retry the step when it fails.' },
);

const COMMON: Record<string, TSchema> = {
  next: StepRef(
    'Where to go after this step succeeds (default: the following step; end of block otherwise).',
  ),
  on_error: StepRef('Where to go when this step fails after its retries (default: the failure propagates).'),
  continue_on_error: Type.Boolean({
    description: 'On failure, record it and go on with next (default false).',
  }),
  retry: Retry,
  timeout: Duration('Fail the step when it runs longer than this.'),
  react: Type.String({
    pattern: '^RA[1-6]\\d{3}$',
    description:
      'The RE&CT response action this step carries out (e.g. RA3101 block external IP address). An action step without one takes the action’s own.',
  }),
};

const FormField = Closed(
  {
    id: Slug('The key of this answer in the step output.'),
    label: Type.String({ minLength: 1, description: 'What the person sees.' }),
    type: Type.Union(
      ['string', 'text', 'number', 'boolean', 'choice'].map((value) => Type.Literal(value)),
      {
        description: 'string (one line), text (several lines), number, boolean or choice.',
      },
    ),
    required: Type.Boolean({ description: 'Must be answered (default false).' }),
    options: Type.Array(Type.String(), { minItems: 1, description: 'The options of a choice field.' }),
  },
  ['id', 'label', 'type'],
);

const Wait = Type.Union(
  [
    Closed({ delay: Duration('How long to wait.') }, ['delay']),
    Closed(
      {
        until: Expression('Wait until this is true.'),
        poll: Duration('How often to evaluate the condition (default 30s).'),
        timeout: Duration('Fail when the condition is still false after this long.'),
      },
      ['until', 'timeout'],
    ),
    Closed(
      {
        event: Type.String({
          pattern: '^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*$',
          description: 'The event name.',
        }),
        match: Expression('Only an event for which this is true (event in scope) ends the wait.'),
        timeout: Duration('Fail when no matching event arrived after this long.'),
      },
      ['event', 'timeout'],
    ),
  ],
  { description: 'A delay, a polled condition, or an external event.' },
);

const OWN: Record<StepKind, Record<string, TSchema>> = {
  action: {
    uses: Type.String({
      pattern: '^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$',
      description: 'The action to run, vendor.action (e.g. virustotal.lookup_ip).',
    }),
    with: TemplateMap("The action's inputs, checked against its input schema."),
  },
  playbook: {
    playbook: Slug('The id of the playbook to run.'),
    with: TemplateMap('The inputs of the sub-playbook.'),
  },
  if: {
    if: Type.Union([Expression('The condition.'), Type.Boolean()], { description: 'The condition.' }),
    then: StepRef('Where to go when true (default: the following step).'),
    else: StepRef('Where to go when false (default: the following step).'),
  },
  switch: {
    switch: Expression('The value to route on; compared as a string.'),
    cases: Type.Record(Type.String(), StepRef('The step for this value.'), {
      minProperties: 1,
      description: 'Value → step id.',
    }),
    default: StepRef('Where to go when no case matches (default: the following step).'),
  },
  for_each: {
    for_each: Expression('The list to iterate over.'),
    concurrency: Type.Integer({
      minimum: 1,
      maximum: FOR_EACH_LIMITS.maxConcurrency,
      description: 'Items at once (default 1).',
    }),
    max_items: Type.Integer({
      minimum: 1,
      maximum: FOR_EACH_LIMITS.maxItems,
      description: `A longer list fails the step (default ${FOR_EACH_LIMITS.defaultMaxItems}).`,
    }),
    do: Block('The steps to run for each item; item and index are in scope.'),
  },
  parallel: {
    parallel: Type.Array(Block('One branch.'), {
      minItems: 1,
      maxItems: MAX_PARALLEL_BRANCHES,
      description: 'Branches that run at the same time; each is a list of steps.',
    }),
    join: Type.Union([Type.Literal('all'), Type.Literal('any')], {
      description: 'all: wait for every branch (default); any: go on after the first success.',
    }),
  },
  set: { set: TemplateMap('Run variables to set, read as vars.<name>.') },
  wait: { wait: Wait },
  task: {
    task: Closed(
      {
        title: Type.String({ minLength: 1, description: 'What to do; may interpolate ${{ … }}.' }),
        description: Type.String({ description: 'Details; may interpolate ${{ … }}.' }),
        assignee: Assignee('Who the task is for.'),
        choices: Type.Array(Type.String(), { minItems: 1, description: 'Buttons to choose from.' }),
        form: Type.Array(FormField, { minItems: 1, description: 'Fields to fill in.' }),
        expires_in: Duration('The task expires after this long.'),
        on_expiry: Type.Union(
          [
            Type.Literal('fail'),
            Closed({ choose: Type.String({ description: 'The choice to take.' }) }, ['choose']),
          ],
          {
            description: 'fail (default) or { choose: <choice> }.',
          },
        ),
        remind_every: Duration('Remind the assignee this often.'),
      },
      ['title', 'assignee'],
      { description: 'Ask a person.' },
    ),
  },
  approval: {
    approval: Closed(
      {
        title: Type.String({ minLength: 1, description: 'What is asked; may interpolate ${{ … }}.' }),
        description: Type.String({ description: 'Details; may interpolate ${{ … }}.' }),
        approvers: Assignee('Who may approve.'),
        quorum: Type.Integer({
          minimum: 1,
          maximum: MAX_QUORUM,
          description: 'Approvals needed (default 1).',
        }),
        separation_of_duties: Type.Boolean({
          description: 'Whoever started the run cannot approve it, nor anyone twice (default true).',
        }),
        expires_in: Duration('The request expires after this long.'),
        on_expiry: Type.Union([Type.Literal('deny'), Type.Literal('escalate')], {
          description: 'deny (default) or escalate to escalate_to.',
        }),
        escalate_to: Assignee('Who gets the request when it expires (with on_expiry: escalate).'),
        remind_every: Duration('Remind the approvers this often.'),
      },
      ['title', 'approvers', 'expires_in'],
      { description: 'Ask for approval.' },
    ),
    on_deny: StepRef('Where to go when denied (default: the step fails).'),
  },
  end: { end: Type.Literal(true, { description: 'End this block here.' }) },
  fail: {
    fail: Type.String({
      minLength: 1,
      description: 'Fail the run with this message; may interpolate ${{ … }}.',
    }),
  },
};

function stepSchema(kind: StepKind): TObject {
  const common = Object.fromEntries(
    KIND_FIELDS[kind].common.map((key: string) => [key, COMMON[key] as TSchema]),
  );
  const own = OWN[kind];
  const required = ['id', Object.keys(own)[0] as string];
  const properties = { id: Slug('Unique in the playbook; steps.<id> reads its result.'), ...own, ...common };
  return Closed(properties, required, { title: `${kind} step` });
}

export const StepSchema = Type.Union(
  (Object.keys(OWN) as StepKind[]).map((kind) => stepSchema(kind)),
  {
    description:
      'A step; the key that names its kind: uses, if, switch, for_each, parallel, playbook, set, wait, task, approval, end or fail.',
  },
);

/**
 * YAML text to PlaybookPlan: parse with positions, read and check every part, check control flow,
 * and only when nothing is wrong assemble the plan. Every problem is reported, never just the first;
 * the function never throws, whatever the input.
 */
import type { ActionCatalog } from '../core/action.ts';
import type { PlaybookInput, PlaybookPlan, ValueTemplate } from '../core/playbook.ts';
import { RUN_ROOTS } from './cel-environment.ts';
import { createBlockCompiler } from './compile-block.ts';
import type { CompileContext } from './compile-context.ts';
import { compileInputs } from './compile-inputs.ts';
import { NO_TRIGGERS, compileTriggers } from './compile-triggers.ts';
import { compileValue } from './compile-value.ts';
import { checkControlFlow } from './control-flow.ts';
import { withSuggestion } from './did-you-mean.ts';
import { parsePlaybookYaml } from './parse-playbook-yaml.ts';
import type { PlaybookYaml } from './parse-playbook-yaml.ts';
import type { PlaybookIssue } from './playbook-issue.ts';

export { formatIssues } from './playbook-issue.ts';
export type { PlaybookIssue } from './playbook-issue.ts';
import {
  SLUG,
  fieldOffset,
  readBoolean,
  readDuration,
  readEntries,
  readInteger,
  readMapping,
  readSequence,
  readSlug,
  readString,
  readStringList,
  expect,
} from './yaml-reader.ts';
import type { Field } from './yaml-reader.ts';
import { isMap } from 'yaml';

export interface CompilePlaybookOptions {
  /** Named in every issue. */
  file: string;
  catalog: ActionCatalog;
}

export type CompilePlaybookResult =
  | { ok: true; plan: PlaybookPlan; warnings: PlaybookIssue[]; source: string }
  | { ok: false; errors: PlaybookIssue[]; warnings: PlaybookIssue[] };

const TOP_KEYS = [
  'id',
  'name',
  'description',
  'order',
  'enabled',
  'time_saved',
  'triggers',
  'inputs',
  'outputs',
  'secrets',
  'steps',
];
export const DEFAULT_ORDER = 100;

export function compilePlaybook(text: string, options: CompilePlaybookOptions): CompilePlaybookResult {
  const parsed = parsePlaybookYaml(text, options.file);
  if (!parsed.ok) return parsed;
  const { issues } = parsed.yaml;
  try {
    const plan = compileDocument(parsed.yaml, options.catalog);
    if (plan !== null && issues.errors.length === 0) {
      return { ok: true, plan, warnings: issues.warnings, source: text };
    }
  } catch (error) {
    // A bug here must not take the caller down with it; it still is a bug, so it says so.
    issues.error(
      0,
      '',
      `internal error while compiling the playbook: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return { ok: false, errors: issues.errors, warnings: issues.warnings };
}

function compileDocument(yaml: PlaybookYaml, catalog: ActionCatalog): PlaybookPlan | null {
  const ctx: CompileContext = {
    text: yaml.text,
    issues: yaml.issues,
    catalog,
    playbookId: null,
    steps: {},
    stepIds: new Map(),
    blocks: [],
    references: [],
    namedReads: [],
    secrets: new Set(),
  };
  const fields = readMapping(ctx, yaml.root, '', TOP_KEYS, ['id', 'name', 'steps']);
  if (fields === null) return null;
  const optional = <T>(key: string, read: (field: Field) => T | null, fallback: T): T | null => {
    const field = fields.get(key);
    return field === undefined ? fallback : read(field);
  };
  const id = optional('id', (field) => readSlug(ctx, field), null);
  ctx.playbookId = id;
  const name = optional('name', (field) => readString(ctx, field), null);
  const description = optional('description', (field) => readString(ctx, field), '');
  const order = optional('order', (field) => readInteger(ctx, field, 0, 1_000_000), DEFAULT_ORDER);
  const enabled = optional('enabled', (field) => readBoolean(ctx, field), true);
  const timeSaved = optional<number | undefined>(
    'time_saved',
    (field) => readDuration(ctx, field),
    undefined,
  );
  const triggers = optional('triggers', (field) => compileTriggers(ctx, field), NO_TRIGGERS);
  const inputs = optional('inputs', (field) => compileInputs(ctx, field), {});
  const outputs = optional('outputs', (field) => compileOutputs(ctx, field), {});
  const declared = optional(
    'secrets',
    (field) => readStringList(ctx, field, (item) => readSlug(ctx, item) !== null),
    [],
  );
  const stepsField = fields.get('steps');
  const items = stepsField === undefined ? null : readSequence(ctx, stepsField);
  const main = items === null ? null : createBlockCompiler(ctx)(items, 'steps', 'main', RUN_ROOTS);
  checkControlFlow(ctx);
  if (inputs !== null) checkInputReads(ctx, inputs);
  if (id === null || name === null || description === null || order === null || enabled === null) return null;
  if (timeSaved === null) return null;
  if (triggers === null || inputs === null || outputs === null || declared === null || main === null)
    return null;
  const secrets = [...new Set([...declared, ...ctx.secrets])].sort();
  return {
    id,
    name,
    description,
    order,
    enabled,
    ...(timeSaved === undefined ? {} : { timeSavedMs: timeSaved }),
    triggers,
    inputs,
    outputs,
    main,
    steps: ctx.steps,
    secrets,
  };
}

function compileOutputs(ctx: CompileContext, field: Field): Record<string, ValueTemplate> | null {
  if (!isMap(field.value)) return expect(ctx, field, 'a mapping of output names to values');
  const outputs: Record<string, ValueTemplate> = {};
  let ok = true;
  for (const [name, item] of readEntries(ctx, field.value, field.path)) {
    if (!SLUG.test(name)) {
      ctx.issues.error(fieldOffset(item), item.path, `output name "${name}" must be a lowercase snake slug`);
      ok = false;
      continue;
    }
    const template = compileValue(ctx, item.value, item.path, RUN_ROOTS);
    if (template === null) ok = false;
    else outputs[name] = template;
  }
  return ok ? outputs : null;
}

/** `inputs.x` must be a declared input: a typo would otherwise fail only at run time. */
function checkInputReads(ctx: CompileContext, inputs: Record<string, PlaybookInput>): void {
  const names = Object.keys(inputs);
  for (const read of ctx.namedReads) {
    if (read.root !== 'inputs' || names.includes(read.name)) continue;
    const message = withSuggestion(
      `inputs.${read.name}: the playbook declares no input "${read.name}"`,
      read.name,
      names,
    );
    ctx.issues.error(read.offset, read.path, message);
  }
}

/**
 * What the playbook editor offers at the cursor: the keys the schema allows in the mapping being
 * written (with their descriptions), enumerated values, action ids after `uses:`, the inputs of the
 * step's action inside `with:`, sub-playbook ids after `playbook:`, and the ids of the steps of the
 * same block after `next:`, `then:`, `else:`, `on_error:`, `on_deny:`, `default:` and in `cases:`.
 */
import { keyOptions, schemasAt, valueOptions, type JsonSchema, type KeyOption } from './schema-lookup.ts';
import { pathKey, yamlContextAt, yamlEntries, type PathSegment, type YamlEntry } from './yaml-path.ts';

export interface ActionInfo {
  id: string;
  title?: string;
  description?: string;
  effect?: string;
  /** The action's input JSON Schema. */
  input?: unknown;
}

export interface CompletionSources {
  schema: JsonSchema;
  actions: readonly ActionInfo[];
  playbooks?: readonly { id: string; name?: string }[];
}

export interface EditorCompletion {
  label: string;
  /** Text inserted instead of the label. */
  apply?: string;
  detail?: string;
  info?: string;
  type: 'property' | 'enum' | 'function' | 'variable' | 'class';
  boost?: number;
}

export interface CompletionResult {
  from: number;
  options: EditorCompletion[];
}

export const STEP_REFERENCE_KEYS = ['next', 'then', 'else', 'on_error', 'on_deny', 'default'];

/** A list of steps: the main block, a for_each body, a parallel branch. */
export function isBlockPath(path: readonly PathSegment[]): boolean {
  const last = path.at(-1);
  if (path.length === 1 && last === 'steps') return true;
  if (last === 'do') return typeof path.at(-2) === 'number';
  return typeof last === 'number' && path.at(-2) === 'parallel' && typeof path.at(-3) === 'number';
}

/** A step mapping: an item of a block. */
export function isStepPath(path: readonly PathSegment[]): boolean {
  return typeof path.at(-1) === 'number' && isBlockPath(path.slice(0, -1));
}

export interface StepId {
  id: string;
  /** The block (list of steps) the step is in. */
  block: PathSegment[];
  line: number;
}

/** The ids of every step of the document with the block each is in. */
export function stepIds(entries: readonly YamlEntry[]): StepId[] {
  return entries
    .filter((e) => e.key === 'id' && e.value !== '' && isStepPath(e.path))
    .map((e) => ({ id: e.value, block: e.path.slice(0, -1), line: e.line }));
}

/** The 1-based line of a step's `id:`, for jumping from the graph to the text. */
export function stepLine(text: string, id: string): number | null {
  return stepIds(yamlEntries(text)).find((s) => s.id === id)?.line ?? null;
}

function keyCompletions(options: KeyOption[]): EditorCompletion[] {
  return options.map((o) => ({
    label: o.name,
    apply: `${o.name}: `,
    ...(o.required ? { detail: 'required' } : {}),
    ...(o.description ? { info: o.description } : {}),
    type: 'property' as const,
    boost: o.required ? 2 : 0,
  }));
}

function entriesOf(entries: readonly YamlEntry[], path: readonly PathSegment[]): Map<string, string> {
  const key = pathKey(path);
  return new Map(entries.filter((e) => pathKey(e.path) === key).map((e) => [e.key, e.value]));
}

function actionInputKeys(action: ActionInfo | undefined, present: Iterable<string>): EditorCompletion[] {
  const input = action?.input;
  if (typeof input !== 'object' || input === null) return [];
  return keyCompletions(keyOptions([input as JsonSchema], present));
}

/** The completions at `offset` of `text`; null when there is nothing to offer there. */
export function completionsAt(
  text: string,
  offset: number,
  sources: CompletionSources,
): CompletionResult | null {
  const context = yamlContextAt(text, offset);
  if (!context) return null;
  const entries = yamlEntries(text);
  const { path } = context;
  let options: EditorCompletion[] = [];
  if (context.kind === 'key') {
    const present = entriesOf(entries, path);
    if (path.at(-1) === 'with' && isStepPath(path.slice(0, -1))) {
      const uses = entriesOf(entries, path.slice(0, -1)).get('uses');
      options = actionInputKeys(
        sources.actions.find((a) => a.id === uses),
        present.keys(),
      );
    }
    if (options.length === 0) {
      const schemas = schemasAt(sources.schema, path);
      options = keyCompletions(keyOptions(schemas, present.keys()));
      if (options.length === 0) options = enumCompletions(schemas);
    }
  } else options = valueCompletions(context.path, entries, sources);
  if (options.length === 0) return null;
  return { from: context.from, options };
}

function enumCompletions(schemas: JsonSchema[]): EditorCompletion[] {
  return valueOptions(schemas).map((v) => ({
    label: v.value,
    ...(v.description ? { info: v.description } : {}),
    type: 'enum' as const,
  }));
}

function valueCompletions(
  path: PathSegment[],
  entries: readonly YamlEntry[],
  sources: CompletionSources,
): EditorCompletion[] {
  const key = path.at(-1);
  const step = path.slice(0, -1);
  if (typeof key === 'string' && isStepPath(step)) {
    if (key === 'uses')
      return sources.actions.map((a) => ({
        label: a.id,
        ...(a.effect ? { detail: a.effect } : {}),
        ...(a.description || a.title ? { info: a.description || a.title } : {}),
        type: 'function' as const,
      }));
    if (key === 'playbook')
      return (sources.playbooks ?? []).map((p) => ({
        label: p.id,
        ...(p.name ? { detail: p.name } : {}),
        type: 'class' as const,
      }));
    if (STEP_REFERENCE_KEYS.includes(key)) return stepReferences(entries, step);
  }
  // A switch's cases: value → step id.
  if (path.at(-2) === 'cases' && isStepPath(path.slice(0, -2)))
    return stepReferences(entries, path.slice(0, -2));
  return enumCompletions(schemasAt(sources.schema, path));
}

/** The other steps of the step's own block: routing never leaves a block. */
function stepReferences(entries: readonly YamlEntry[], step: PathSegment[]): EditorCompletion[] {
  const block = pathKey(step.slice(0, -1));
  const own = entriesOf(entries, step).get('id');
  return stepIds(entries)
    .filter((s) => pathKey(s.block) === block && s.id !== own)
    .map((s) => ({ label: s.id, detail: `step, line ${s.line}`, type: 'variable' as const }));
}

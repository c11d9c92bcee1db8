/**
 * CACAO v2.0 → a Riposte playbook, written as the YAML a person would write. The imported playbook
 * is an ordinary Riposte playbook: versioned, compiled with every check, testable with golden tests
 * and dry runs, and run by the same engine. Nothing the document holds can become an expression:
 * its texts are literal, its variables are read through `vars`/`inputs`, its conditions are
 * translated from STIX patterning, and credentials it carries are never copied.
 */
import { stringify } from 'yaml';
import { CacaoIssues, type CacaoIssue, type CacaoProfile } from './cacao-issues.ts';
import { isObject, readCacaoPlaybook, type CacaoPlaybook } from './cacao-document.ts';
import { literalText, slugify, StepIds, type RiposteStep } from './cacao-segment.ts';
import { VariableNames, type CacaoVariable } from './cacao-variables.ts';
import { WorkflowTranslator } from './cacao-workflow.ts';
import { lookupTable } from '../../core/lookup-table.ts';

export const MAX_CACAO_BYTES = 1024 * 1024;

export interface CacaoImportOptions {
  profile: CacaoProfile;
  /** The Riposte id to store it as; default: the id it was imported as before, else a slug of its name. */
  id?: string;
  /** The Riposte id a CACAO id was imported as before, if it was. */
  previousId?: (cacaoId: string) => string | undefined;
  /** The Riposte id of a CACAO playbook imported before (for playbook-action steps), or null. */
  resolvePlaybook: (cacaoId: string) => string | null;
  /** What `valid_until` is compared with (the caller's clock: this module is pure). */
  now: Date;
}

export interface CacaoImportResult {
  /** The Riposte playbook's YAML; null when the document has errors. */
  source: string | null;
  playbookId: string | null;
  cacaoId: string | null;
  modified: string | null;
  errors: CacaoIssue[];
  warnings: CacaoIssue[];
}

const INPUT_TYPES = lookupTable<string>({
  bool: 'boolean',
  integer: 'number',
  long: 'number',
  float: 'number',
  dictionary: 'object',
});

/** Reads JSON text (or an already parsed value) and translates it. */
export function importCacao(input: string | unknown, options: CacaoImportOptions): CacaoImportResult {
  const issues = new CacaoIssues(options.profile);
  const failed = (): CacaoImportResult => ({
    source: null,
    playbookId: null,
    cacaoId: null,
    modified: null,
    errors: issues.errors,
    warnings: issues.warnings,
  });
  let document: unknown = input;
  if (typeof input === 'string') {
    if (Buffer.byteLength(input) > MAX_CACAO_BYTES) {
      issues.error('', `a CACAO playbook is at most ${MAX_CACAO_BYTES} bytes`);
      return failed();
    }
    try {
      document = JSON.parse(input);
    } catch (error) {
      issues.error('', `not JSON: ${(error as Error).message}`);
      return failed();
    }
  }
  const playbook = readCacaoPlaybook(document, issues, options.now);
  if (playbook === null || issues.errors.length > 0) return failed();

  const names = declareVariables(playbook);
  const ids = new StepIds();
  const initId = ids.take('variables');
  const translator = new WorkflowTranslator({
    issues,
    names,
    ids,
    playbook,
    agents: playbook.agents,
    targets: playbook.targets,
    resolvePlaybook: options.resolvePlaybook,
  });
  const main = translator.translate();
  if (main === null || issues.errors.length > 0) return failed();

  const extension = playbook.riposte ?? {};
  const id =
    options.id ??
    (playbook.id === null ? undefined : options.previousId?.(playbook.id)) ??
    (typeof extension['id'] === 'string' ? extension['id'] : slugify(playbook.name, 'cacao_playbook'));
  const init = initStep(initId, playbook, names);
  const doc: Record<string, unknown> = {
    id,
    name: playbook.name.slice(0, 200),
    description: describe(playbook),
    triggers: isObject(extension['triggers']) ? extension['triggers'] : { manual: true },
  };
  for (const key of ['order', 'enabled', 'time_saved'] as const)
    if (extension[key] !== undefined) doc[key] = extension[key];
  const inputs = isObject(extension['inputs']) ? extension['inputs'] : inputsOf(playbook, names);
  if (Object.keys(inputs).length > 0) doc['inputs'] = inputs;
  const outputs = isObject(extension['outputs']) ? extension['outputs'] : outputsOf(playbook, names);
  if (Object.keys(outputs).length > 0) doc['outputs'] = outputs;
  if (Array.isArray(extension['secrets']) && extension['secrets'].length > 0)
    doc['secrets'] = extension['secrets'];
  doc['steps'] = init === null ? main : [init, ...main];
  const header = `# Imported from CACAO ${playbook.id ?? 'playbook'}${playbook.modified ? ` (modified ${playbook.modified})` : ''}\n`;
  return {
    source: header + stringify(doc, { lineWidth: 0 }),
    playbookId: id,
    cacaoId: playbook.id,
    modified: playbook.modified,
    errors: [],
    warnings: issues.warnings,
  };
}

function allVariables(playbook: CacaoPlaybook): CacaoVariable[] {
  return [...playbook.variables, ...[...playbook.steps.values()].flatMap((s) => s.variables)];
}

function declareVariables(playbook: CacaoPlaybook): VariableNames {
  const names = new VariableNames();
  const assigned = new Set<string>();
  for (const step of playbook.steps.values()) {
    for (const name of step.outArgs) assigned.add(name);
    for (const variable of step.variables) assigned.add(variable.name);
  }
  for (const variable of allVariables(playbook)) {
    names.declare(variable.name);
    if (variable.external && !assigned.has(variable.name)) names.asInput(variable.name);
  }
  return names;
}

/** Sets every run variable at the start: its declared value, an external one's input, or null. */
function initStep(id: string, playbook: CacaoPlaybook, names: VariableNames): RiposteStep | null {
  const values: Record<string, unknown> = {};
  for (const variable of allVariables(playbook)) {
    if (names.isInput(variable.name)) continue;
    const slug = names.slugOf(variable.name)!;
    if (slug in values) continue;
    const isStepScoped = !playbook.variables.includes(variable);
    values[slug] = variable.external
      ? `\${{ inputs.${slug} }}`
      : isStepScoped
        ? null
        : variable.value === null
          ? null
          : literalText(variable.value);
  }
  return Object.keys(values).length === 0 ? null : { id, set: values };
}

function inputsOf(playbook: CacaoPlaybook, names: VariableNames): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  for (const variable of playbook.variables) {
    if (!variable.external) continue;
    const slug = names.slugOf(variable.name)!;
    const wanted = INPUT_TYPES[variable.type] ?? 'string';
    const value = variable.value === null ? undefined : typedDefault(variable.value, wanted);
    // A value that does not read as its declared type stays text rather than failing the import.
    const type = value === undefined || typeof value !== 'string' || wanted === 'string' ? wanted : 'string';
    const input: Record<string, unknown> = { type };
    if (value === undefined) input['required'] = true;
    else input['default'] = value;
    if (variable.description !== null) input['description'] = variable.description.slice(0, 500);
    inputs[slug] = input;
  }
  return inputs;
}

function typedDefault(value: string, type: string): unknown {
  if (type === 'number' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  if (type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  if (type === 'object') {
    try {
      const parsed: unknown = JSON.parse(value);
      if (isObject(parsed)) return parsed;
    } catch {
      // Not JSON: kept as text below.
    }
  }
  return value;
}

/** Every playbook variable is an output, so a calling playbook's out_args can read it. */
function outputsOf(playbook: CacaoPlaybook, names: VariableNames): Record<string, string> {
  return Object.fromEntries(
    playbook.variables.map((v) => [names.slugOf(v.name)!, `\${{ ${names.refOf(v.name)!} }}`]),
  );
}

function describe(playbook: CacaoPlaybook): string {
  const lines = [playbook.description.trim()];
  const provenance = [`Imported from CACAO ${playbook.id ?? ''}`.trim()];
  if (playbook.modified) provenance.push(`version ${playbook.modified}`);
  if (playbook.tlp.length > 0) provenance.push(playbook.tlp.join(', '));
  if (playbook.labels.length > 0) provenance.push(`labels: ${playbook.labels.join(', ')}`);
  lines.push(`${provenance.join('; ')}.`);
  return lines.filter((l) => l !== '').join('\n\n');
}

/** One CACAO workflow step, read and checked (section 4 of CACAO v2.0). */
import type { CacaoIssues } from './cacao-issues.ts';
import { pointer } from './cacao-issues.ts';
import { readVariables, type CacaoVariable } from './cacao-variables.ts';

/** `__name__` → `name`: how in_args and out_args are kept. */
const bareName = (name: string): string => name.replace(/^__|__$/g, '');

/** Riposte's CACAO extension: what a step or playbook exported by Riposte needs to come back exactly. */
export const RIPOSTE_EXTENSION_ID = 'extension-definition--6f1c1a52-3d1e-5b8e-9a51-7c0b5e2d4f31';

export const CACAO_STEP_TYPES = [
  'start',
  'end',
  'action',
  'playbook-action',
  'parallel',
  'if-condition',
  'while-condition',
  'switch-condition',
] as const;
export type CacaoStepType = (typeof CACAO_STEP_TYPES)[number];

export interface CacaoCommand {
  type: string;
  /** The command text, decoded from command_b64 when that is how it came. */
  command: string | null;
  description: string | null;
  /** HTTP headers, each header's values joined with ", ". */
  headers: Record<string, string>;
  /** Body of an http-api or openc2-http command, decoded from content_b64 when needed. */
  content: string | null;
  path: string;
}

export interface CacaoStep {
  id: string;
  type: CacaoStepType;
  name: string | null;
  description: string | null;
  path: string;
  /** on_success, or on_completion. */
  onSuccess: string | null;
  onFailure: string | null;
  delayMs: number | null;
  timeoutMs: number | null;
  variables: CacaoVariable[];
  commands: CacaoCommand[];
  agent: string | null;
  targets: string[];
  /** Variable names without their double underscores, as `CacaoVariable.name`. */
  inArgs: string[];
  outArgs: string[];
  playbookId: string | null;
  condition: string | null;
  onTrue: string | null;
  onFalse: string | null;
  switchOn: string | null;
  cases: { key: string; target: string }[];
  nextSteps: string[];
  /** Every step id this step names, with where, for the existence check. */
  references: { id: string; path: string }[];
  /** The Riposte extension's properties, on a step Riposte exported. */
  riposte: Record<string, unknown> | null;
}

const COMMON = [
  'type',
  'name',
  'description',
  'external_references',
  'delay',
  'timeout',
  'step_variables',
  'owner',
  'on_completion',
  'on_success',
  'on_failure',
  'step_extensions',
];
const BY_TYPE: Record<CacaoStepType, string[]> = {
  start: [],
  end: [],
  action: ['commands', 'agent', 'targets', 'in_args', 'out_args'],
  'playbook-action': ['playbook_id', 'playbook_version', 'in_args', 'out_args', 'agent', 'targets'],
  parallel: ['next_steps'],
  'if-condition': ['condition', 'on_true', 'on_false'],
  'while-condition': ['condition', 'on_true'],
  'switch-condition': ['switch', 'cases'],
};

function decodeBase64(issues: CacaoIssues, value: unknown, path: string): string | null {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value.replace(/\s/g, ''))) {
    issues.error(path, 'must be base64 text');
    return null;
  }
  const bytes = Buffer.from(value, 'base64');
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  if (text.includes('\uFFFD')) {
    issues.error(path, 'holds binary content; only text can be sent or shown');
    return null;
  }
  return text;
}

function readCommand(issues: CacaoIssues, raw: unknown, path: string): CacaoCommand | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    issues.error(path, 'a command must be an object');
    return null;
  }
  const fields = raw as Record<string, unknown>;
  const type = fields['type'];
  if (typeof type !== 'string' || type === '') {
    issues.error(pointer(path, 'type'), 'a command needs a type (manual, http-api, ssh, …)');
    return null;
  }
  let command: string | null = null;
  if (typeof fields['command'] === 'string') command = fields['command'];
  else if (fields['command_b64'] !== undefined)
    command = decodeBase64(issues, fields['command_b64'], pointer(path, 'command_b64'));
  const description = typeof fields['description'] === 'string' ? fields['description'] : null;
  if (command === null && description === null)
    issues.error(path, 'a command needs command, command_b64 or at least a description');
  const headers: Record<string, string> = {};
  if (fields['headers'] !== undefined) {
    const raw = fields['headers'];
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      issues.error(pointer(path, 'headers'), 'headers must be an object of header names to lists of values');
    else
      for (const [name, values] of Object.entries(raw as Record<string, unknown>)) {
        if (Array.isArray(values) && Array.from(values as unknown[]).every((v) => typeof v === 'string'))
          headers[name] = values.join(', ');
        else if (typeof values === 'string') {
          issues.deviation(pointer(path, 'headers', name), 'a header value is a list of strings');
          headers[name] = values;
        } else issues.error(pointer(path, 'headers', name), 'a header value is a list of strings');
      }
  }
  let content: string | null = null;
  if (typeof fields['content'] === 'string') content = fields['content'];
  else if (fields['content_b64'] !== undefined)
    content = decodeBase64(issues, fields['content_b64'], pointer(path, 'content_b64'));
  return { type, command, description, headers, content, path };
}

function stringList(issues: CacaoIssues, value: unknown, path: string): string[] {
  if (value === undefined) return [];
  // Array.from: a sparse list (possible in a value built in code) has no holes for `every` to skip.
  const list = Array.isArray(value) ? Array.from(value as unknown[]) : null;
  if (list !== null && list.every((v) => typeof v === 'string')) return list;
  issues.error(path, 'must be a list of strings');
  return [];
}

function milliseconds(issues: CacaoIssues, value: unknown, path: string): number | null {
  if (value === undefined) return null;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  issues.error(path, 'must be a whole number of milliseconds');
  return null;
}

interface ReadContext {
  legacy: boolean;
  agents: Record<string, Record<string, unknown>>;
  targets: Record<string, Record<string, unknown>>;
}

export function readStep(
  issues: CacaoIssues,
  id: string,
  raw: unknown,
  context: ReadContext,
): CacaoStep | null {
  const path = pointer('/workflow', id);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    issues.error(path, 'a workflow step must be an object');
    return null;
  }
  const fields = raw as Record<string, unknown>;
  let type = fields['type'];
  if (context.legacy && type === 'single') type = 'action';
  if (typeof type !== 'string' || !(CACAO_STEP_TYPES as readonly string[]).includes(type)) {
    issues.error(
      pointer(path, 'type'),
      `step type ${JSON.stringify(type ?? null)} is not one of ${CACAO_STEP_TYPES.join(', ')}`,
    );
    return null;
  }
  const kind = type as CacaoStepType;
  if (!id.startsWith(`${kind}--`) && !(context.legacy && id.startsWith('single--')))
    issues.deviation(path, `the id of a ${kind} step must be ${kind}--<UUID>`);
  const allowed = new Set([...COMMON, ...BY_TYPE[kind]]);
  for (const key of Object.keys(fields))
    if (!allowed.has(key))
      issues.deviation(pointer(path, key), `"${key}" is not a property of a ${kind} step`);

  const references: CacaoStep['references'] = [];
  const ref = (key: string): string | null => {
    const value = fields[key];
    if (value === undefined) return null;
    if (typeof value !== 'string') {
      issues.error(pointer(path, key), 'must be a step id');
      return null;
    }
    references.push({ id: value, path: pointer(path, key) });
    return value;
  };
  const completion = ref('on_completion');
  const success = ref('on_success');
  const failure = ref('on_failure');
  if (completion !== null && (success !== null || failure !== null))
    issues.deviation(
      pointer(path, 'on_completion'),
      'on_completion cannot stand beside on_success or on_failure; on_success and on_failure are used',
    );
  if (kind === 'end' && (completion ?? success ?? failure) !== null)
    issues.deviation(path, 'an end step leads nowhere; its on_completion/on_success/on_failure are ignored');
  if (kind === 'start' && (success !== null || failure !== null))
    issues.deviation(path, 'a start step uses on_completion, not on_success/on_failure');

  const step: CacaoStep = {
    id,
    type: kind,
    name: typeof fields['name'] === 'string' ? fields['name'] : null,
    description: typeof fields['description'] === 'string' ? fields['description'] : null,
    path,
    onSuccess: kind === 'end' ? null : (success ?? completion),
    onFailure: kind === 'end' ? null : failure,
    delayMs: milliseconds(issues, fields['delay'], pointer(path, 'delay')),
    timeoutMs: milliseconds(issues, fields['timeout'], pointer(path, 'timeout')),
    variables: readVariables(issues, fields['step_variables'], pointer(path, 'step_variables'), false),
    commands: [],
    agent: typeof fields['agent'] === 'string' ? fields['agent'] : null,
    targets: stringList(issues, fields['targets'], pointer(path, 'targets')),
    inArgs: stringList(issues, fields['in_args'], pointer(path, 'in_args')).map(bareName),
    outArgs: stringList(issues, fields['out_args'], pointer(path, 'out_args')).map(bareName),
    playbookId: null,
    condition: null,
    onTrue: null,
    onFalse: null,
    switchOn: null,
    cases: [],
    nextSteps: [],
    references,
    riposte: null,
  };
  const extensions = fields['step_extensions'];
  if (typeof extensions === 'object' && extensions !== null) {
    const own = (extensions as Record<string, unknown>)[RIPOSTE_EXTENSION_ID];
    if (typeof own === 'object' && own !== null && !Array.isArray(own)) {
      step.riposte = own as Record<string, unknown>;
      const onDeny = step.riposte['on_deny'];
      if (typeof onDeny === 'string')
        references.push({
          id: onDeny,
          path: pointer(path, 'step_extensions', RIPOSTE_EXTENSION_ID, 'on_deny'),
        });
    }
  }
  readKindFields(issues, step, fields, context, ref);
  return step;
}

function readKindFields(
  issues: CacaoIssues,
  step: CacaoStep,
  fields: Record<string, unknown>,
  context: ReadContext,
  ref: (key: string) => string | null,
): void {
  const path = step.path;
  switch (step.type) {
    case 'action': {
      const commands = fields['commands'];
      if (!Array.isArray(commands) || commands.length === 0) {
        issues.error(pointer(path, 'commands'), 'an action step needs a non-empty list of commands');
      } else {
        step.commands = Array.from(commands as unknown[])
          .map((c, i) => readCommand(issues, c, pointer(path, 'commands', i)))
          .filter((c): c is CacaoCommand => c !== null);
      }
      if (step.agent === null) issues.deviation(path, 'an action step needs an agent');
      else if (!Object.hasOwn(context.agents, step.agent))
        issues.deviation(pointer(path, 'agent'), `agent "${step.agent}" is not in agent_definitions`);
      step.targets.forEach((target, i) => {
        if (!Object.hasOwn(context.targets, target))
          issues.deviation(pointer(path, 'targets', i), `target "${target}" is not in target_definitions`);
      });
      return;
    }
    case 'playbook-action': {
      const id = fields['playbook_id'];
      if (typeof id === 'string' && id.startsWith('playbook--')) step.playbookId = id;
      else
        issues.error(
          pointer(path, 'playbook_id'),
          'a playbook-action step needs playbook_id (playbook--<UUID>)',
        );
      return;
    }
    case 'parallel': {
      const next = fields['next_steps'];
      if (
        !Array.isArray(next) ||
        next.length === 0 ||
        !Array.from(next as unknown[]).every((n) => typeof n === 'string')
      ) {
        issues.error(pointer(path, 'next_steps'), 'a parallel step needs next_steps: a list of step ids');
        return;
      }
      if (next.length < 2)
        issues.deviation(pointer(path, 'next_steps'), 'a parallel step needs two or more next_steps');
      step.nextSteps = Array.from(next as string[]);
      step.nextSteps.forEach((id, i) => step.references.push({ id, path: pointer(path, 'next_steps', i) }));
      return;
    }
    case 'if-condition':
    case 'while-condition': {
      if (typeof fields['condition'] === 'string' && fields['condition'].trim() !== '')
        step.condition = fields['condition'];
      else issues.error(pointer(path, 'condition'), `a ${step.type} step needs a condition`);
      step.onTrue = ref('on_true');
      if (step.onTrue === null) issues.error(pointer(path, 'on_true'), `a ${step.type} step needs on_true`);
      if (step.type === 'if-condition') step.onFalse = ref('on_false');
      return;
    }
    case 'switch-condition': {
      if (typeof fields['switch'] === 'string') step.switchOn = fields['switch'];
      else
        issues.error(pointer(path, 'switch'), 'a switch-condition step needs switch: a variable reference');
      const cases = fields['cases'];
      if (
        typeof cases !== 'object' ||
        cases === null ||
        Array.isArray(cases) ||
        Object.keys(cases).length === 0
      ) {
        issues.error(pointer(path, 'cases'), 'a switch-condition step needs cases: values to step ids');
        return;
      }
      for (const [key, target] of Object.entries(cases as Record<string, unknown>)) {
        if (typeof target !== 'string') {
          issues.error(pointer(path, 'cases', key), 'must be a step id');
          continue;
        }
        step.cases.push({ key, target });
        step.references.push({ id: target, path: pointer(path, 'cases', key) });
      }
      return;
    }
    case 'start':
    case 'end':
      return;
  }
}

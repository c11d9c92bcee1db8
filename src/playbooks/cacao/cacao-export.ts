/**
 * A Riposte playbook as a CACAO v2.0 document. The structure is CACAO's own: a start step, if- and
 * switch-conditions, parallel steps whose branches each end at their own end step, playbook-action
 * steps for sub-playbooks, and an action step with a `manual` command describing, in words, every
 * step that Riposte carries out itself (an action, a task, an approval…). Each step also carries
 * Riposte's extension with the exact Riposte step, so importing the export back gives the same
 * playbook; a CACAO tool that does not know the extension reads a valid, human-executable playbook.
 * Ids are name-based UUIDs (v5) of the playbook and step ids: exporting twice gives the same ids.
 */
import { createHash } from 'node:crypto';
import { parse } from 'yaml';
import type { Block, PlaybookPlan, PlaybookStep } from '../../core/playbook.ts';
import { RIPOSTE_EXTENSION_ID } from './cacao-step.ts';
import { lookupTable } from '../../core/lookup-table.ts';

export interface CacaoExportOptions {
  /** playbook--<UUID> to export as (the id it was imported from); default: a v5 UUID of the Riposte id. */
  cacaoId?: string;
  /** When this version was saved (ISO 8601). */
  modified: string;
  /** When the first version was saved. */
  created: string;
  /** The CACAO id of another playbook that a playbook step calls. */
  cacaoIdOf?: (playbookId: string) => string | undefined;
}

/** The namespace of Riposte's name-based UUIDs (itself a v5 UUID of "riposte" in the URL namespace). */
const NAMESPACE = 'a3a9c2f6-4b0e-5d2a-8f1e-9b7c3d5e6f70';
const IDENTITY = `identity--${uuidV5('riposte', NAMESPACE)}`;
const AGENT = `group--${uuidV5('riposte-soc', NAMESPACE)}`;

/** RFC 4122 name-based UUID, version 5 (SHA-1). */
export function uuidV5(name: string, namespace: string): string {
  const hash = createHash('sha1')
    .update(Buffer.from(namespace.replaceAll('-', ''), 'hex'))
    .update(name)
    .digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** CACAO wants timestamps in UTC with exactly three digits of milliseconds. */
function cacaoTime(iso: string): string {
  return new Date(iso).toISOString();
}

const VARIABLE_TYPES = lookupTable<string>({
  string: 'string',
  number: 'float',
  boolean: 'bool',
  object: 'dictionary',
  list: 'list',
  any: 'string',
});
const ROUTING = new Set(['id', 'next', 'on_error', 'on_deny', 'then', 'else', 'cases', 'default']);

/**
 * RE&CT stages (the first digit of `RA…`) as CACAO playbook types and activities (the
 * playbook-type-ov and playbook-activity-type-ov vocabularies): what a step carries out tells a CACAO
 * reader what the playbook does. Lessons learned (6) has no CACAO counterpart.
 */
const STAGES: Record<string, { type: string; activity: string }> = {
  '1': { type: 'prevention', activity: 'configure-systems' },
  '2': { type: 'investigation', activity: 'identify-indicators' },
  '3': { type: 'mitigation', activity: 'restrict-access' },
  '4': { type: 'remediation', activity: 'eliminate-risk' },
  '5': { type: 'remediation', activity: 'restore-capabilities' },
};

function stageOf(react: string | undefined): { type: string; activity: string } | undefined {
  return react === undefined ? undefined : STAGES[react.charAt(2)];
}

type Json = Record<string, unknown>;

class Exporter {
  readonly #plan: PlaybookPlan;
  readonly #raw = new Map<string, Json>();
  readonly #uuid: string;
  readonly #workflow: Record<string, Json> = {};
  readonly #options: CacaoExportOptions;
  /** The YAML document as written: triggers, inputs and outputs go into the extension as they are. */
  readonly #document: Json;

  constructor(plan: PlaybookPlan, source: string, options: CacaoExportOptions) {
    this.#plan = plan;
    this.#options = options;
    this.#uuid = options.cacaoId?.replace(/^playbook--/, '') ?? uuidV5(`playbook:${plan.id}`, NAMESPACE);
    this.#document = parse(source) as Json;
    this.#collect(this.#document['steps']);
  }

  #collect(steps: unknown): void {
    if (!Array.isArray(steps)) return;
    for (const step of steps as Json[]) {
      if (typeof step?.['id'] === 'string') this.#raw.set(step['id'], step);
      if (Array.isArray(step?.['parallel']))
        for (const branch of step['parallel'] as unknown[]) this.#collect(branch);
    }
  }

  #id(type: string, name: string): string {
    return `${type}--${uuidV5(`${this.#uuid}:${name}`, NAMESPACE)}`;
  }

  #stepId(step: PlaybookStep): string {
    return this.#id(cacaoType(step), step.id);
  }

  /** The CACAO id control goes to: the step, or the block's end when nothing follows. */
  #to(target: string | null, end: string): string {
    if (target === null) return end;
    const step = this.#plan.steps[target];
    return step === undefined ? end : this.#stepId(step);
  }

  export(): Json {
    const plan = this.#plan;
    const start = this.#id('start', '@start');
    const mainEnd = this.#id('end', '@end');
    this.#workflow[start] = {
      type: 'start',
      name: 'Start',
      on_completion: this.#to(plan.main.entry, mainEnd),
    };
    this.#block(plan.main, mainEnd);
    this.#workflow[mainEnd] = { type: 'end', name: 'End' };
    const raw = this.#document;
    const variables: Record<string, Json> = {};
    for (const [name, input] of Object.entries(plan.inputs)) {
      const variable: Json = { type: VARIABLE_TYPES[input.type] ?? 'string', external: true };
      if (input.description !== undefined) variable['description'] = input.description;
      if (input.default !== undefined)
        variable['value'] = typeof input.default === 'string' ? input.default : JSON.stringify(input.default);
      variables[`__${name}__`] = variable;
    }
    const stages = Object.values(plan.steps)
      .map((step) => stageOf(step.react))
      .filter((stage) => stage !== undefined);
    const types = [...new Set(stages.map((stage) => stage.type))].sort();
    const activities = [...new Set(stages.map((stage) => stage.activity))].sort();
    const document: Json = {
      type: 'playbook',
      spec_version: 'cacao-2.0',
      id: `playbook--${this.#uuid}`,
      name: plan.name,
      description: plan.description || plan.name,
      ...(types.length > 0 ? { playbook_types: types, playbook_activities: activities } : {}),
      created_by: IDENTITY,
      created: cacaoTime(this.#options.created),
      modified: cacaoTime(this.#options.modified),
      labels: ['riposte'],
      ...(Object.keys(variables).length > 0 ? { playbook_variables: variables } : {}),
      workflow_start: start,
      workflow: this.#workflow,
      agent_definitions: {
        [AGENT]: {
          type: 'group',
          name: 'SOC analysts',
          description: 'Whoever runs the playbook by hand; Riposte runs it itself from the extension',
        },
      },
      extension_definitions: {
        [RIPOSTE_EXTENSION_ID]: {
          type: 'extension-definition',
          name: 'Riposte playbook',
          description:
            "The Riposte step each workflow step is, and the playbook's triggers, inputs and outputs, so Riposte imports the playbook back exactly.",
          created_by: IDENTITY,
          schema: 'https://github.com/riposte-soar/riposte/blob/main/docs/playbooks.md#cacao',
          version: '1.0.0',
        },
      },
      playbook_extensions: {
        [RIPOSTE_EXTENSION_ID]: Object.fromEntries(
          Object.entries({
            id: plan.id,
            order: plan.order,
            enabled: plan.enabled,
            time_saved: raw['time_saved'],
            triggers: raw['triggers'],
            inputs: raw['inputs'],
            outputs: raw['outputs'],
            secrets: raw['secrets'],
          }).filter(([, value]) => value !== undefined),
        ),
      },
    };
    return document;
  }

  #block(block: Block, end: string): void {
    for (const id of block.steps) this.#step(this.#plan.steps[id]!, end);
  }

  #step(step: PlaybookStep, end: string): void {
    const id = this.#stepId(step);
    const base: Json = { type: cacaoType(step), name: step.id };
    const routes = (): Json =>
      step.onError === null
        ? { on_completion: this.#to(step.next, end) }
        : { on_success: this.#to(step.next, end), on_failure: this.#to(step.onError, end) };
    switch (step.kind) {
      case 'if':
        this.#workflow[id] = {
          ...base,
          condition: step.condition.source,
          on_true: this.#to(step.then, end),
          on_false: this.#to(step.else, end),
          on_completion: end,
          step_extensions: { [RIPOSTE_EXTENSION_ID]: { cel: step.condition.source } },
        };
        return;
      case 'switch':
        this.#workflow[id] = {
          ...base,
          switch: step.value.source,
          cases: {
            ...Object.fromEntries(step.cases.map((c) => [c.match, this.#to(c.next, end)])),
            default: this.#to(step.default, end),
          },
          on_completion: end,
          step_extensions: { [RIPOSTE_EXTENSION_ID]: { cel: step.value.source } },
        };
        return;
      case 'parallel': {
        const heads = step.branches.map((branch, index) => {
          const branchEnd = this.#id('end', `${step.id}#${index}`);
          this.#workflow[branchEnd] = { type: 'end', name: `End of branch ${index + 1} of ${step.id}` };
          this.#block(branch, branchEnd);
          return this.#to(branch.entry, branchEnd);
        });
        this.#workflow[id] = {
          ...base,
          next_steps: heads,
          ...routes(),
          ...(step.join === 'any' ? { step_extensions: { [RIPOSTE_EXTENSION_ID]: { join: 'any' } } } : {}),
        };
        return;
      }
      case 'end':
        if (step.block === 'main') {
          this.#workflow[id] = { ...base, type: 'end' };
          return;
        }
        break;
      default:
        break;
    }
    const raw = this.#raw.get(step.id) ?? {};
    const kept = Object.fromEntries(Object.entries(raw).filter(([key]) => !ROUTING.has(key)));
    const extension: Json = { step: kept };
    if (step.kind === 'approval' && step.onDeny !== null) extension['on_deny'] = this.#to(step.onDeny, end);
    const cacao: Json = {
      ...base,
      description: describeStep(step, raw),
      ...(step.kind === 'fail' || step.kind === 'end' ? { on_completion: end } : routes()),
      step_extensions: { [RIPOSTE_EXTENSION_ID]: extension },
    };
    if (step.kind === 'playbook') {
      cacao['playbook_id'] =
        this.#options.cacaoIdOf?.(step.playbook) ??
        `playbook--${uuidV5(`playbook:${step.playbook}`, NAMESPACE)}`;
    } else {
      const activity = stageOf(step.react)?.activity;
      cacao['commands'] = [
        {
          type: 'manual',
          command: describeStep(step, raw),
          ...(activity ? { playbook_activity: activity } : {}),
        },
      ];
      cacao['agent'] = AGENT;
    }
    this.#workflow[id] = cacao;
  }
}

function cacaoType(step: PlaybookStep): string {
  switch (step.kind) {
    case 'if':
      return 'if-condition';
    case 'switch':
      return 'switch-condition';
    case 'parallel':
      return 'parallel';
    case 'playbook':
      return 'playbook-action';
    case 'end':
      return step.block === 'main' ? 'end' : 'action';
    default:
      return 'action';
  }
}

/** What the step does, for a person reading the CACAO document. */
function describeStep(step: PlaybookStep, raw: Json): string {
  const json = (value: unknown) => JSON.stringify(value);
  switch (step.kind) {
    case 'action':
      return `Run the ${step.uses} action${raw['with'] === undefined ? '' : ` with ${json(raw['with'])}`}.`;
    case 'task': {
      const task = (raw['task'] ?? {}) as Json;
      const answer = step.choices
        ? `choose one of: ${step.choices.join(', ')}`
        : `fill in: ${(step.form ?? []).map((f) => f.label).join(', ')}`;
      return `Ask ${json(task['assignee'])}: ${String(task['title'] ?? '')} (${answer}).`;
    }
    case 'approval': {
      const approval = (raw['approval'] ?? {}) as Json;
      return `Ask ${json(approval['approvers'])} to approve: ${String(approval['title'] ?? '')}.`;
    }
    case 'set':
      return `Set ${Object.keys(step.values).join(', ')}: ${json(raw['set'])}.`;
    case 'wait':
      return `Wait: ${json(raw['wait'])}.`;
    case 'fail':
      return `Stop the playbook as failed: ${String(raw['fail'] ?? '')}.`;
    case 'for_each':
      return `For each item of ${String(raw['for_each'] ?? '')}, run the steps ${step.body.steps.join(', ')}.`;
    case 'playbook':
      return `Run the playbook ${step.playbook}${raw['with'] === undefined ? '' : ` with ${json(raw['with'])}`}.`;
    case 'end':
      return 'End the playbook.';
    default:
      return step.kind;
  }
}

export function exportCacao(plan: PlaybookPlan, source: string, options: CacaoExportOptions): Json {
  return new Exporter(plan, source, options).export();
}

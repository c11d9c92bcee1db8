/**
 * Reads a CACAO v2.0 playbook (JSON) into a checked model. What the specification requires and a
 * playbook cannot run without (a start, steps that exist, commands that say what to do) is an error
 * in both profiles; what published playbooks often get wrong but can be read unambiguously (a
 * version 1.0 document, a workflow that starts on another kind of step, an HTTP start line without
 * its version, timestamps without milliseconds) is an error in the strict profile and a warning in
 * the lenient one.
 */
import type { CacaoIssues } from './cacao-issues.ts';
import { pointer } from './cacao-issues.ts';
import { readStep, RIPOSTE_EXTENSION_ID, type CacaoStep } from './cacao-step.ts';
import { readVariables, type CacaoVariable } from './cacao-variables.ts';

export interface CacaoPlaybook {
  id: string | null;
  name: string;
  description: string;
  created: string | null;
  modified: string | null;
  labels: string[];
  /** TLP levels of the playbook's markings (`TLP:GREEN`). */
  tlp: string[];
  variables: CacaoVariable[];
  start: string;
  exception: string | null;
  steps: Map<string, CacaoStep>;
  agents: Record<string, Record<string, unknown>>;
  targets: Record<string, Record<string, unknown>>;
  /** The Riposte extension's playbook-level properties, on a playbook Riposte exported. */
  riposte: Record<string, unknown> | null;
}

export const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const PLAYBOOK_ID = new RegExp(`^playbook--${UUID}$`);
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const LOOSE_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const KNOWN_KEYS = new Set([
  'type',
  'spec_version',
  'id',
  'name',
  'description',
  'playbook_types',
  'playbook_activities',
  'playbook_processing_summary',
  'created_by',
  'created',
  'modified',
  'revoked',
  'valid_from',
  'valid_until',
  'derived_from',
  'related_to',
  'priority',
  'severity',
  'impact',
  'industry_sectors',
  'labels',
  'external_references',
  'markings',
  'playbook_variables',
  'workflow_start',
  'workflow_exception',
  'workflow',
  'playbook_extensions',
  'authentication_info_definitions',
  'agent_definitions',
  'target_definitions',
  'extension_definitions',
  'data_marking_definitions',
  'signatures',
]);

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function stringOf(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

function readTimestamp(issues: CacaoIssues, document: Record<string, unknown>, key: string): string | null {
  const value = document[key];
  if (value === undefined) return null;
  const path = pointer('', key);
  if (typeof value !== 'string' || !LOOSE_TIMESTAMP.test(value)) {
    issues.error(path, `${key} must be an RFC 3339 timestamp such as 2023-02-19T08:00:24.918Z`);
    return null;
  }
  if (!TIMESTAMP.test(value))
    issues.deviation(path, `${key} must be UTC with exactly three digits of milliseconds (${value})`);
  return value;
}

function definitions(
  issues: CacaoIssues,
  document: Record<string, unknown>,
  key: string,
): Record<string, Record<string, unknown>> {
  const value = document[key];
  if (value === undefined) return {};
  if (!isObject(value)) {
    issues.error(pointer('', key), `${key} must be an object of definitions by id`);
    return {};
  }
  const out: Record<string, Record<string, unknown>> = {};
  for (const [id, definition] of Object.entries(value)) {
    if (isObject(definition)) out[id] = definition;
    else issues.error(pointer('', key, id), 'a definition must be an object');
  }
  return out;
}

function tlpLevels(document: Record<string, unknown>): string[] {
  const markings = isObject(document['data_marking_definitions']) ? document['data_marking_definitions'] : {};
  return Object.values(markings)
    .filter(isObject)
    .map((m) => m['tlpv2_level'] ?? m['tlp_level'])
    .filter((level): level is string => typeof level === 'string');
}

/** Checks the playbook-level properties and reads every workflow step. */
export function readCacaoPlaybook(document: unknown, issues: CacaoIssues, now: Date): CacaoPlaybook | null {
  if (!isObject(document)) {
    issues.error('', 'a CACAO playbook is a JSON object');
    return null;
  }
  if (document['type'] !== 'playbook') issues.deviation('/type', 'type must be "playbook"');
  const version = document['spec_version'];
  const legacy = version === '1.0' || version === 'cacao-1.0';
  if (legacy)
    issues.deviation(
      '/spec_version',
      `spec_version is "${String(version)}": this is CACAO 1.0; its "single" steps are read as 2.0 action steps`,
    );
  else if (version !== 'cacao-2.0')
    issues.error('/spec_version', `spec_version must be "cacao-2.0", not ${JSON.stringify(version ?? null)}`);
  for (const key of Object.keys(document))
    if (!KNOWN_KEYS.has(key) && !(legacy && key === 'features'))
      issues.deviation(pointer('', key), `"${key}" is not a CACAO 2.0 playbook property`);

  const rawId = document['id'];
  let id: string | null = null;
  if (typeof rawId === 'string' && PLAYBOOK_ID.test(rawId)) id = rawId;
  else if (typeof rawId === 'string' && rawId.startsWith('playbook--')) {
    issues.deviation('/id', `id "${rawId}" is not playbook--<UUID>`);
    id = rawId;
  } else issues.error('/id', 'id must be playbook--<UUID>');

  const name = stringOf(document['name']);
  if (name === null) issues.error('/name', 'name is required: a non-empty string');
  if (document['revoked'] === true)
    issues.error('/revoked', 'the playbook is revoked: its producer says it must no longer be used');
  const validUntil = document['valid_until'];
  if (typeof validUntil === 'string' && Date.parse(validUntil) < now.getTime())
    issues.warning('/valid_until', `the playbook was valid until ${validUntil}; review it before running it`);

  const created = readTimestamp(issues, document, 'created');
  const modified = readTimestamp(issues, document, 'modified');
  if (created === null && document['created'] === undefined)
    issues.deviation('/created', 'created is required');
  if (modified === null && document['modified'] === undefined)
    issues.deviation('/modified', 'modified is required');

  const variables = readVariables(issues, document['playbook_variables'], '/playbook_variables', true);
  const agents = definitions(issues, document, 'agent_definitions');
  const targets = definitions(issues, document, 'target_definitions');
  const extensions = isObject(document['playbook_extensions']) ? document['playbook_extensions'] : {};
  const riposte = isObject(extensions[RIPOSTE_EXTENSION_ID]) ? extensions[RIPOSTE_EXTENSION_ID] : null;

  const workflow = document['workflow'];
  const steps = new Map<string, CacaoStep>();
  if (!isObject(workflow) || Object.keys(workflow).length === 0) {
    issues.error('/workflow', 'workflow must be an object of workflow steps by id');
    return null;
  }
  for (const [stepId, raw] of Object.entries(workflow)) {
    const step = readStep(issues, stepId, raw, { legacy, agents, targets });
    if (step) steps.set(stepId, step);
  }
  for (const step of steps.values())
    for (const { id: target, path } of step.references)
      if (!steps.has(target) && Object.hasOwn(workflow, target) === false)
        issues.error(path, `"${target}" is not a step of the workflow`);

  const start = document['workflow_start'];
  if (typeof start !== 'string' || !Object.hasOwn(workflow, start)) {
    issues.error('/workflow_start', 'workflow_start must name a step of the workflow');
    return null;
  }
  if (steps.get(start)?.type !== 'start')
    issues.deviation(
      '/workflow_start',
      `workflow_start must be a start step; "${start}" is a ${steps.get(start)?.type ?? 'missing'} step`,
    );
  const rawException = document['workflow_exception'];
  let exception: string | null = null;
  if (rawException !== undefined) {
    if (typeof rawException === 'string' && Object.hasOwn(workflow, rawException)) exception = rawException;
    else
      issues.deviation(
        '/workflow_exception',
        'workflow_exception must name a step of the workflow; it is ignored',
      );
  }
  if (name === null) return null;
  return {
    id,
    name,
    description: typeof document['description'] === 'string' ? document['description'] : '',
    created,
    modified,
    labels: Array.isArray(document['labels'])
      ? document['labels'].filter((l): l is string => typeof l === 'string')
      : [],
    tlp: tlpLevels(document),
    variables,
    start,
    exception,
    steps,
    agents,
    targets,
    riposte,
  };
}

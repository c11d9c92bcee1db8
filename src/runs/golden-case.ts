/** The model of a golden test file, as read from YAML (see golden-test-file.ts), and two node helpers. */
import { isMap } from 'yaml';
import type { ActionEffect } from '../core/playbook.ts';
import type { CompileContext } from '../playbooks/compile-context.ts';
import type { IssueCollector } from '../playbooks/issue-collector.ts';
import type { Field } from '../playbooks/yaml-reader.ts';
import { expect } from '../playbooks/yaml-reader.ts';
import type { ActionResult, EventDecision, Simulation } from './simulation.ts';

/** A step or action named in the test file, checked against the compiled playbook. */
export interface GoldenReference {
  /** `mock`: a step or action; `answer`: a task or approval; `event`: a wait on an event; `step`: any step key; `asked`: a task or approval key; `effect`: a write or destructive action. */
  kind: 'mock' | 'answer' | 'event' | 'step' | 'asked' | 'effect';
  name: string;
  offset: number;
  path: string;
  /** For `answer`: the answer, checked against the task it answers. */
  answer?: { answer: GoldenAnswer; offset: number };
}

export type GoldenAnswer =
  | { kind: 'choice'; choice: string; by?: string[] }
  | { kind: 'values'; values: Record<string, unknown>; by?: string[] }
  | { kind: 'decision'; decision: 'approve' | 'deny' | 'expire'; by?: string[] };

export interface ExpectedAction {
  action: string;
  step?: string;
  with?: Record<string, unknown>;
}

export interface GoldenExpect {
  status: Simulation['status'];
  path?: string[];
  notRun?: string[];
  outputs?: Record<string, unknown>;
  vars?: Record<string, unknown>;
  actions?: ExpectedAction[];
  asked?: string[];
  error?: Record<string, unknown>;
  triggered?: boolean;
}

export interface GoldenCase {
  name: string;
  line: number;
  alert?: unknown;
  alertFile?: { path: string; offset: number };
  case?: unknown;
  /** `grouped_after`: the alert gets its case this long after the run starts (see SimulationOptions). */
  groupedAfterMs?: number;
  inputs: Record<string, unknown>;
  secrets: Record<string, string>;
  mocks: Map<string, ActionResult[]>;
  answers: Map<string, GoldenAnswer>;
  events: Map<string, EventDecision>;
  expect: GoldenExpect;
}

export interface GoldenFile {
  file: string;
  playbook: { path: string; offset: number };
  /** Sub-playbooks simulated for real when a `playbook` step calls them, by id. */
  playbooks: Map<string, { path: string; offset: number }>;
  unmocked: 'strict' | 'echo';
  actions: { id: string; effect: ActionEffect; offset: number; path: string }[];
  cases: GoldenCase[];
  references: GoldenReference[];
  /** Reports later issues (references, answers) at positions of this file. */
  issues: IssueCollector;
}

/** True for a mapping; otherwise reports that one was expected. */
export function mapping(ctx: CompileContext, field: Field): boolean {
  return isMap(field.value) || expect(ctx, field, 'a mapping') !== null;
}

/** The value as plain JSON (mappings, lists, scalars). */
export function toJson(field: Field): unknown {
  return field.value === null ? null : (field.value.toJSON() as unknown);
}

/**
 * Golden tests of playbooks: a test file names a playbook and cases (an alert, mocked action results,
 * answers to tasks) with the run each must give. Every case is simulated in memory, hermetically: an
 * action that reads the world must be mocked. See docs/playbook-testing.md.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Type } from '@sinclair/typebox';
import type { ActionCatalog, ActionDefinition } from '../core/action.ts';
import type { ActionEffect, PlaybookPlan } from '../core/playbook.ts';
import { compilePlaybook, type PlaybookIssue } from '../playbooks/compile-playbook.ts';
import { refusedInput } from './action-input-check.ts';
import { compareRun } from './golden-expectations.ts';
import { checkReferences, stepIdOf } from './golden-references.ts';
import { readGoldenFile, type GoldenCase, type GoldenFile } from './golden-test-file.ts';
import {
  simulate,
  type ActionResult,
  type ExecuteActionCommand,
  type OpenTaskCommand,
  type Simulation,
  type SimulationOptions,
  type StartSubrunCommand,
  type TaskDecision,
} from './run-simulator.ts';

export interface GoldenCaseReport {
  name: string;
  line: number;
  ok: boolean;
  failures: string[];
  /** What the simulated run did (absent when it could not run). */
  run?: RunSummary;
}

export type RunSummary = Omit<Simulation, 'state' | 'started' | 'finished' | 'events'>;

export interface GoldenFileReport {
  file: string;
  playbookId: string | null;
  ok: boolean;
  /** Problems of the test file or the playbook, `file:line:column`; no case runs when there are any. */
  errors: PlaybookIssue[];
  cases: GoldenCaseReport[];
}

/** A stub declared in a test file: any inputs, never run (tests mock it). */
export function stubAction(id: string, effect: ActionEffect): ActionDefinition {
  return {
    id,
    title: id,
    description: 'declared by a golden test file',
    effect,
    input: Type.Object({}, { additionalProperties: true }),
    timeoutMs: 30_000,
    retry: null,
    run: () => Promise.reject(new Error(`${id} is a test stub`)),
  };
}

/**
 * Where a test file's playbooks and alert files come from: the files beside it (`riposte playbook test`),
 * or the store and the console's editor (the server, which reads no file). A reference that cannot be
 * resolved is an `error`, reported at the line that names it.
 */
export interface GoldenSources {
  /** The playbook under test (`playbook:`, id null) or a sub-playbook (`playbooks.<id>`). */
  playbook(
    path: string,
    id: string | null,
  ): Promise<{ file: string; source: string } | { file: string; error: Error }>;
  /** The JSON text of an `alert_file`. */
  alert(path: string): Promise<{ file: string; text: string } | { file: string; error: Error }>;
}

/** The files beside the test file: paths in a test file are relative to it. */
export function filesBeside(testFile: string): GoldenSources {
  const resolve = (file: string) => (path.isAbsolute(file) ? file : path.join(path.dirname(testFile), file));
  const read = (file: string): { file: string; text: string } | { file: string; error: Error } => {
    const text = readText(resolve(file));
    return text instanceof Error ? { file: resolve(file), error: text } : { file: resolve(file), text };
  };
  return {
    playbook: async (file) => {
      const found = read(file);
      return 'error' in found ? found : { file: found.file, source: found.text };
    },
    alert: async (file) => read(file),
  };
}

/** Reads the test file and its playbook, then simulates every case. Never throws on a bad file. */
export async function runGoldenFile(file: string, catalog: ActionCatalog): Promise<GoldenFileReport> {
  const text = readText(file);
  if (text instanceof Error)
    return {
      file,
      playbookId: null,
      ok: false,
      errors: [fileIssue(file, `cannot read the test file: ${text.message}`)],
      cases: [],
    };
  return runGoldenText(text, file, catalog, filesBeside(file));
}

/** The same for a test file given as text (`file` names it in reports); playbooks come from `sources`. */
export async function runGoldenText(
  text: string,
  file: string,
  catalog: ActionCatalog,
  sources: GoldenSources,
): Promise<GoldenFileReport> {
  const failed = (errors: PlaybookIssue[], playbookId: string | null = null): GoldenFileReport => ({
    file,
    playbookId,
    ok: false,
    errors,
    cases: [],
  });
  const read = readGoldenFile(text, file);
  const test = read.test;
  if (test === null) return failed(read.errors);
  const withStubs = layered(test, catalog);
  const plan = await compileFile(test, test.playbook, null, sources, withStubs);
  const subPlans = new Map<string, PlaybookPlan>();
  for (const [id, where] of test.playbooks) {
    const sub = await compileFile(test, where, id, sources, withStubs);
    if (sub && sub.id !== id)
      test.issues.error(where.offset, `playbooks.${id}`, `that file is playbook ${sub.id}, not ${id}`);
    if (sub) subPlans.set(id, sub);
  }
  if (plan) checkReferences(test, plan, withStubs);
  const alerts: unknown[] = [];
  for (const testCase of test.cases) alerts.push(await loadAlert(test, testCase, sources));
  if (!plan || test.issues.errors.length > 0) return failed(test.issues.errors, plan?.id ?? null);
  const cases: GoldenCaseReport[] = [];
  for (const [index, testCase] of test.cases.entries())
    cases.push(await runCase(test, plan, subPlans, testCase, alerts[index], withStubs));
  return { file, playbookId: plan.id, ok: cases.every((c) => c.ok), errors: [], cases };
}

function readText(file: string): string | Error {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    return error as Error;
  }
}

function fileIssue(file: string, message: string): PlaybookIssue {
  return { file, line: 1, column: 1, path: '', message };
}

/** The catalogue plus the file's stubs; a stub may not hide a real action. */
function layered(test: GoldenFile, base: ActionCatalog): ActionCatalog {
  const stubs = new Map<string, ActionDefinition>();
  for (const stub of test.actions) {
    if (!/^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/.test(stub.id))
      test.issues.error(
        stub.offset,
        stub.path,
        `action id "${stub.id}" must be vendor.action, lowercase snake`,
      );
    else if (base.get(stub.id))
      test.issues.error(stub.offset, stub.path, `${stub.id} is an installed action; remove the stub`);
    else stubs.set(stub.id, stubAction(stub.id, stub.effect));
  }
  return {
    get: (id) => stubs.get(id) ?? base.get(id),
    list: () => [...base.list(), ...stubs.values()],
  };
}

/** Compiles a playbook named by the test file; its errors are reported in its own file. */
async function compileFile(
  test: GoldenFile,
  where: { path: string; offset: number },
  id: string | null,
  sources: GoldenSources,
  catalog: ActionCatalog,
): Promise<PlaybookPlan | null> {
  const found = await sources.playbook(where.path, id);
  if ('error' in found) {
    test.issues.error(
      where.offset,
      id === null ? 'playbook' : `playbooks.${id}`,
      `cannot read the playbook ${found.file}: ${found.error.message}`,
    );
    return null;
  }
  const result = compilePlaybook(found.source, { file: found.file, catalog });
  if (result.ok) return result.plan;
  test.issues.errors.push(...result.errors);
  return null;
}

async function loadAlert(test: GoldenFile, testCase: GoldenCase, sources: GoldenSources): Promise<unknown> {
  if (!testCase.alertFile) return testCase.alert ?? null;
  const found = await sources.alert(testCase.alertFile.path);
  try {
    if ('error' in found) throw found.error;
    return JSON.parse(found.text) as unknown;
  } catch (error) {
    test.issues.error(
      testCase.alertFile.offset,
      'alert_file',
      `cannot read the alert ${found.file}: ${(error as Error).message}`,
    );
    return null;
  }
}

/** A failure of the test itself (an unmocked read action), reported as the case's failure. */
class HermeticityError extends Error {}

/** Inputs the real action would refuse: the playbook is wrong, whatever the mock answers. */
class RefusedInputError extends Error {}

async function runCase(
  test: GoldenFile,
  plan: PlaybookPlan,
  subPlans: Map<string, PlaybookPlan>,
  testCase: GoldenCase,
  alert: unknown,
  catalog: ActionCatalog,
): Promise<GoldenCaseReport> {
  const base = { name: testCase.name, line: testCase.line };
  const grouped = groupedAlert(testCase, alert);
  if ('problem' in grouped) return { ...base, ok: false, failures: [grouped.problem] };
  const options: SimulationOptions = {
    inputs: testCase.inputs,
    alert: grouped.alert ?? undefined,
    case: testCase.case ?? undefined,
    ...(testCase.groupedAfterMs === undefined ? {} : { groupedAfterMs: testCase.groupedAfterMs }),
    secrets: testCase.secrets,
    actions: (command) => resolveAction(test, testCase, command, catalog),
    tasks: (command) => resolveTask(testCase, command),
    events: (key) => testCase.events.get(key) ?? testCase.events.get(stepIdOf(key)) ?? 'stop',
    subruns: (command, nest) => resolveSubrun(test, testCase, subPlans, command, nest),
  };
  let run: Simulation;
  try {
    run = await simulate(plan, options);
  } catch (error) {
    return { ...base, ok: false, failures: [(error as Error).message] };
  }
  const failures = compareRun(testCase.expect, run, triggered(plan, alert));
  const { state: _s, started: _b, finished: _f, events: _e, ...summary } = run;
  return { ...base, ok: failures.length === 0, failures, run: summary };
}

/**
 * With `grouped_after`, the alert as it is once grouped: its `caseId` is the case's when the alert
 * does not name one. A problem when neither gives the case id.
 */
function groupedAlert(testCase: GoldenCase, alert: unknown): { alert: unknown } | { problem: string } {
  if (testCase.groupedAfterMs === undefined) return { alert };
  const record = typeof alert === 'object' && alert !== null ? (alert as Record<string, unknown>) : null;
  const caseId = record?.['caseId'] ?? (testCase.case as { id?: unknown } | undefined)?.id;
  if (typeof caseId !== 'string')
    return { problem: 'grouped_after needs the case it assigns: give case: { id: … } or the alert a caseId' };
  return { alert: record ? { ...record, caseId } : alert };
}

function mockFor(testCase: GoldenCase, key: string, action?: string): ActionResult[] | undefined {
  return (
    testCase.mocks.get(key) ??
    testCase.mocks.get(stepIdOf(key)) ??
    (action === undefined ? undefined : testCase.mocks.get(action))
  );
}

function resolveAction(
  test: GoldenFile,
  testCase: GoldenCase,
  command: ExecuteActionCommand,
  catalog: ActionCatalog,
): ActionResult {
  // As at run time, inputs are checked against the action's schema before anything answers.
  const action = catalog.get(command.action);
  const refused = action ? refusedInput(action, command.input) : null;
  if (refused !== null)
    throw new RefusedInputError(
      `step ${command.stepKey} calls ${command.action} with inputs it refuses (${refused}): at run time the step fails with invalid_input`,
    );
  const results = mockFor(testCase, command.stepKey, command.action);
  if (results) return results[Math.min(command.attempt, results.length) - 1]!;
  if (test.unmocked === 'echo') return { output: command.input };
  if (command.effect !== 'read') return { output: null };
  throw new HermeticityError(
    `step ${command.stepKey} calls ${command.action} (a read action) and the case mocks neither: tests do not reach the outside world. ` +
      `Add mocks.${stepIdOf(command.stepKey)} (or mocks["${command.action}"]), or set unmocked: echo at the top of the file`,
  );
}

function resolveTask(testCase: GoldenCase, command: OpenTaskCommand): TaskDecision | null {
  const found = testCase.answers.get(command.stepKey) ?? testCase.answers.get(stepIdOf(command.stepKey));
  if (!found) return null;
  const answer = found;
  const by = answer.by === undefined ? {} : { by: answer.by };
  switch (answer.kind) {
    case 'choice':
      return { outcome: 'answered', output: { choice: answer.choice }, ...by };
    case 'values':
      return { outcome: 'answered', output: answer.values, ...by };
    case 'decision': {
      const outcome = ({ approve: 'approved', deny: 'denied', expire: 'expired' } as const)[answer.decision];
      return { outcome, ...by };
    }
  }
}

async function resolveSubrun(
  test: GoldenFile,
  testCase: GoldenCase,
  subPlans: Map<string, PlaybookPlan>,
  command: StartSubrunCommand,
  nest: (plan: PlaybookPlan) => Promise<Simulation>,
) {
  const mocked = mockFor(testCase, command.stepKey);
  const result = mocked?.[0];
  if (result && 'error' in result) return { status: 'failed' as const, outputs: {}, error: result.error };
  if (result) return { status: 'succeeded' as const, outputs: asOutputs(result.output), error: null };
  const sub = subPlans.get(command.playbookId);
  if (sub) {
    const simulation = await nest(sub);
    const status = simulation.status === 'waiting' ? 'cancelled' : simulation.status;
    return { status, outputs: simulation.outputs, error: simulation.error, simulation };
  }
  if (test.unmocked === 'echo') return { status: 'succeeded' as const, outputs: command.inputs, error: null };
  throw new HermeticityError(
    `step ${command.stepKey} runs playbook ${command.playbookId}: mock it (mocks.${stepIdOf(command.stepKey)}: { output: … }) or name its file under playbooks:`,
  );
}

function asOutputs(output: unknown): Record<string, unknown> {
  return typeof output === 'object' && output !== null && !Array.isArray(output)
    ? (output as Record<string, unknown>)
    : { value: output };
}

/** Whether the playbook's alert trigger fires for the alert; null when it has none. */
function triggered(plan: PlaybookPlan, alert: unknown): boolean | null {
  if (plan.triggers.alert === null) return null;
  try {
    return plan.triggers.alert.evaluate({ inputs: {}, steps: {}, vars: {}, secrets: {}, alert }) === true;
  } catch {
    return false;
  }
}

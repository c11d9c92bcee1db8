/**
 * Compares a simulated run with what a golden case expects. Each mismatch becomes a message that
 * says what was expected and what happened, precisely enough to fix the playbook or the test.
 */
import type { GoldenExpect } from './golden-test-file.ts';
import type { RequestedAction, Simulation } from './run-simulator.ts';

export function compareRun(expected: GoldenExpect, run: Simulation, triggered: boolean | null): string[] {
  const failures: string[] = [];
  if (expected.triggered !== undefined && triggered === null)
    failures.push('expect.triggered: the playbook has no alert trigger');
  else if (expected.triggered !== undefined && triggered !== expected.triggered)
    failures.push(
      expected.triggered
        ? 'expected the alert trigger to match this alert; it does not'
        : 'expected the alert trigger not to match this alert; it does',
    );
  if (run.status !== expected.status) failures.push(statusMismatch(expected.status, run));
  if (expected.path) failures.push(...listMismatch('path', expected.path, run.path));
  for (const key of expected.notRun ?? []) {
    const ran = run.started.filter((k) => k === key || k.endsWith(`.${key}`));
    if (ran.length > 0)
      failures.push(
        `expected ${key} not to run; it did (${ran.map((k) => `${k}: ${statusOf(run, k)}`).join(', ')})`,
      );
  }
  if (expected.asked)
    failures.push(
      ...listMismatch(
        'asked',
        expected.asked,
        run.asked.map((t) => t.step),
      ),
    );
  if (expected.outputs) failures.push(...subsetMismatch(expected.outputs, run.outputs, 'outputs'));
  if (expected.vars) failures.push(...subsetMismatch(expected.vars, run.vars, 'vars'));
  if (expected.error)
    failures.push(
      ...(run.error === null
        ? [`expected the run to fail with an error ${show(expected.error)}; it has none`]
        : subsetMismatch(expected.error, run.error, 'error')),
    );
  if (expected.actions) failures.push(...actionsMismatch(expected.actions, run.actions));
  return failures;
}

function statusOf(run: Simulation, key: string): string {
  return run.state.steps[key]?.status ?? 'pending';
}

function statusMismatch(expected: string, run: Simulation): string {
  const lines = [`expected status ${expected}, got ${run.status}`];
  if (run.error) lines.push(`  run error (${run.error.kind}): ${run.error.message}`);
  if (run.status === 'waiting' && run.waitingOn.length > 0)
    lines.push(`  waiting on: ${run.waitingOn.map((w) => `${w.step} (${w.kind})`).join(', ')}`);
  return lines.join('\n');
}

function listMismatch(name: string, expected: string[], actual: string[]): string[] {
  if (expected.length === actual.length && expected.every((v, i) => v === actual[i])) return [];
  const index = expected.findIndex((v, i) => v !== actual[i]);
  const at = index === -1 ? expected.length : index;
  const difference =
    at >= actual.length
      ? `the run stops after ${actual.length} step(s); expected ${expected[at]} next`
      : at >= expected.length
        ? `the run goes on with ${actual[at]}`
        : `expected ${expected[at]}, got ${actual[at]}`;
  const pad = ' '.repeat(name.length + 11);
  return [
    [
      `expected ${name}: ${arrow(expected)}`,
      `actual ${name}:   ${arrow(actual)}`,
      `${pad}first difference at position ${at + 1}: ${difference}`,
    ].join('\n'),
  ];
}

const arrow = (items: string[]) => (items.length === 0 ? '(none)' : items.join(' → '));

/** Every key of `expected` must be in `actual` with an equal value; objects recurse, lists match item by item. */
export function subsetMismatch(expected: unknown, actual: unknown, path: string): string[] {
  if (isObject(expected)) {
    if (!isObject(actual)) return [`${path}: expected ${show(expected)}, got ${show(actual)}`];
    return Object.entries(expected).flatMap(([key, value]) =>
      key in actual
        ? subsetMismatch(value, actual[key], `${path}.${key}`)
        : [`${path}.${key}: expected ${show(value)}, but there is no such key`],
    );
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length)
      return [`${path}: expected ${show(expected)}, got ${show(actual)}`];
    return expected.flatMap((value, i) => subsetMismatch(value, actual[i], `${path}[${i}]`));
  }
  return Object.is(expected, actual) || expected === actual
    ? []
    : [`${path}: expected ${show(expected)}, got ${show(actual)}`];
}

/**
 * First the sequence of action ids (a missing or an extra action is reported as such); only when it
 * matches are the steps and inputs compared, item by item.
 */
function actionsMismatch(
  expected: NonNullable<GoldenExpect['actions']>,
  requested: RequestedAction[],
): string[] {
  const actual = requested.filter((a) => a.effect !== 'read');
  const names = listMismatch(
    'actions',
    expected.map((a) => a.action),
    actual.map((a) => a.action),
  );
  if (names.length > 0) {
    const missing = [...expected.map((a) => a.action)];
    const extra = actual.filter((a) => {
      const at = missing.indexOf(a.action);
      if (at === -1) return true;
      missing.splice(at, 1);
      return false;
    });
    return [
      [
        ...names,
        ...missing.map((a) => `  missing: ${a}`),
        ...extra.map((a) => `  unexpected: ${describeAction(a)}`),
      ].join('\n'),
    ];
  }
  return expected.flatMap((want, i) => {
    const got = actual[i]!;
    const problems = [
      ...(want.step === undefined || want.step === got.step
        ? []
        : [`step: expected ${want.step}, got ${got.step}`]),
      ...(want.with ? subsetMismatch(want.with, got.input, 'with') : []),
    ];
    if (problems.length === 0) return [];
    return [
      [
        `actions[${i}] ${got.action} (step ${got.step}) with ${show(got.input)}`,
        ...problems.map((p) => `  ${p}`),
      ].join('\n'),
    ];
  });
}

function describeAction(a: RequestedAction): string {
  return `${a.action} (step ${a.step}, ${a.effect}) with ${show(a.input)}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

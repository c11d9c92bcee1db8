/**
 * Alert triggers answered where the body is prepared. Matching an alert against the playbooks' alert
 * triggers is pure CPU work on the normalized alert, which an ingest thread holds before the writer
 * sees it. So the thread evaluates the triggers that read only what is known there, and the writer —
 * on the thread that serves HTTP and writes the database — takes their answers instead of evaluating
 * them again (docs/ingest.md, "Ingest threads").
 *
 * An answer is keyed by the trigger's source text, which with the trigger roots is all its meaning:
 * a playbook saved between the two sees its new trigger evaluated by the writer, never an old answer.
 */
import type { Alert } from '../core/alert.ts';
import type { CheckedValues, CompiledExpression, ExpressionScope } from '../core/playbook.ts';
import { TRIGGER_ROOTS } from '../playbooks/cel-environment.ts';
import { withinValueBounds } from '../playbooks/cel-value.ts';
import { compileExpression, type PlaybookExpression } from '../playbooks/expression.ts';
import type { AlertTable } from '../store/schema.ts';

/**
 * The alert fields known before the alert is stored. Its id, case, status, count and times are given
 * by the writer (dedup and grouping), so a trigger that reads one is evaluated there.
 */
const PREPARED_FIELDS: ReadonlySet<string> = new Set([
  'source',
  'format',
  'sourceRef',
  'title',
  'description',
  'severity',
  'category',
  'rule',
  'eventTime',
  'observables',
  'mitre',
  'fingerprint',
  'raw',
]);

/** The triggers handed to the ingest threads; a new generation whenever the list changes. */
export interface TriggerSet {
  generation: number;
  sources: readonly string[];
}

/**
 * One prepared alert's answers, as indexes into `sources` (the set's list): the triggers that matched,
 * and those that failed to evaluate (the writer evaluates those again, where the failure is reported).
 */
export interface TriggerAnswers {
  sources: readonly string[];
  matched: number[];
  failed: number[];
}

/** A trigger set compiled on the thread that answers it. */
export interface CompiledTriggerSet {
  generation: number;
  sources: readonly string[];
  /** Per source; `null` when it does not compile here (then it is answered as failed). */
  triggers: readonly (PlaybookExpression | null)[];
  /** Whether one of them reads `alert.raw` (the raw event is parsed only then). */
  readsRaw: boolean;
}

/**
 * Whether a trigger can be answered before the writer: it reads only prepared fields, by name, and
 * runs in place (one that may run long goes through the time-limit thread, which stays with the writer).
 */
export function answerableEarly(trigger: PlaybookExpression): boolean {
  return (
    !trigger.guarded &&
    trigger.reads.every(
      ({ path }) => path[0] === 'alert' && path.length > 1 && PREPARED_FIELDS.has(path[1] as string),
    )
  );
}

export function compileTriggerSet(set: TriggerSet): CompiledTriggerSet {
  const triggers = set.sources.map((source) => {
    try {
      return compileExpression(source, { roots: TRIGGER_ROOTS });
    } catch {
      return null;
    }
  });
  return {
    generation: set.generation,
    sources: set.sources,
    triggers,
    readsRaw: triggers.some((t) => t?.reads.some(({ path }) => path[1] === 'raw')),
  };
}

/** The scope an alert trigger is evaluated in: the alert, and nothing else. */
export function triggerScope(alert: Alert): ExpressionScope {
  return { inputs: {}, steps: {}, vars: {}, secrets: {}, alert };
}

/**
 * The alert, when it is within the value bounds as a whole: measured once for all the triggers it is
 * matched against instead of by each for each field it reads. An alert over them is measured read by
 * read as usual, so a trigger reading only fields within them still matches.
 */
export function checkedAlert(alert: Alert): CheckedValues | undefined {
  return withinValueBounds(alert) ? new Set([alert]) : undefined;
}

export function answerTriggers(set: CompiledTriggerSet, alert: Alert): TriggerAnswers {
  const scope = triggerScope(alert);
  const checked = checkedAlert(alert);
  const matched: number[] = [];
  const failed: number[] = [];
  set.triggers.forEach((trigger, index) => {
    if (trigger === null) return void failed.push(index);
    try {
      if (trigger.evaluate(scope, checked) === true) matched.push(index);
    } catch {
      failed.push(index);
    }
  });
  return { sources: set.sources, matched, failed };
}

const answersByRow = new WeakMap<AlertTable, TriggerAnswers>();
const indexBySources = new WeakMap<readonly string[], Map<string, number>>();

/** The writer records the answers that came with a prepared alert on the row it stores for it. */
export function rememberTriggerAnswers(row: AlertTable, answers: TriggerAnswers | undefined): void {
  if (answers !== undefined) answersByRow.set(row, answers);
}

/** Whether the trigger matched the row's alert, as answered early; `undefined` when it was not. */
export function earlyAnswer(row: AlertTable, trigger: CompiledExpression): boolean | undefined {
  const answers = answersByRow.get(row);
  if (answers === undefined) return undefined;
  let index = indexBySources.get(answers.sources);
  if (index === undefined) {
    index = new Map(answers.sources.map((source, i) => [source, i]));
    indexBySources.set(answers.sources, index);
  }
  const at = index.get(trigger.source);
  if (at === undefined || answers.failed.includes(at)) return undefined;
  return answers.matched.includes(at);
}

/** `triggers:` — what starts a run: an alert condition, case events, cron schedules, by hand. */
import { CASE_EVENTS } from '../core/playbook.ts';
import type { CaseEvent, PlaybookTriggers } from '../core/playbook.ts';
import { TRIGGER_ROOTS } from './cel-environment.ts';
import type { CompileContext } from './compile-context.ts';
import { readExpression } from './compile-value.ts';
import { nextCronTime, parseCron } from './cron.ts';
import {
  fieldOffset,
  readBoolean,
  readEnum,
  readMapping,
  readStringList,
  scalarValue,
} from './yaml-reader.ts';
import type { Field } from './yaml-reader.ts';

export const NO_TRIGGERS: PlaybookTriggers = { alert: null, case: [], schedule: [], manual: false };

/** Any fixed instant works: a schedule that never fires never fires from anywhere. */
const CRON_PROBE = new Date('2000-01-01T00:00:00Z');

export function compileTriggers(ctx: CompileContext, field: Field): PlaybookTriggers | null {
  const fields = readMapping(ctx, field.value, field.path, [
    'alert',
    'case',
    'schedule',
    'manual',
    'fallback',
  ]);
  if (fields === null) return null;
  let ok = true;
  const triggers: PlaybookTriggers = { ...NO_TRIGGERS, case: [], schedule: [] };
  const alert = fields.get('alert');
  if (alert !== undefined) {
    triggers.alert = readExpression(ctx, alert, TRIGGER_ROOTS);
    ok &&= triggers.alert !== null;
  }
  const caseField = fields.get('case');
  if (caseField !== undefined) {
    const events = readStringList(ctx, caseField, (item) => readEnum(ctx, item, CASE_EVENTS) !== null);
    ok &&= events !== null;
    triggers.case = (events ?? []) as CaseEvent[];
  }
  const schedule = fields.get('schedule');
  if (schedule !== undefined) {
    const crons = readStringList(ctx, schedule, (item) => checkCron(ctx, item));
    ok &&= crons !== null;
    triggers.schedule = crons ?? [];
  }
  const manual = fields.get('manual');
  if (manual !== undefined) {
    const value = readBoolean(ctx, manual);
    ok &&= value !== null;
    triggers.manual = value ?? false;
  }
  const fallback = fields.get('fallback');
  if (fallback !== undefined) {
    const value = readBoolean(ctx, fallback);
    ok &&= value !== null;
    if (value === true && alert === undefined) {
      ctx.issues.error(
        fieldOffset(fallback),
        fallback.path,
        'fallback applies to the alert trigger: add alert (e.g. alert: true) next to it',
      );
      ok = false;
    }
    if (value === true) triggers.fallback = true;
  }
  return ok ? triggers : null;
}

function checkCron(ctx: CompileContext, field: Field): boolean {
  const value = scalarValue(field);
  const fail = (message: string): false => {
    ctx.issues.error(fieldOffset(field), field.path, message, 'five cron fields, e.g. */5 * * * *');
    return false;
  };
  if (typeof value !== 'string') return fail(`${field.path} must be a cron expression in quotes`);
  try {
    nextCronTime(parseCron(value), CRON_PROBE);
    return true;
  } catch (error) {
    return fail(`${field.path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Five-field cron (minute hour day-of-month month day-of-week), always UTC. Supports `*`, values,
 * ranges `a-b`, steps `*\/n` `a-b/n` `a/n`, lists, month and weekday names and the @hourly-style
 * shorthands. Day-of-month and day-of-week follow classic cron: when both are restricted, either matches.
 */

import { lookupTable } from '../core/lookup-table.ts';

export interface CronSchedule {
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  daysOfMonth: ReadonlySet<number>;
  months: ReadonlySet<number>;
  /** 0 = Sunday … 6 = Saturday (7 is folded into 0). */
  daysOfWeek: ReadonlySet<number>;
  daysOfMonthRestricted: boolean;
  daysOfWeekRestricted: boolean;
}

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
  },
  { name: 'day of week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

const SHORTHANDS = lookupTable<string>({
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
});

/** Parses a cron expression; throws a SyntaxError naming the field and what is wrong with it. */
export function parseCron(expression: string): CronSchedule {
  const trimmed = expression.trim();
  const expanded = SHORTHANDS[trimmed.toLowerCase()] ?? trimmed;
  const parts = expanded.split(/\s+/);
  if (parts.length !== 5) {
    throw new SyntaxError(
      `cron "${expression}" has ${parts.length} field(s); write 5: minute hour day-of-month month day-of-week`,
    );
  }
  const sets = parts.map((part, index) => parseField(part, FIELDS[index] as FieldSpec));
  const daysOfWeek = new Set([...(sets[4] as Set<number>)].map((day) => day % 7));
  return {
    minutes: sets[0] as Set<number>,
    hours: sets[1] as Set<number>,
    daysOfMonth: sets[2] as Set<number>,
    months: sets[3] as Set<number>,
    daysOfWeek,
    daysOfMonthRestricted: !(parts[2] as string).startsWith('*'),
    daysOfWeekRestricted: !(parts[4] as string).startsWith('*'),
  };
}

function parseField(text: string, spec: FieldSpec): Set<number> {
  const values = new Set<number>();
  for (const item of text.split(',')) {
    const fail = (why: string): never => {
      throw new SyntaxError(`cron ${spec.name} "${item}": ${why}`);
    };
    const [range = '', stepText, extra] = item.split('/');
    if (extra !== undefined) fail('more than one "/"');
    const step = stepText === undefined ? 1 : readNumber(stepText, fail);
    if (step < 1) fail('the step must be at least 1');
    let from: number;
    let to: number;
    if (range === '*') {
      from = spec.min;
      to = spec.name === 'day of week' ? 6 : spec.max;
    } else {
      const [startText = '', endText, more] = range.split('-');
      if (more !== undefined) fail('a range has one "-"');
      from = readValue(startText, spec, fail);
      // `a/n` means "from a to the end, every n", as in Vixie cron.
      to =
        endText === undefined ? (stepText === undefined ? from : spec.max) : readValue(endText, spec, fail);
      if (to < from) fail(`the range runs backwards (${from} > ${to})`);
    }
    for (let value = from; value <= to; value += step) values.add(value);
  }
  return values;
}

function readNumber(text: string, fail: (why: string) => never): number {
  if (!/^\d+$/.test(text)) fail(`"${text}" is not a number`);
  return Number(text);
}

function readValue(text: string, spec: FieldSpec, fail: (why: string) => never): number {
  const named = spec.names?.indexOf(text.toLowerCase()) ?? -1;
  const value = named >= 0 ? named + spec.min : readNumber(text, fail);
  if (value < spec.min || value > spec.max) fail(`${value} is outside ${spec.min}-${spec.max}`);
  return value;
}

/** Far enough to find Feb 29 from any date; a schedule with no time in this window never fires. */
const SEARCH_YEARS = 8;

/** The first minute strictly after `after` that the schedule matches (UTC). Throws when there is none. */
export function nextCronTime(expression: string | CronSchedule, after: Date): Date {
  const schedule = typeof expression === 'string' ? parseCron(expression) : expression;
  const time = new Date(after.getTime());
  time.setUTCSeconds(0, 0);
  time.setUTCMinutes(time.getUTCMinutes() + 1);
  const limit = Date.UTC(time.getUTCFullYear() + SEARCH_YEARS, 0, 1);
  while (time.getTime() < limit) {
    if (!schedule.months.has(time.getUTCMonth() + 1)) {
      time.setUTCMonth(time.getUTCMonth() + 1, 1);
      time.setUTCHours(0, 0, 0, 0);
    } else if (!dayMatches(schedule, time)) {
      time.setUTCDate(time.getUTCDate() + 1);
      time.setUTCHours(0, 0, 0, 0);
    } else if (!schedule.hours.has(time.getUTCHours())) {
      time.setUTCHours(time.getUTCHours() + 1, 0, 0, 0);
    } else if (!schedule.minutes.has(time.getUTCMinutes())) {
      time.setUTCMinutes(time.getUTCMinutes() + 1, 0, 0);
    } else {
      return time;
    }
  }
  throw new RangeError(`cron schedule never fires (no matching time within ${SEARCH_YEARS} years)`);
}

function dayMatches(schedule: CronSchedule, time: Date): boolean {
  const dom = schedule.daysOfMonth.has(time.getUTCDate());
  const dow = schedule.daysOfWeek.has(time.getUTCDay());
  if (schedule.daysOfMonthRestricted && schedule.daysOfWeekRestricted) return dom || dow;
  return dom && dow;
}

import type { Kysely } from 'kysely';
import type { Io } from '../src/cli/cli-context.ts';
import type { Riposte } from '../src/riposte.ts';
import type { AuditLogTable } from '../src/store/schema.ts';
import { CHUNK, write } from './console-bulk-write.ts';
import { planCases, seedAlerts, seedCases } from './console-case-seed.ts';
import {
  ANALYSTS,
  DAY_MS,
  PLAYBOOKS,
  SEVERITY_WEIGHTS,
  SOURCES,
  TAGS,
  host,
  idStamper,
  makeRules,
  randomSource,
  weightedPicker,
  zipfPicker,
} from './console-data.ts';
import { auditEntry, RARE_ACTOR } from './console-audit-rows.ts';
import { runRow, taskRow, type RunPlan } from './console-run-rows.ts';

export interface Volumes {
  alerts: number;
  cases: number;
  runs: number;
  tasks: number;
  audit: number;
}

/** Values the measurements filter by: a frequent and a rare one per filter, and mid-table positions. */
export interface Probes {
  start: number;
  end: number;
  middle: { alert: string; case: string; run: string; auditSeq: number };
  /** The case with the most alerts: the heaviest case page. */
  biggestCase: string;
  source: { common: string; rare: string };
  rule: { common: string; rare: string };
  assignee: { common: string; rare: string };
  tag: { common: string; rare: string };
  /** A word of many case titles; a host name (one case); a word of every case's document. */
  word: { common: string; rare: string; everywhere: string };
  playbook: { common: string; rare: string };
  actor: { common: string; rare: string };
}

export interface SeedReport {
  seconds: number;
  rows: Record<string, number>;
  probes: Probes;
}

const RULES = 500;
const SPAN_MS = 90 * DAY_MS;

/**
 * Seeds a fresh database with a SOC's last 90 days: alerts linked to cases (each case gets its first
 * alert when it opens, then more, mostly soon after, a few long-running ones for weeks), runs of
 * playbooks on them, tasks and approvals, and the audit log. Deterministic for given volumes.
 */
export async function seedConsoleData(riposte: Riposte, v: Volumes, io: Io): Promise<SeedReport> {
  const started = performance.now();
  const random = randomSource(20261130);
  const stamp = idStamper(random);
  const db = riposte.database.db as unknown as Kysely<unknown>;
  const end = Date.now() - 5 * 60_000;
  const start = end - SPAN_MS;
  const rules = makeRules(RULES, random);
  const pickRule = zipfPicker(RULES, 1.1, random);
  const pickSeverity = weightedPicker(
    SEVERITY_WEIGHTS.map(([, w]) => w),
    random,
  );
  const pickAnalyst = zipfPicker(ANALYSTS.length, 0.6, random);
  const pickTag = zipfPicker(TAGS.length, 1.0, random);
  const rows: Record<string, number> = {};
  const progress = (table: string, n: number) => {
    rows[table] = (rows[table] ?? 0) + n;
  };
  const report = (what: string) =>
    io.stderr(`bench console: ${what} (${((performance.now() - started) / 1000).toFixed(1)} s)\n`);

  // Which case each alert belongs to, and when it arrived (ascending).
  const alertAt = new Float64Array(v.alerts);
  const caseOf = new Int32Array(v.alerts);
  const step = SPAN_MS / v.alerts;
  let opened = 0;
  for (let i = 0; i < v.alerts; i++) {
    const t = start + (i + 0.5 * random()) * step;
    alertAt[i] = t;
    const due = opened < v.cases && start + (opened / v.cases) * SPAN_MS * 0.999 <= t;
    if (due || opened === 0) {
      caseOf[i] = opened++;
      continue;
    }
    const r = random();
    const offset =
      r < 0.15 ? Math.floor(random() ** 3 * Math.min(opened, 5000)) : Math.floor(-Math.log(1 - random()) * 6);
    caseOf[i] = opened - 1 - Math.min(offset, opened - 1);
  }
  const plan = planCases(v.cases, caseOf, alertAt, end, random, pickRule, pickSeverity, pickAnalyst, pickTag);
  const caseIds = Array.from({ length: v.cases }, (_, c) => stamp('case_', plan.firstAt[c]!));
  await seedCases(db, plan, caseIds, rules, progress);
  report(`${v.cases} cases`);
  const alertIds = await seedAlerts(
    db,
    v.alerts,
    alertAt,
    caseOf,
    plan,
    caseIds,
    rules,
    stamp,
    random,
    progress,
  );
  report(`${v.alerts} alerts`);
  const runIds = await seedRunsAndTasks(
    db,
    v,
    start,
    alertAt,
    alertIds,
    caseOf,
    caseIds,
    stamp,
    random,
    progress,
  );
  report(`${v.runs} runs, ${v.tasks} tasks and approvals`);
  const auditSeq = await seedAudit(riposte, v.audit, start, alertIds, caseIds, runIds, random, progress);
  report(`${v.audit} audit rows`);

  const usedRules = [...new Set(Array.from(plan.rule))].sort((a, b) => a - b);
  const ruleOf = (k: number) => rules[k]!;
  return {
    seconds: (performance.now() - started) / 1000,
    rows,
    probes: {
      start,
      end,
      middle: {
        alert: alertIds[Math.floor(v.alerts / 2)]!,
        case: caseIds[Math.floor(v.cases / 2)]!,
        run: runIds[Math.floor(v.runs / 2)]!,
        auditSeq,
      },
      biggestCase: caseIds[plan.alertCount.reduce((best, n, c, all) => (n > all[best]! ? c : best), 0)]!,
      source: { common: SOURCES[0].name, rare: SOURCES[SOURCES.length - 1]!.name },
      rule: { common: ruleOf(usedRules[0]!).id, rare: ruleOf(usedRules.at(-1)!).id },
      assignee: { common: ANALYSTS[0]!, rare: ANALYSTS.at(-1)! },
      tag: { common: TAGS[0]!, rare: TAGS.at(-1)! },
      // A word of many case titles, and a host name: what an analyst pastes into the search box.
      word: {
        common: ruleOf(usedRules[0]!).name.split(' ')[1]!,
        rare: host(plan.host[v.cases >> 1]!),
        everywhere: 'corp',
      },
      playbook: { common: PLAYBOOKS[0]!, rare: PLAYBOOKS.at(-1)! },
      actor: { common: ANALYSTS[0]!, rare: RARE_ACTOR },
    },
  };
}

/** Runs over the 90 days (most triggered by an alert), and the tasks and approvals they opened. */
async function seedRunsAndTasks(
  db: Kysely<unknown>,
  v: Volumes,
  start: number,
  alertAt: Float64Array,
  alertIds: string[],
  caseOf: Int32Array,
  caseIds: string[],
  stamp: (prefix: string, ms: number) => string,
  random: () => number,
  progress: (table: string, n: number) => void,
): Promise<string[]> {
  const pickPlaybook = zipfPicker(PLAYBOOKS.length, 1.0, random);
  const end = start + SPAN_MS;
  const plans: RunPlan[] = [];
  for (let r = 0; r < v.runs; r++) {
    const a = Math.min(v.alerts - 1, Math.floor(((r + random()) / v.runs) * v.alerts));
    const at = alertAt[a]! + 200;
    const x = random();
    plans.push({
      id: stamp('run_', at),
      at,
      playbook: PLAYBOOKS[pickPlaybook()]!,
      alertId: alertIds[a]!,
      caseId: caseIds[caseOf[a]!]!,
      status: x < 0.88 ? 'succeeded' : x < 0.94 ? 'failed' : x < 0.97 ? 'cancelled' : 'succeeded',
    });
  }
  // Tasks: recent ones still open (their run waits), older ones answered, expired or cancelled.
  const tasks: { run: number; status: string; at: number }[] = [];
  for (let k = 0; k < v.tasks; k++) {
    const run = Math.min(v.runs - 1, Math.floor(((k + random()) / v.tasks) * v.runs));
    const at = plans[run]!.at + 1000;
    const x = random();
    const status =
      end - at < 3 * DAY_MS && x < 0.6 ? 'open' : x < 0.85 ? 'completed' : x < 0.93 ? 'expired' : 'cancelled';
    if (status === 'open') plans[run]!.status = 'waiting';
    tasks.push({ run, status, at });
  }
  for (let from = 0; from < plans.length; from += CHUNK) {
    const batch = plans.slice(from, from + CHUNK).map((p, k) => runRow(p, from + k));
    await write(db, 'runs', batch);
    progress('runs', batch.length);
  }
  for (let from = 0; from < tasks.length; from += CHUNK) {
    const batch = tasks
      .slice(from, from + CHUNK)
      .map((t, k) => taskRow(stamp('task_', t.at), plans[t.run]!, t.status, t.at, from + k));
    await write(db, 'tasks', batch);
    progress('tasks', batch.length);
  }
  return plans.map((p) => p.id);
}

/** The audit log, chained with the real key after whatever set-up wrote; returns the middle seq. */
async function seedAudit(
  riposte: Riposte,
  count: number,
  start: number,
  alertIds: string[],
  caseIds: string[],
  runIds: string[],
  random: () => number,
  progress: (table: string, n: number) => void,
): Promise<number> {
  const db = riposte.database.db;
  const head = await db
    .selectFrom('audit_log')
    .select(['seq', 'hash'])
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  let seq = head ? Number(head.seq) : 0;
  let prev = head?.hash ?? '0'.repeat(64);
  const middle = seq + Math.floor(count / 2);
  const pickAnalyst = zipfPicker(ANALYSTS.length, 0.6, random);
  const step = SPAN_MS / count;
  // Each row names something that existed at its time: the case, alert or run of that moment.
  const near = (list: string[], at: number) =>
    list[Math.min(list.length - 1, Math.floor(((at - start) / SPAN_MS) * list.length))]!;
  const targets = {
    case: (at: number) => near(caseIds, at),
    alert: (at: number) => near(alertIds, at),
    run: (at: number) => near(runIds, at),
  };
  for (let from = 0; from < count; from += CHUNK) {
    const batch: AuditLogTable[] = [];
    for (let i = from; i < Math.min(count, from + CHUNK); i++) {
      const at = start + (i + random() * 0.9) * step;
      const entry = auditEntry(i, random(), at, pickAnalyst, targets);
      const row = { ...entry, seq: ++seq, prev_hash: prev };
      prev = riposte.audit.hashOf(row);
      batch.push({ ...row, hash: prev });
    }
    await write(db as unknown as Kysely<unknown>, 'audit_log', batch);
    progress('audit_log', batch.length);
  }
  return middle;
}

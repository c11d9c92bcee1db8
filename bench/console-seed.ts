import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Io } from '../src/cli/cli-context.ts';
import { SEVERITY_ID, type Severity } from '../src/core/alert.ts';
import { searchDocument } from '../src/cases/case-derived-state.ts';
import type { Riposte } from '../src/riposte.ts';
import type { AuditLogTable, CaseTable } from '../src/store/schema.ts';
import {
  ANALYSTS,
  DAY_MS,
  PLAYBOOKS,
  SEVERITY_WEIGHTS,
  SOURCES,
  TAGS,
  domain,
  externalIp,
  host,
  idStamper,
  ipv4,
  makeRules,
  randomSource,
  sha256,
  user,
  weightedPicker,
  zipfPicker,
  type Rule,
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
/** Rows per transaction: large enough that commits cost little, small enough to keep memory flat. */
const CHUNK = 5_000;
const SPAN_MS = 90 * DAY_MS;

type Row = Record<string, unknown>;

/**
 * Writes rows straight through the store (Kysely, multi-row INSERTs in one transaction), as many per
 * statement as the dialects' bound-parameter limits allow.
 */
async function write<T extends object>(
  db: Kysely<unknown>,
  table: string,
  rows: readonly T[],
): Promise<void> {
  if (rows.length === 0) return;
  const perStatement = Math.max(1, Math.min(1000, Math.floor(30_000 / Object.keys(rows[0]!).length)));
  const typed = db as unknown as Kysely<Record<string, Row>>;
  await typed.transaction().execute(async (trx) => {
    for (let i = 0; i < rows.length; i += perStatement)
      await trx
        .insertInto(table)
        .values(rows.slice(i, i + perStatement) as Row[])
        .execute();
  });
}

/** Case data decided up front (alerts follow their case's rule, host and severity). */
interface CasePlan {
  rule: Int16Array;
  severity: Uint8Array;
  host: Int32Array;
  assignee: Int8Array;
  closed: Uint8Array;
  alertCount: Int32Array;
  firstAt: Float64Array;
  lastAt: Float64Array;
  tags: string[][];
}

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

function planCases(
  cases: number,
  caseOf: Int32Array,
  alertAt: Float64Array,
  end: number,
  random: () => number,
  pickRule: () => number,
  pickSeverity: () => number,
  pickAnalyst: () => number,
  pickTag: () => number,
): CasePlan {
  const plan: CasePlan = {
    rule: new Int16Array(cases),
    severity: new Uint8Array(cases),
    host: new Int32Array(cases),
    assignee: new Int8Array(cases),
    closed: new Uint8Array(cases),
    alertCount: new Int32Array(cases),
    firstAt: new Float64Array(cases).fill(Number.POSITIVE_INFINITY),
    lastAt: new Float64Array(cases),
    tags: [],
  };
  for (let i = 0; i < caseOf.length; i++) {
    const c = caseOf[i]!;
    plan.alertCount[c]!++;
    plan.firstAt[c] = Math.min(plan.firstAt[c]!, alertAt[i]!);
    plan.lastAt[c] = Math.max(plan.lastAt[c]!, alertAt[i]!);
  }
  for (let c = 0; c < cases; c++) {
    plan.rule[c] = pickRule();
    plan.severity[c] = pickSeverity();
    plan.host[c] = Math.floor(random() ** 2 * 8000);
    // Old cases are mostly closed, recent ones mostly open: about 70 % closed overall.
    const age = end - plan.lastAt[c]!;
    const pClosed = age < 2 * DAY_MS ? 0.15 : age < 14 * DAY_MS ? 0.55 : 0.76;
    plan.closed[c] = random() < pClosed ? 1 : 0;
    plan.assignee[c] = plan.closed[c] === 1 || random() < 0.5 ? pickAnalyst() : -1;
    const tagCount = Math.floor(random() * 4);
    plan.tags.push([...new Set(Array.from({ length: tagCount }, () => TAGS[pickTag()]!))]);
  }
  return plan;
}

async function seedCases(
  db: Kysely<unknown>,
  plan: CasePlan,
  ids: string[],
  rules: Rule[],
  progress: (table: string, n: number) => void,
): Promise<void> {
  for (let from = 0; from < ids.length; from += CHUNK) {
    const cases: CaseTable[] = [];
    const tags: Row[] = [];
    const observables: Row[] = [];
    const search: Row[] = [];
    for (let c = from; c < Math.min(ids.length, from + CHUNK); c++) {
      const id = ids[c]!;
      const rule = rules[plan.rule[c]!]!;
      const source = SOURCES[rule.source]!;
      const severity = SEVERITY_WEIGHTS[plan.severity[c]!]![0] as Severity;
      const hostName = host(plan.host[c]!);
      const firstAt = new Date(plan.firstAt[c]!).toISOString();
      const lastAt = new Date(plan.lastAt[c]!).toISOString();
      const closed = plan.closed[c] === 1;
      const closedAt = closed ? new Date(plan.lastAt[c]! + 3_600_000 * (1 + (c % 30))).toISOString() : null;
      const values = [hostName, ipv4(plan.host[c]! * 3 + 7), domain(c % 3001), user(c % 2003)];
      if (c % 3 === 0) values.push(sha256(c % 9973));
      const severityPoints = SEVERITY_ID[severity] * 12;
      const volumePoints = Math.min(20, Math.round(Math.log2(plan.alertCount[c]! + 1) * 4));
      cases.push({
        id,
        title: `${rule.name} on ${hostName}`,
        description: `${source.format} alerts of rule ${rule.id} about ${hostName}`,
        status: closed ? 'closed' : 'open',
        severity,
        severity_id: SEVERITY_ID[severity],
        priority: Math.min(100, severityPoints + volumePoints + (c % 11)),
        priority_factors: JSON.stringify([
          { factor: 'severity', points: severityPoints, detail: severity },
          { factor: 'volume', points: volumePoints, detail: `${plan.alertCount[c]} alerts` },
        ]),
        assignee: plan.assignee[c]! < 0 ? null : ANALYSTS[plan.assignee[c]!]!,
        tags: JSON.stringify(plan.tags[c]),
        resolution: closed
          ? (['false_positive', 'true_positive', 'benign_positive', 'duplicate'][c % 4] ?? null)
          : null,
        resolution_note: closed ? 'closed by the bench seed' : null,
        alert_count: plan.alertCount[c]!,
        rule_key: `${source.name}:${rule.id}`,
        host: hostName,
        asset_type: null,
        asset_value: null,
        asset_criticality: null,
        search_values: values.length,
        intel_matches: 0,
        intel_sources: '[]',
        intel_confidence: null,
        intel_observables: '[]',
        created_at: firstAt,
        updated_at: closedAt ?? lastAt,
        closed_at: closedAt,
        last_alert_at: lastAt,
      });
      for (const tag of plan.tags[c]!) tags.push({ case_id: id, tag });
      const types = ['host', 'ipv4', 'domain', 'user', 'sha256'];
      values.forEach((value, k) =>
        observables.push({
          case_id: id,
          type: types[k]!,
          value,
          role: k === 1 ? 'source' : null,
          first_seen: firstAt,
          last_seen: lastAt,
        }),
      );
      search.push({
        case_id: id,
        part: '0',
        body: searchDocument(`${rule.name} on ${hostName}`, null, plan.tags[c]!, values),
      });
    }
    await write(db, 'cases', cases);
    await write(db, 'case_tags', tags);
    await write(db, 'case_observables', observables);
    await write(db, 'case_search', search);
    progress('cases', cases.length);
    progress('case_tags', tags.length);
    progress('case_observables', observables.length);
    progress('case_search', search.length);
  }
}

async function seedAlerts(
  db: Kysely<unknown>,
  count: number,
  alertAt: Float64Array,
  caseOf: Int32Array,
  plan: CasePlan,
  caseIds: string[],
  rules: Rule[],
  stamp: (prefix: string, ms: number) => string,
  random: () => number,
  progress: (table: string, n: number) => void,
): Promise<string[]> {
  const ids: string[] = [];
  for (let from = 0; from < count; from += CHUNK) {
    const batch: Row[] = [];
    for (let i = from; i < Math.min(count, from + CHUNK); i++) {
      const c = caseOf[i]!;
      const at = new Date(alertAt[i]!).toISOString();
      const id = stamp('alert_', alertAt[i]!);
      ids.push(id);
      const rule = rules[plan.rule[c]!]!;
      const source = SOURCES[rule.source]!;
      // Most alerts carry their case's severity; some of a case's alerts are milder.
      const sevIndex = random() < 0.8 ? plan.severity[c]! : Math.max(0, plan.severity[c]! - 1);
      const severity = SEVERITY_WEIGHTS[sevIndex]![0] as Severity;
      const hostName = host(plan.host[c]!);
      const src = ipv4(plan.host[c]! * 3 + 7);
      const dst = externalIp(Math.floor(random() * 60_000));
      const observables = [
        { type: 'host', value: hostName },
        { type: 'ipv4', value: src, role: 'source' },
        { type: 'ipv4', value: dst, role: 'destination' },
        ...(i % 4 === 0 ? [{ type: 'domain', value: domain(c % 3001), role: 'destination' }] : []),
        ...(i % 5 === 0 ? [{ type: 'user', value: user(c % 2003), role: 'actor' }] : []),
      ];
      const raw = {
        timestamp: at,
        sensor: source.name,
        event_type: 'alert',
        flow_id: 1_000_000_000_000 + i,
        src_ip: src,
        src_port: 40_000 + (i % 20_000),
        dest_ip: dst,
        dest_port: [443, 80, 53, 445, 22][i % 5],
        proto: 'TCP',
        host: hostName,
        alert: {
          action: 'allowed',
          signature_id: Number(rule.id),
          signature: rule.name,
          category: rule.category,
          severity: 5 - SEVERITY_ID[severity],
        },
        http: { hostname: domain(c % 3001), url: `/download/${i % 997}.bin`, http_user_agent: 'Mozilla/5.0' },
      };
      batch.push({
        id,
        source: source.name,
        format: source.format,
        source_ref: `${source.name}-${i}`,
        fingerprint: createHash('sha256').update(`${source.name}\u0001${i}`).digest('hex'),
        title: rule.name,
        description: null,
        severity,
        severity_id: SEVERITY_ID[severity],
        category: rule.category,
        rule_id: rule.id,
        rule_name: rule.name,
        event_time: at,
        first_seen: at,
        last_seen: at,
        count: 1,
        case_id: caseIds[c]!,
        status: plan.closed[c] === 1 ? 'closed' : i % 7 === 0 ? 'triaged' : 'new',
        observables: JSON.stringify(observables),
        mitre: JSON.stringify([{ technique: rule.technique }]),
        raw: JSON.stringify(raw),
        created_at: at,
      });
    }
    await write(db, 'alerts', batch);
    progress('alerts', batch.length);
  }
  return ids;
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

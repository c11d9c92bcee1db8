import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { SEVERITY_ID, type Severity } from '../src/core/alert.ts';
import { searchDocument } from '../src/cases/case-derived-state.ts';
import type { CaseTable } from '../src/store/schema.ts';
import { CHUNK, write } from './console-bulk-write.ts';
import {
  ANALYSTS,
  DAY_MS,
  SEVERITY_WEIGHTS,
  SOURCES,
  TAGS,
  domain,
  externalIp,
  host,
  ipv4,
  sha256,
  user,
  type Rule,
} from './console-data.ts';

type Row = Record<string, unknown>;

/** Case data decided up front (alerts follow their case's rule, host and severity). */
export interface CasePlan {
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

export function planCases(
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

export async function seedCases(
  db: Kysely<unknown>,
  plan: CasePlan,
  ids: string[],
  rules: Rule[],
  progress: (table: string, n: number) => void,
): Promise<void> {
  const now = Date.now();
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
      // Nothing happened after now: a recent case closed or acknowledged "later" did so a moment ago.
      const notAfterNow = (ms: number) => new Date(Math.min(ms, now)).toISOString();
      const closedAt = closed ? notAfterNow(plan.lastAt[c]! + 3_600_000 * (1 + (c % 30))) : null;
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
        // First assigned (or closed) minutes to hours after it opened: what the SLA and MTTA read.
        acknowledged_at:
          closed || plan.assignee[c]! >= 0 ? notAfterNow(plan.firstAt[c]! + 60_000 * (5 + (c % 240))) : null,
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

export async function seedAlerts(
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

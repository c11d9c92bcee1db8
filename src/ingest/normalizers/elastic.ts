import type { MitreRef, Observable, Severity } from '../../core/alert.ts';
import {
  dedupeObservables,
  hashObservable,
  ipObservable,
  observable,
  urlObservables,
} from '../../core/observable.ts';
import { RiposteError } from '../../core/riposte-error.ts';
import type { Normalizer } from '../normalizer.ts';
import { splitJson, type Unwrap } from '../split-body.ts';
import {
  asRecord,
  firstTime,
  isObject,
  list,
  num,
  severityFromWord,
  str,
  strings,
  type Json,
} from './record-reader.ts';

/** Elastic's risk-score bands (Security app): low 0–21, medium 22–47, high 48–73, critical 74–100. */
function fromRisk(score: number | undefined): Severity | undefined {
  if (score === undefined) return undefined;
  if (score >= 74) return 'critical';
  if (score >= 48) return 'high';
  if (score >= 22) return 'medium';
  return 'low';
}

const CATEGORIES: [string, string][] = [
  ['malware', 'malware'],
  ['intrusion_detection', 'network-intrusion'],
  ['authentication', 'account-compromise'],
  ['iam', 'account-compromise'],
  ['vulnerability', 'vulnerability'],
  ['network', 'network-intrusion'],
  ['process', 'suspicious-activity'],
  ['file', 'suspicious-activity'],
];

/** Elasticsearch answers ({hits:{hits:[{_source}]}}) and the detection engine's signal wrapper. */
export const unwrapElastic: Unwrap = (v) => {
  const hits = (v.hits as Json | undefined)?.hits;
  return Array.isArray(hits)
    ? hits.map((h) => (isObject(h) && h._source !== undefined ? h._source : h))
    : undefined;
};

/** Loopback and link-local addresses say nothing about an incident; hosts list them all. */
function routable(ip: Observable | null): Observable | null {
  if (!ip) return null;
  return /^(127\.|::1$|fe80:|169\.254\.)/.test(ip.value) ? null : ip;
}

function mitre(doc: Json): MitreRef[] {
  const threats = [
    ...list(doc, 'kibana.alert.rule.threat'),
    ...list(doc, 'threat'),
    ...list(doc, 'signal.rule.threat'),
  ];
  const refs: MitreRef[] = [];
  for (const threat of threats) {
    const tactic = str(threat, 'tactic.name');
    const techniques = list(threat, 'technique');
    for (const technique of techniques) {
      const id = str(technique, 'id');
      const subs = list(technique, 'subtechnique')
        .map((s) => str(s, 'id'))
        .filter((s): s is string => s !== undefined);
      for (const t of subs.length > 0 ? subs : id ? [id] : [])
        refs.push(tactic ? { tactic, technique: t } : { technique: t });
    }
    if (techniques.length === 0 && tactic) refs.push({ tactic });
  }
  return refs;
}

function observables(doc: Json): Observable[] {
  return dedupeObservables([
    observable('host', str(doc, 'host.name', 'host.hostname'), 'target'),
    ...strings(doc, 'host.ip').map((ip) => routable(ipObservable(ip, 'target'))),
    observable('user', str(doc, 'user.name'), 'actor'),
    observable('user', str(doc, 'user.target.name'), 'target'),
    routable(ipObservable(str(doc, 'source.ip'), 'source')),
    routable(ipObservable(str(doc, 'destination.ip'), 'destination')),
    observable('domain', str(doc, 'destination.domain'), 'destination'),
    observable('domain', str(doc, 'dns.question.name'), 'query'),
    ...urlObservables(str(doc, 'url.full', 'url.original'), 'destination'),
    observable('filename', str(doc, 'file.name'), 'file'),
    hashObservable(str(doc, 'file.hash.sha256'), 'file'),
    hashObservable(str(doc, 'file.hash.sha1'), 'file'),
    hashObservable(str(doc, 'file.hash.md5'), 'file'),
    observable('process', str(doc, 'process.executable', 'process.name'), 'related'),
    hashObservable(str(doc, 'process.hash.sha256'), 'related'),
    observable('process', str(doc, 'process.parent.executable', 'process.parent.name'), 'parent'),
    observable('email', str(doc, 'email.from.address'), 'sender'),
    observable('registry', str(doc, 'registry.path'), 'related'),
    ...strings(doc, 'vulnerability.id').map((id) => observable('cve', id, 'related')),
  ]);
}

/** Elastic Security alerts in ECS: detection-engine alerts (kibana.alert.*) and Elastic Defend alerts. */
export const elastic: Normalizer = {
  format: 'elastic',
  split: (body) => splitJson(body, unwrapElastic),
  normalize(record, ctx) {
    const doc = asRecord(record, 'Elastic ECS');
    const title = str(
      doc,
      'kibana.alert.rule.name',
      'signal.rule.name',
      'rule.name',
      'message',
      'event.code',
    );
    if (!title) {
      throw new RiposteError(
        'invalid_record',
        'Elastic alert has no kibana.alert.rule.name, rule.name, message or event.code to name it',
        { path: '/kibana.alert.rule.name' },
      );
    }
    const kinds = strings(doc, 'event.category');
    const category = CATEGORIES.find(([k]) => kinds.includes(k))?.[1] ?? 'suspicious-activity';
    const ruleId = str(
      doc,
      'kibana.alert.rule.rule_id',
      'signal.rule.rule_id',
      'rule.id',
      'rule.uuid',
      'event.code',
    );
    const ref = str(doc, 'kibana.alert.uuid', 'event.id', '_id');
    return {
      ...(ref ? { sourceRef: ref } : {}),
      title,
      ...(str(doc, 'kibana.alert.reason', 'rule.description', 'message')
        ? { description: str(doc, 'kibana.alert.reason', 'rule.description', 'message') }
        : {}),
      severity:
        severityFromWord(str(doc, 'kibana.alert.severity', 'signal.rule.severity')) ??
        fromRisk(num(doc, 'kibana.alert.risk_score', 'event.risk_score', 'event.severity')) ??
        'unknown',
      category,
      rule: { ...(ruleId ? { id: ruleId } : {}), name: title },
      eventTime:
        firstTime(doc, '@timestamp', 'kibana.alert.original_time', 'event.created') ?? ctx.receivedAt,
      observables: observables(doc),
      mitre: mitre(doc),
      raw: record,
    };
  },
};

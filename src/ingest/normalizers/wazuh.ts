import type { MitreRef, Severity } from '../../core/alert.ts';
import {
  dedupeObservables,
  hashObservable,
  ipObservable,
  observable,
  urlObservables,
} from '../../core/observable.ts';
import type { Normalizer } from '../normalizer.ts';
import { splitJson } from '../split-body.ts';
import { asRecord, firstTime, needString, num, str, strings } from './record-reader.ts';

/** Wazuh rule levels 0–15, banded as the Wazuh dashboard bands them. */
function severity(level: number | undefined): Severity {
  if (level === undefined) return 'unknown';
  if (level <= 3) return 'informational';
  if (level <= 6) return 'low';
  if (level <= 11) return 'medium';
  if (level <= 14) return 'high';
  return 'critical';
}

const GROUP_CATEGORIES: [RegExp, string][] = [
  [/^(virustotal|malware|rootcheck|yara)$/, 'malware'],
  [/^(authentication_failures|authentication_failed|brute_force|invalid_login)$/, 'brute-force'],
  [/^(vulnerability-detector|vulnerability)$/, 'vulnerability'],
  [/^(web|attack|ids|suricata|exploit_attempt|sql_injection)$/, 'network-intrusion'],
  [/^(syscheck|ossec_integrity|fim)$/, 'file-integrity'],
  [/^(policy_violation|sca|ciscat)$/, 'policy-violation'],
  [/^(authentication_success|adduser|account_changed)$/, 'account-activity'],
];

function mitre(rule: unknown): MitreRef[] {
  const ids = strings(rule, 'mitre.id');
  const tactics = strings(rule, 'mitre.tactic');
  return ids.map((technique, i) => {
    const tactic = tactics[i] ?? tactics[0];
    return tactic ? { technique, tactic } : { technique };
  });
}

/** Wazuh alerts.json (one alert per line), as the manager writes it or forwards it. */
export const wazuh: Normalizer = {
  format: 'wazuh',
  split: (body) =>
    splitJson(body, (v) =>
      Array.isArray((v as { hits?: { hits?: unknown } }).hits?.hits)
        ? (v as { hits: { hits: { _source?: unknown }[] } }).hits.hits.map((h) => h._source ?? h)
        : undefined,
    ),
  normalize(record, ctx) {
    const a = asRecord(record, 'Wazuh alert');
    const description = needString(a, 'rule.description', 'Wazuh alert');
    const groups = strings(a, 'rule.groups');
    const category =
      GROUP_CATEGORIES.find(([pattern]) => groups.some((g) => pattern.test(g)))?.[1] ?? 'suspicious-activity';
    const agentName = str(a, 'agent.name');
    const ruleId = str(a, 'rule.id');
    const id = str(a, 'id');
    return {
      ...(id ? { sourceRef: id } : {}),
      title: description,
      ...(str(a, 'full_log') ? { description: str(a, 'full_log') } : {}),
      severity: severity(num(a, 'rule.level')),
      category,
      rule: { ...(ruleId ? { id: ruleId } : {}), name: description },
      eventTime: firstTime(a, 'timestamp', '@timestamp') ?? ctx.receivedAt,
      observables: dedupeObservables([
        observable('host', agentName, 'target'),
        ipObservable(str(a, 'agent.ip'), 'target'),
        ipObservable(str(a, 'data.srcip', 'data.src_ip'), 'source'),
        ipObservable(str(a, 'data.dstip', 'data.dest_ip'), 'destination'),
        observable('user', str(a, 'data.srcuser'), 'actor'),
        observable('user', str(a, 'data.dstuser', 'data.win.eventdata.targetUserName'), 'target'),
        observable('user', str(a, 'data.win.eventdata.subjectUserName'), 'actor'),
        observable('host', str(a, 'data.win.system.computer'), 'target'),
        observable('process', str(a, 'data.win.eventdata.image'), 'related'),
        observable('filename', str(a, 'syscheck.path'), 'file'),
        hashObservable(str(a, 'syscheck.sha256_after'), 'file'),
        hashObservable(str(a, 'syscheck.md5_after'), 'file'),
        hashObservable(str(a, 'syscheck.sha1_after'), 'file'),
        hashObservable(str(a, 'data.virustotal.source.sha1'), 'file'),
        observable('filename', str(a, 'data.virustotal.source.file'), 'file'),
        observable('cve', str(a, 'data.vulnerability.cve'), 'related'),
        ...urlObservables(str(a, 'data.url'), 'destination'),
      ]),
      mitre: mitre(a.rule),
      raw: record,
    };
  },
};

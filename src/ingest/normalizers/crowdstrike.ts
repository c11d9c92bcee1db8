import type { MitreRef, Severity } from '../../core/alert.ts';
import { dedupeObservables, hashObservable, ipObservable, observable } from '../../core/observable.ts';
import { RiposteError } from '../../core/riposte-error.ts';
import type { Normalizer } from '../normalizer.ts';
import { splitJson } from '../split-body.ts';
import { asRecord, firstTime, isObject, num, severityFromWord, str, type Json } from './record-reader.ts';
import { unwrapAws } from './guardduty.ts';

const DETECTION_EVENTS =
  /^(Event_)?(Epp|Idp|Mobile)?DetectionSummaryEvent$|^(IncidentSummaryEvent|XdrDetectionSummaryEvent)$/;
const ATTACK_TACTICS = new Set([
  'Reconnaissance',
  'Resource Development',
  'Initial Access',
  'Execution',
  'Persistence',
  'Privilege Escalation',
  'Defense Evasion',
  'Credential Access',
  'Discovery',
  'Lateral Movement',
  'Collection',
  'Command and Control',
  'Exfiltration',
  'Impact',
]);

/** Falcon uses 1–5 on detection events and 0–100 on the Alerts API. */
function severity(name: string | undefined, value: number | undefined): Severity {
  const fromName = severityFromWord(name);
  if (fromName) return fromName;
  if (value === undefined) return 'unknown';
  if (value <= 5)
    return (
      (['informational', 'informational', 'low', 'medium', 'high', 'critical'] as const)[
        Math.max(0, Math.round(value))
      ] ?? 'unknown'
    );
  if (value >= 80) return 'critical';
  if (value >= 60) return 'high';
  if (value >= 40) return 'medium';
  if (value >= 20) return 'low';
  return 'informational';
}

function category(tactic: string | undefined, technique: string | undefined, title: string): string {
  const text = `${tactic ?? ''} ${technique ?? ''} ${title}`.toLowerCase();
  if (/malware|ransomware|pup|adware|trojan|machine learning/.test(text)) return 'malware';
  if (/credential/.test(text)) return 'account-compromise';
  if (/exfiltration/.test(text)) return 'data-exfiltration';
  if (/command and control/.test(text)) return 'command-and-control';
  return 'suspicious-activity';
}

/** Falcon event streams put the payload in `event` beside `metadata`; the Alerts API wraps lists in `resources`. */
function payload(r: Json): { e: Json; type: string | undefined } {
  if (isObject(r.event) && isObject(r.metadata)) return { e: r.event, type: str(r.metadata, 'eventType') };
  return { e: r, type: str(r, 'event_simpleName', 'ExternalApiType', 'EventType', 'metadata.eventType') };
}

/** CrowdStrike Falcon detections: event-stream DetectionSummaryEvent (and Epp/Idp variants) and Alerts API alerts. */
export const crowdstrike: Normalizer = {
  format: 'crowdstrike',
  split: (body) => splitJson(body, (v) => (Array.isArray(v.resources) ? v.resources : unwrapAws(v))),
  normalize(record, ctx) {
    const { e, type } = payload(asRecord(record, 'CrowdStrike'));
    const isAlertsApi =
      e.composite_id !== undefined || (e.display_name !== undefined && e.device !== undefined);
    if (!isAlertsApi && !(type && DETECTION_EVENTS.test(type))) {
      throw new RiposteError(
        'invalid_record',
        `CrowdStrike event type "${type ?? '(none)'}" is telemetry: only detection summaries (DetectionSummaryEvent, EppDetectionSummaryEvent …) and Alerts API alerts become alerts`,
        { path: '/metadata/eventType' },
      );
    }
    const title = str(e, 'DetectName', 'display_name', 'name', 'Name', 'Description', 'description');
    if (!title)
      throw new RiposteError(
        'invalid_record',
        'CrowdStrike detection has no DetectName, Name or display_name',
        { path: '/event/DetectName' },
      );
    const tactic = str(e, 'Tactic', 'tactic');
    const technique = str(e, 'Technique', 'technique');
    const techniqueId = str(e, 'TechniqueId', 'technique_id');
    const mitre: MitreRef[] = [];
    if (techniqueId && /^T\d{4}/.test(techniqueId))
      mitre.push(tactic ? { technique: techniqueId, tactic } : { technique: techniqueId });
    else if (tactic && ATTACK_TACTICS.has(tactic)) mitre.push({ tactic });
    const ref = str(e, 'CompositeId', 'composite_id', 'DetectId', 'EventUUID', 'id');
    const ruleId = str(e, 'PatternId', 'pattern_id', 'Objective') ?? title;
    const user = str(e, 'UserName', 'user_name');
    const domain = str(e, 'MachineDomain');
    return {
      ...(ref ? { sourceRef: ref } : {}),
      title,
      ...(str(e, 'DetectDescription', 'Description', 'description')
        ? { description: str(e, 'DetectDescription', 'Description', 'description') }
        : {}),
      severity: severity(str(e, 'SeverityName', 'severity_name'), num(e, 'Severity', 'severity')),
      category: category(tactic, technique, title),
      rule: { id: ruleId, name: technique ? `${tactic ?? 'Falcon'} via ${technique}` : title },
      eventTime:
        firstTime(
          e,
          'ProcessStartTime',
          'UTCTimestamp',
          'timestamp',
          'created_timestamp',
          'OriginalTimestamp',
        ) ??
        firstTime(record, 'metadata.eventCreationTime') ??
        ctx.receivedAt,
      observables: dedupeObservables([
        observable('host', str(e, 'ComputerName', 'Hostname', 'device.hostname'), 'target'),
        ipObservable(str(e, 'LocalIP', 'device.local_ip'), 'target'),
        ipObservable(str(e, 'ExternalIP', 'device.external_ip', 'aip'), 'target'),
        ipObservable(str(e, 'OriginSourceIpAddress'), 'source'),
        observable('mac', str(e, 'MACAddress', 'device.mac_address'), 'target'),
        observable('user', user && domain ? `${domain}\\${user}` : user, 'actor'),
        observable('filename', str(e, 'FileName', 'filename'), 'file'),
        hashObservable(str(e, 'SHA256String', 'sha256'), 'file'),
        hashObservable(str(e, 'SHA1String', 'sha1'), 'file'),
        hashObservable(str(e, 'MD5String', 'md5'), 'file'),
        observable('process', str(e, 'CommandLine', 'cmdline'), 'related'),
        observable('process', str(e, 'ParentCommandLine', 'parent_details.cmdline'), 'parent'),
      ]),
      mitre,
      raw: record,
    };
  },
};

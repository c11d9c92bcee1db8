import type { MitreRef, Observable, Severity } from '../../core/alert.ts';
import { dedupeObservables, hashObservable, ipObservable, observable } from '../../core/observable.ts';
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
  techniqueIds,
  type Json,
} from './record-reader.ts';

/** GuardDuty's documented bands: 1.0–3.9 low, 4.0–6.9 medium, 7.0–8.9 high, 9.0–10.0 critical. */
function bandSeverity(score: number | undefined): Severity {
  if (score === undefined) return 'unknown';
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  if (score >= 1) return 'low';
  return 'informational';
}

/** The threat purpose, first part of a finding type (`Backdoor:EC2/C&CActivity.B!DNS`). */
function category(type: string): string {
  const purpose = type.split(':')[0]?.toLowerCase() ?? '';
  if (['backdoor', 'trojan', 'cryptocurrency', 'execution'].includes(purpose)) return 'malware';
  if (['recon', 'discovery'].includes(purpose)) return 'reconnaissance';
  if (
    [
      'unauthorizedaccess',
      'credentialaccess',
      'initialaccess',
      'attacksequence',
      'privilegeescalation',
      'persistence',
    ].includes(purpose)
  )
    return 'account-compromise';
  if (purpose === 'exfiltration') return 'data-exfiltration';
  if (purpose === 'policy') return 'policy-violation';
  if (purpose === 'impact') return 'impact';
  return 'cloud-threat';
}

/** EventBridge events carry the finding in `detail`; Security Hub imports in `detail.findings`; exports in `Findings`. */
export const unwrapAws: Unwrap = (v) => {
  if (Array.isArray(v.Findings)) return v.Findings as unknown[];
  if (isObject(v.detail)) return Array.isArray(v.detail.findings) ? v.detail.findings : [v.detail];
  return undefined;
};

function nativeObservables(f: Json): (Observable | null)[] {
  const action = (f.service as Json | undefined)?.action;
  const direction = str(action, 'networkConnectionAction.connectionDirection');
  const remoteRole = direction === 'OUTBOUND' ? 'destination' : 'source';
  const instance = str(f, 'resource.instanceDetails.instanceId');
  // The actor's addresses first: when an address is both, its role is the one the action gives it.
  return [
    ipObservable(str(action, 'networkConnectionAction.remoteIpDetails.ipAddressV4'), remoteRole),
    ipObservable(str(action, 'awsApiCallAction.remoteIpDetails.ipAddressV4'), 'source'),
    observable('domain', str(action, 'awsApiCallAction.domainDetails.domain'), 'related'),
    observable('domain', str(action, 'dnsRequestAction.domain'), 'query'),
    ...list(action, 'portProbeAction.portProbeDetails').map((d) =>
      ipObservable(str(d, 'remoteIpDetails.ipAddressV4'), 'source'),
    ),
    observable('host', instance, 'target'),
    ...list(f, 'resource.instanceDetails.networkInterfaces').flatMap((n) => [
      ipObservable(str(n, 'privateIpAddress'), 'target'),
      ipObservable(str(n, 'publicIp'), 'target'),
    ]),
    observable('user', str(f, 'resource.accessKeyDetails.userName'), 'target'),
    ...list(f, 'service.runtimeDetails.process.executableSha256').map((h) => hashObservable(h, 'file')),
    observable('process', str(f, 'service.runtimeDetails.process.executablePath'), 'related'),
  ];
}

function asffObservables(f: Json): (Observable | null)[] {
  return [
    ipObservable(str(f, 'Network.SourceIpV4', 'Network.SourceIpV6'), 'source'),
    ipObservable(str(f, 'Network.DestinationIpV4', 'Network.DestinationIpV6'), 'destination'),
    observable('domain', str(f, 'Network.DestinationDomain'), 'destination'),
    ...list(f, 'Resources').flatMap((r) => [
      str(r, 'Type') === 'AwsEc2Instance'
        ? observable('host', str(r, 'Id')?.split('/').at(-1), 'target')
        : null,
      ...strings(r, 'Details.AwsEc2Instance.IpV4Addresses').map((ip) => ipObservable(ip, 'target')),
      observable('user', str(r, 'Details.AwsIamAccessKey.UserName', 'Details.AwsIamUser.UserName'), 'target'),
    ]),
    ...list(f, 'Malware').map((m) => observable('filename', str(m, 'Path', 'Name'), 'file')),
    ...list(f, 'Vulnerabilities').map((v) => observable('cve', str(v, 'Id'), 'related')),
    ...list(f, 'ThreatIntelIndicators').map((t) => {
      const value = str(t, 'Value');
      switch (str(t, 'Type')) {
        case 'IPV4_ADDRESS':
        case 'IPV6_ADDRESS':
          return ipObservable(value, 'related');
        case 'DOMAIN':
          return observable('domain', value, 'related');
        case 'HASH_SHA256':
        case 'HASH_SHA1':
        case 'HASH_MD5':
          return hashObservable(value, 'file');
        default:
          return null;
      }
    }),
  ];
}

/** AWS GuardDuty: native findings (GetFindings, EventBridge) and Security Hub ASFF findings. */
export const guardduty: Normalizer = {
  format: 'guardduty',
  split: (body) => splitJson(body, unwrapAws),
  normalize(record, ctx) {
    const f = asRecord(record, 'GuardDuty');
    const asff = f.SchemaVersion !== undefined || f.ProductArn !== undefined;
    if (asff) {
      const title = str(f, 'Title');
      if (!title) throw new RiposteError('invalid_record', 'ASFF finding has no Title', { path: '/Title' });
      const types = strings(f, 'Types');
      const generator = str(f, 'GeneratorId', 'ProductFields.aws/guardduty/service/type');
      const label = severityFromWord(str(f, 'Severity.Label'));
      return {
        ...(str(f, 'Id') ? { sourceRef: str(f, 'Id') } : {}),
        title,
        ...(str(f, 'Description') ? { description: str(f, 'Description') } : {}),
        severity:
          label ??
          bandSeverity(
            num(f, 'Severity.Normalized') === undefined
              ? num(f, 'Severity.Product')
              : num(f, 'Severity.Normalized')! / 10,
          ),
        category: category(
          str(f, 'ProductFields.aws/guardduty/service/type', 'GeneratorId') ?? types[0] ?? '',
        ),
        rule: { ...(generator ? { id: generator } : {}), name: title },
        eventTime: firstTime(f, 'FirstObservedAt', 'CreatedAt', 'UpdatedAt') ?? ctx.receivedAt,
        observables: dedupeObservables(asffObservables(f)),
        mitre: techniqueIds(str(f, 'Description')).map((technique) => ({ technique })),
        raw: record,
      };
    }
    const type = str(f, 'type', 'Type');
    if (!type)
      throw new RiposteError(
        'invalid_record',
        'GuardDuty finding has no type (e.g. "Recon:EC2/PortProbeUnprotectedPort")',
        { path: '/type' },
      );
    const description = str(f, 'description');
    const tactics = [...(description ?? '').matchAll(/tactics observed: ([^\n]+)/g)].flatMap((m) =>
      m[1]!.split(',').map((t) => t.trim()),
    );
    const mitre: MitreRef[] = [...new Set(techniqueIds(description))].map((technique) => ({ technique }));
    if (mitre.length === 0) mitre.push(...tactics.map((tactic) => ({ tactic })));
    return {
      ...(str(f, 'id') ? { sourceRef: str(f, 'id') } : {}),
      title: str(f, 'title') ?? type,
      ...(description ? { description } : {}),
      severity: bandSeverity(num(f, 'severity')),
      category: category(type),
      rule: { id: type, name: type },
      eventTime: firstTime(f, 'service.eventFirstSeen', 'createdAt', 'updatedAt') ?? ctx.receivedAt,
      observables: dedupeObservables(nativeObservables(f)),
      mitre,
      raw: record,
    };
  },
};

import type { MitreRef } from '../../core/alert.ts';
import {
  dedupeObservables,
  hashObservable,
  ipObservable,
  observable,
  urlObservables,
} from '../../core/observable.ts';
import type { Normalizer } from '../normalizer.ts';
import { splitJson } from '../split-body.ts';
import { asRecord, firstTime, list, needString, severityFromWord, str, strings } from './record-reader.ts';
import { spacedTactic } from './microsoft-entities.ts';
import { unwrapAzure } from './sentinel.ts';

const TACTICS = new Set([
  'InitialAccess',
  'Execution',
  'Persistence',
  'PrivilegeEscalation',
  'DefenseEvasion',
  'CredentialAccess',
  'Discovery',
  'LateralMovement',
  'Collection',
  'CommandAndControl',
  'Exfiltration',
  'Impact',
]);

function category(value: string | undefined): string {
  switch (value) {
    case 'Malware':
    case 'Ransomware':
    case 'UnwantedSoftware':
      return 'malware';
    case 'CredentialAccess':
      return 'account-compromise';
    case 'Exfiltration':
      return 'data-exfiltration';
    case 'InitialAccess':
      return 'intrusion';
    case 'Discovery':
      return 'reconnaissance';
    default:
      return 'suspicious-activity';
  }
}

/** Microsoft Defender for Endpoint alerts (GET /api/alerts, with `$expand=evidence`), alone or in `{value:[…]}`. */
export const defender: Normalizer = {
  format: 'defender',
  split: (body) => splitJson(body, unwrapAzure),
  normalize(record, ctx) {
    const a = asRecord(record, 'Defender for Endpoint alert');
    const title = needString(a, 'title', 'Defender for Endpoint alert');
    const cat = str(a, 'category');
    const techniques = strings(a, 'mitreTechniques');
    const tactic = cat && TACTICS.has(cat) ? spacedTactic(cat) : undefined;
    const mitre: MitreRef[] =
      techniques.length > 0
        ? techniques.map((technique) => (tactic ? { technique, tactic } : { technique }))
        : tactic
          ? [{ tactic }]
          : [];
    const user = str(a, 'relatedUser.userName');
    const domain = str(a, 'relatedUser.domainName');
    const id = str(a, 'id');
    const ruleName = str(a, 'detectorId') ?? title;
    return {
      ...(id ? { sourceRef: id } : {}),
      title,
      ...(str(a, 'description') ? { description: str(a, 'description') } : {}),
      severity: severityFromWord(str(a, 'severity')) ?? 'unknown',
      category: category(cat === 'null' ? undefined : cat),
      rule: { id: ruleName, name: title },
      eventTime: firstTime(a, 'firstEventTime', 'alertCreationTime') ?? ctx.receivedAt,
      observables: dedupeObservables([
        observable('host', str(a, 'computerDnsName'), 'target'),
        observable('user', user && domain ? `${domain}\\${user}` : user, 'target'),
        ...list(a, 'evidence').flatMap((e) => [
          hashObservable(str(e, 'sha256'), 'file'),
          hashObservable(str(e, 'sha1'), 'file'),
          observable('filename', str(e, 'fileName'), 'file'),
          observable('process', str(e, 'processCommandLine'), 'related'),
          ipObservable(str(e, 'ipAddress'), 'related'),
          ...urlObservables(str(e, 'url'), 'related'),
          observable('user', str(e, 'userPrincipalName', 'accountName'), 'target'),
          observable('registry', str(e, 'registryKey'), 'related'),
        ]),
        ...list(a, 'alertFiles').flatMap((f) => [
          hashObservable(str(f, 'sha256'), 'file'),
          hashObservable(str(f, 'sha1'), 'file'),
          observable('filename', str(f, 'fileName'), 'file'),
        ]),
        ...list(a, 'alertDomains').map((d) => observable('domain', str(d, 'host'), 'related')),
        ...list(a, 'alertIps').map((i) => ipObservable(str(i, 'ipAddress'), 'related')),
      ]),
      mitre,
      raw: record,
    };
  },
};

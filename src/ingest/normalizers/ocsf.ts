import type { MitreRef, Observable, ObservableType, Severity } from '../../core/alert.ts';
import {
  dedupeObservables,
  hashObservable,
  ipObservable,
  observable,
  urlObservables,
} from '../../core/observable.ts';
import { RiposteError } from '../../core/riposte-error.ts';
import type { Normalizer } from '../normalizer.ts';
import { splitJson } from '../split-body.ts';
import {
  asRecord,
  firstTime,
  list,
  num,
  severityFromWord,
  str,
  strings,
  type Json,
} from './record-reader.ts';
import { lookupTable } from '../../core/lookup-table.ts';

/** OCSF severity_id: 0 Unknown … 5 Critical, 6 Fatal, 99 Other (then the caption decides). */
const SEVERITY_BY_ID: Record<number, Severity> = {
  0: 'unknown',
  1: 'informational',
  2: 'low',
  3: 'medium',
  4: 'high',
  5: 'critical',
  6: 'critical',
};

/** OCSF observable type_id → ours (Hostname 1, IP Address 2, MAC 3, User Name 4, Email 5, URL 6, File Name 7, Hash 8, Process Name 9, Command Line 13). */
const OBSERVABLE_TYPE: Record<number, ObservableType | 'ip' | 'hash'> = {
  1: 'host',
  2: 'ip',
  3: 'mac',
  4: 'user',
  5: 'email',
  6: 'url',
  7: 'filename',
  8: 'hash',
  9: 'process',
  13: 'process',
};
const OBSERVABLE_NAME = lookupTable<ObservableType | 'ip' | 'hash'>({
  hostname: 'host',
  'ip address': 'ip',
  'mac address': 'mac',
  'user name': 'user',
  'email address': 'email',
  'url string': 'url',
  'file name': 'filename',
  hash: 'hash',
  'process name': 'process',
  'command line': 'process',
  cve: 'cve',
});

function category(classUid: number | undefined, e: Json): string {
  switch (classUid) {
    case 2002:
      return 'vulnerability';
    case 2003:
      return 'policy-violation';
    case 3002:
    case 3003:
      return 'authentication';
    case 2001:
    case 2004:
    case 2005: {
      const types = strings(e, 'finding_info.types').join(' ').toLowerCase();
      if (/malware|trojan|backdoor/.test(types)) return 'malware';
      if (/credential|unauthorizedaccess|brute/.test(types)) return 'account-compromise';
      return 'detection';
    }
    default:
      if (classUid !== undefined && classUid >= 4000 && classUid < 5000) return 'network-activity';
      if (classUid !== undefined && classUid >= 1000 && classUid < 2000) return 'system-activity';
      return 'suspicious-activity';
  }
}

function typedObservable(
  kind: ObservableType | 'ip' | 'hash' | undefined,
  value: unknown,
  role: Observable['role'],
): Observable[] {
  if (kind === undefined || typeof value !== 'string') return [];
  if (kind === 'ip') return [ipObservable(value, role)].filter((o): o is Observable => o !== null);
  if (kind === 'hash') return [hashObservable(value, role)].filter((o): o is Observable => o !== null);
  if (kind === 'url') return urlObservables(value, role);
  return [observable(kind, value, role)].filter((o): o is Observable => o !== null);
}

function endpoint(e: unknown, path: string, role: Observable['role']): (Observable | null)[] {
  return [
    ipObservable(str(e, `${path}.ip`), role),
    observable('host', str(e, `${path}.hostname`), role),
    observable('domain', str(e, `${path}.domain`), role),
  ];
}

/** Producers often leave type_id 0 (Other) and say what the value is in `name` ("hostname", "src_endpoint.ip"). */
function kindFromName(name: string): ObservableType | 'ip' | undefined {
  if (/(^|\.)hostname$/.test(name)) return 'host';
  if (/(^|\.)ip$/.test(name)) return 'ip';
  if (/(^|\.)(email_addr|email)$/.test(name)) return 'email';
  return undefined;
}

function mitre(e: Json): MitreRef[] {
  return [...list(e, 'attacks'), ...list(e, 'finding_info.attacks')].flatMap((a): MitreRef[] => {
    const tactic = str(a, 'tactic.name', 'tactic.uid') ?? list(a, 'tactics').map((t) => str(t, 'name'))[0];
    const technique = str(a, 'sub_technique.uid', 'technique.uid');
    if (technique) return [tactic ? { technique, tactic } : { technique }];
    return tactic ? [{ tactic }] : [];
  });
}

/** OCSF events of any class: Detection Finding (2004), Security Finding (2001), Authentication (3002) … */
export const ocsf: Normalizer = {
  format: 'ocsf',
  split: (body) => splitJson(body),
  normalize(record, ctx) {
    const e = asRecord(record, 'OCSF');
    const classUid = num(e, 'class_uid');
    if (classUid === undefined)
      throw new RiposteError(
        'invalid_record',
        'OCSF event has no class_uid: every OCSF event names its class',
        { path: '/class_uid' },
      );
    const title = str(e, 'finding_info.title', 'finding.title', 'message', 'type_name', 'class_name');
    if (!title)
      throw new RiposteError('invalid_record', 'OCSF event has no finding_info.title, message or type_name', {
        path: '/finding_info/title',
      });
    const severityId = num(e, 'severity_id');
    const severity =
      (severityId === undefined ? undefined : SEVERITY_BY_ID[severityId]) ??
      severityFromWord(str(e, 'severity')) ??
      'unknown';
    const ruleId = str(
      e,
      'finding_info.analytic.uid',
      'finding_info.analytic.name',
      'metadata.event_code',
      'finding_info.types.0',
      'type_uid',
    );
    const ref = str(e, 'finding_info.uid', 'finding.uid', 'metadata.uid');
    return {
      ...(ref ? { sourceRef: ref } : {}),
      title,
      ...(str(e, 'finding_info.desc', 'finding.desc', 'message')
        ? { description: str(e, 'finding_info.desc', 'finding.desc', 'message') }
        : {}),
      severity,
      category: category(classUid, e),
      rule: { ...(ruleId ? { id: ruleId } : {}), name: str(e, 'finding_info.analytic.name') ?? title },
      eventTime:
        firstTime(e, 'time', 'time_dt', 'finding_info.created_time', 'finding.created_time') ??
        ctx.receivedAt,
      observables: dedupeObservables([
        ...list(e, 'observables').flatMap((o) => {
          const typeId = num(o, 'type_id');
          const name = str(o, 'name') ?? '';
          const kind =
            (typeId === undefined ? undefined : OBSERVABLE_TYPE[typeId]) ??
            OBSERVABLE_NAME[(str(o, 'type') ?? '').toLowerCase()] ??
            kindFromName(name);
          const role =
            /^(src|actor)/.test(name) || name.includes('src_endpoint')
              ? 'source'
              : /^dst/.test(name)
                ? 'destination'
                : 'related';
          return typedObservable(kind, str(o, 'value'), role);
        }),
        ...endpoint(e, 'src_endpoint', 'source'),
        ...endpoint(e, 'dst_endpoint', 'destination'),
        ...endpoint(e, 'device', 'target'),
        ...list(e, 'evidences').flatMap((ev) => [
          ...endpoint(ev, 'src_endpoint', 'source'),
          ...endpoint(ev, 'dst_endpoint', 'destination'),
        ]),
        observable('user', str(e, 'actor.user.email_addr', 'actor.user.name'), 'actor'),
        observable('user', str(e, 'user.email_addr', 'user.name'), 'target'),
        observable('email', str(e, 'actor.user.email_addr'), 'actor'),
        observable('filename', str(e, 'file.name'), 'file'),
        ...list(e, 'file.hashes').map((h) => hashObservable(str(h, 'value'), 'file')),
        observable('process', str(e, 'process.cmd_line', 'process.file.path', 'process.name'), 'related'),
        ...list(e, 'vulnerabilities').map((v) => observable('cve', str(v, 'cve.uid'), 'related')),
      ]),
      mitre: mitre(e),
      raw: record,
    };
  },
};

import type { Observable } from '../../core/alert.ts';
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
  isObject,
  list,
  severityFromWord,
  str,
  strings,
  techniqueIds,
} from './record-reader.ts';
import { lookupTable } from '../../core/lookup-table.ts';

const DOMAINS = lookupTable<string>({
  identity: 'account-compromise',
  access: 'authentication',
  network: 'network-intrusion',
  endpoint: 'suspicious-activity',
  threat: 'threat-intelligence',
  audit: 'policy-violation',
});

/** A CIM field that may hold an IP or a host name; anonymized placeholders ("xxx.xxx.x.x") are skipped. */
function addressOrHost(value: string | undefined, role: Observable['role']): Observable | null {
  return (
    ipObservable(value, role) ??
    (value && !/^x+(\.x+)*$/i.test(value) ? observable('host', value, role) : null)
  );
}

/** Splunk Enterprise Security notable events (index=notable), alone or in search results `{result}` / `{results:[…]}`. */
export const splunk: Normalizer = {
  format: 'splunk',
  split: (body) =>
    splitJson(body, (v) =>
      Array.isArray(v.results) ? v.results : isObject(v.result) ? [v.result] : undefined,
    ),
  normalize(record, ctx) {
    const n = asRecord(record, 'Splunk notable');
    const search = str(n, 'search_name', 'source');
    const title = str(n, 'rule_title', 'rule_name', 'search_name', 'source');
    if (!title) {
      throw new RiposteError(
        'invalid_record',
        'Splunk notable event has no rule_title, rule_name or search_name',
        { path: '/rule_title' },
      );
    }
    const technique = [
      ...strings(n, 'annotations.mitre_attack'),
      ...strings(n, 'annotations.mitre_attack.mitre_technique_id'),
    ].flatMap(techniqueIds);
    const tactics = strings(n, 'annotations.mitre_attack.mitre_tactic');
    const ref = str(n, 'event_id', 'event_hash');
    return {
      ...(ref ? { sourceRef: ref } : {}),
      title,
      ...(str(n, 'rule_description', 'description', 'savedsearch_description')
        ? { description: str(n, 'rule_description', 'description', 'savedsearch_description') }
        : {}),
      severity: severityFromWord(str(n, 'urgency')) ?? severityFromWord(str(n, 'severity')) ?? 'unknown',
      category: DOMAINS[str(n, 'security_domain') ?? ''] ?? 'suspicious-activity',
      rule: { ...(search ? { id: search } : {}), name: title },
      eventTime: firstTime(n, '_time', 'orig_time', 'info_search_time') ?? ctx.receivedAt,
      observables: dedupeObservables([
        ipObservable(str(n, 'src_ip'), 'source'),
        addressOrHost(str(n, 'src'), 'source'),
        ipObservable(str(n, 'dest_ip'), 'destination'),
        addressOrHost(str(n, 'dest'), 'destination'),
        addressOrHost(str(n, 'dest_dns', 'dest_nt_host'), 'destination'),
        addressOrHost(str(n, 'src_dns', 'src_nt_host'), 'source'),
        observable('user', str(n, 'user'), 'target'),
        observable('user', str(n, 'src_user'), 'actor'),
        observable('user', str(n, 'target_user'), 'target'),
        ...urlObservables(str(n, 'url'), 'destination'),
        observable('domain', str(n, 'domain', 'query'), 'related'),
        observable('filename', str(n, 'file_name'), 'file'),
        hashObservable(str(n, 'file_hash'), 'file'),
        observable('email', str(n, 'sender', 'src_user_email'), 'sender'),
        ...list(n, 'recipient').map((r) => observable('email', r, 'recipient')),
        observable('cve', str(n, 'cve'), 'related'),
      ]),
      mitre:
        technique.length > 0
          ? technique.map((t) => (tactics[0] ? { technique: t, tactic: tactics[0] } : { technique: t }))
          : tactics.map((tactic) => ({ tactic })),
      raw: record,
    };
  },
};

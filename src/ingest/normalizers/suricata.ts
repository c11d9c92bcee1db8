import type { MitreRef, Observable, Severity } from '../../core/alert.ts';
import { RiposteError } from '../../core/riposte-error.ts';
import {
  dedupeObservables,
  hashObservable,
  ipObservable,
  observable,
  urlObservables,
} from '../../core/observable.ts';
import type { Normalizer } from '../normalizer.ts';
import { splitJson } from '../split-body.ts';
import { asRecord, firstTime, list, needString, num, str, strings, type Json } from './record-reader.ts';

/** Suricata's severity runs 1 (most severe) to 255; rule sets use 1–4. */
function severity(value: number | undefined): Severity {
  if (value === undefined) return 'unknown';
  if (value <= 1) return 'high';
  if (value === 2) return 'medium';
  if (value === 3) return 'low';
  return 'informational';
}

/** Category from the ET/Snort rule-set prefix, then the classtype text. */
export function suricataCategory(signature: string, classtype: string | undefined): string {
  const s = signature.toUpperCase();
  const c = (classtype ?? '').toLowerCase();
  if (
    /\bET (MALWARE|TROJAN|MOBILE_MALWARE|CNC|BOTCC|COMPROMISED)\b/.test(s) ||
    c.includes('trojan') ||
    c.includes('malware')
  )
    return 'malware';
  if (/\bET PHISHING\b/.test(s) || c.includes('phishing')) return 'phishing';
  if (/\bET (SCAN|DNS_SCAN)\b/.test(s) || c.includes('scan') || c.includes('reconnaissance'))
    return 'reconnaissance';
  if (/\bET (POLICY|INFO|GAMES|CHAT|P2P)\b/.test(s) || c.includes('policy') || c.includes('privacy'))
    return 'policy-violation';
  if (
    /\bET (EXPLOIT|WEB_SERVER|WEB_SPECIFIC_APPS|ATTACK_RESPONSE|SHELLCODE)\b/.test(s) ||
    c.includes('exploit') ||
    c.includes('privilege')
  )
    return 'network-intrusion';
  if (c.includes('denial of service')) return 'denial-of-service';
  return 'network-intrusion';
}

/** Pairs technique ids with tactic names by position, as ET rule metadata lists them. */
export function mitreFromMetadata(metadata: unknown): MitreRef[] {
  const techniques = strings(metadata, 'mitre_technique_id');
  const tactics = strings(metadata, 'mitre_tactic_name').map((t) => t.replace(/_/g, ' '));
  const tacticIds = strings(metadata, 'mitre_tactic_id');
  const refs: MitreRef[] = techniques.map((technique, i) => {
    const tactic = tactics[i] ?? tactics[0] ?? tacticIds[i] ?? tacticIds[0];
    return tactic === undefined ? { technique } : { technique, tactic };
  });
  if (refs.length === 0) for (const tactic of tactics.length > 0 ? tactics : tacticIds) refs.push({ tactic });
  return refs;
}

function observables(e: Json): Observable[] {
  const host = str(e, 'http.hostname');
  const path = str(e, 'http.url');
  const url =
    host && path
      ? /^[a-z]+:\/\//i.test(path)
        ? path
        : `http://${host}${path.startsWith('/') ? '' : '/'}${path}`
      : undefined;
  return dedupeObservables([
    ipObservable(e.src_ip, 'source'),
    ipObservable(e.dest_ip, 'destination'),
    host ? (ipObservable(host, 'destination') ?? observable('domain', host, 'destination')) : null,
    ...(url ? urlObservables(url, 'destination') : []),
    observable('domain', str(e, 'tls.sni'), 'destination'),
    observable('domain', str(e, 'dns.rrname', 'dns.query.0.rrname'), 'query'),
    ...list(e, 'dns.queries').map((q) => observable('domain', str(q, 'rrname'), 'query')),
    observable('filename', str(e, 'fileinfo.filename'), 'file'),
    hashObservable(str(e, 'fileinfo.sha256'), 'file'),
    hashObservable(str(e, 'fileinfo.md5'), 'file'),
    hashObservable(str(e, 'fileinfo.sha1'), 'file'),
    observable('email', str(e, 'smtp.mail_from'), 'sender'),
    ...strings(e, 'smtp.rcpt_to').map((r) => observable('email', r, 'recipient')),
  ]);
}

/** Suricata EVE JSON: `event_type: "alert"` records become alerts; other event types are telemetry. */
export const suricata: Normalizer = {
  format: 'suricata',
  split: (body) => splitJson(body),
  normalize(record, ctx) {
    const e = asRecord(record, 'Suricata EVE');
    const type = str(e, 'event_type');
    if (type !== 'alert') {
      throw new RiposteError(
        'invalid_record',
        `Suricata EVE event_type is "${type ?? '(missing)'}": only "alert" events become alerts (dns, flow, tls, http … are telemetry)`,
        { path: '/event_type' },
      );
    }
    const signature = needString(e, 'alert.signature', 'Suricata EVE alert');
    const sid = str(e, 'alert.signature_id');
    const classtype = str(e, 'alert.category');
    return {
      title: signature,
      ...(classtype
        ? {
            description: `${classtype} (${str(e, 'proto') ?? 'IP'} ${str(e, 'src_ip') ?? '?'}:${str(e, 'src_port') ?? '?'} → ${str(e, 'dest_ip') ?? '?'}:${str(e, 'dest_port') ?? '?'}, action ${str(e, 'alert.action') ?? 'unknown'})`,
          }
        : {}),
      severity: severity(num(e, 'alert.severity')),
      category: suricataCategory(signature, classtype),
      rule: { ...(sid ? { id: sid } : {}), name: signature },
      eventTime: firstTime(e, 'timestamp', 'flow.start') ?? ctx.receivedAt,
      observables: observables(e),
      mitre: mitreFromMetadata(e.alert && (e.alert as Json).metadata),
      raw: record,
    };
  },
};

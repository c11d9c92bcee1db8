import type { MitreRef, Severity } from '../../core/alert.ts';
import { RiposteError } from '../../core/riposte-error.ts';
import { dedupeObservables, extractObservablesFromText, ipObservable } from '../../core/observable.ts';
import type { Normalizer, SplitRecord } from '../normalizer.ts';
import { lines, splitJson } from '../split-body.ts';
import { asRecord, firstTime, needString, str } from './record-reader.ts';

/** What a notice is, by the words in its name (`Module::Name`). */
const NOTICE_KINDS: { pattern: RegExp; severity: Severity; category: string; mitre?: MitreRef }[] = [
  {
    pattern: /SQL_Injection|Exploit|Shellshock|Heartbleed/i,
    severity: 'high',
    category: 'network-intrusion',
    mitre: { tactic: 'Initial Access', technique: 'T1190' },
  },
  {
    pattern: /Password_Guessing|Bruteforc|Brute_Forc/i,
    severity: 'medium',
    category: 'brute-force',
    mitre: { tactic: 'Credential Access', technique: 'T1110' },
  },
  {
    pattern: /Scan|Sweep/i,
    severity: 'low',
    category: 'reconnaissance',
    mitre: { tactic: 'Discovery', technique: 'T1046' },
  },
  { pattern: /Malware|Intel::Notice|Hash/i, severity: 'high', category: 'malware' },
  {
    pattern: /Invalid_Server_Cert|Certificate|Weak|Old_Version/i,
    severity: 'low',
    category: 'policy-violation',
  },
];

/**
 * Zeek's ASCII log: `#separator`, `#set_separator`, `#empty_field`, `#unset_field` and `#fields`
 * header lines, then one tab-separated record per line. Unset fields are left out; sets become lists.
 */
export function splitZeekTsv(body: string): SplitRecord[] {
  let separator = '\t';
  let setSeparator = ',';
  let empty = '(empty)';
  let unset = '-';
  let fields: string[] | undefined;
  let types: string[] = [];
  const records: SplitRecord[] = [];
  for (const line of lines(body)) {
    if (line.startsWith('#')) {
      const [directive, ...rest] = line.slice(1).split(line.startsWith('#separator') ? ' ' : separator);
      const value = rest.join(separator);
      if (directive === 'separator')
        separator = value.replace(/\\x([0-9a-f]{2})/gi, (_, h: string) =>
          String.fromCharCode(parseInt(h, 16)),
        );
      else if (directive === 'set_separator') setSeparator = value;
      else if (directive === 'empty_field') empty = value;
      else if (directive === 'unset_field') unset = value;
      else if (directive === 'fields') fields = rest;
      else if (directive === 'types') types = rest;
      continue;
    }
    if (line.trim() === '') continue;
    if (!fields) {
      records.push({
        ok: false,
        error: new RiposteError('invalid_record', 'Zeek TSV data line before the #fields header', {
          path: `/${records.length}`,
        }),
      });
      continue;
    }
    const values = line.split(separator);
    const record: Record<string, unknown> = {};
    fields.forEach((field, i) => {
      const value = values[i];
      if (value === undefined || value === unset) return;
      const isSet = /^(set|vector)\[/.test(types[i] ?? '');
      if (value === empty) record[field] = isSet ? [] : '';
      else record[field] = isSet ? value.split(setSeparator) : value;
    });
    records.push({ ok: true, record });
  }
  return records;
}

/** Zeek notice.log, as JSON lines or as TSV with its header. Other Zeek logs are telemetry. */
export const zeek: Normalizer = {
  format: 'zeek',
  split: (body) => (body.trimStart().startsWith('#') ? splitZeekTsv(body) : splitJson(body)),
  normalize(record, ctx) {
    const n = asRecord(record, 'Zeek');
    if (n.note === undefined) {
      throw new RiposteError(
        'invalid_record',
        'Zeek record has no note: only notice.log entries become alerts (conn, dns, http … logs are telemetry)',
        { path: '/note' },
      );
    }
    const note = needString(n, 'note', 'Zeek notice');
    const msg = str(n, 'msg');
    const kind = NOTICE_KINDS.find((k) => k.pattern.test(note));
    const uid = str(n, 'uid');
    return {
      ...(uid ? { sourceRef: `${uid}:${note}` } : {}),
      title: msg ? `${note}: ${msg}` : note,
      ...(str(n, 'sub') ? { description: str(n, 'sub') } : {}),
      severity: kind?.severity ?? 'medium',
      category: kind?.category ?? 'network-intrusion',
      rule: { id: note, name: note },
      eventTime: firstTime(n, 'ts') ?? ctx.receivedAt,
      observables: dedupeObservables([
        ipObservable(str(n, 'src', 'id.orig_h'), 'source'),
        ipObservable(str(n, 'id.orig_h'), 'source'),
        ipObservable(str(n, 'dst', 'id.resp_h'), 'destination'),
        ipObservable(str(n, 'id.resp_h'), 'destination'),
        ...extractObservablesFromText(`${msg ?? ''} ${str(n, 'sub') ?? ''}`, 'related'),
      ]),
      mitre: kind?.mitre ? [kind.mitre] : [],
      raw: record,
    };
  },
};

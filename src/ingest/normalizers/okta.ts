import type { MitreRef, Severity } from '../../core/alert.ts';
import { dedupeObservables, ipObservable, observable } from '../../core/observable.ts';
import type { Normalizer } from '../normalizer.ts';
import { splitJson } from '../split-body.ts';
import { asRecord, firstTime, list, needString, str, type Json } from './record-reader.ts';

/** Event types that matter more than Okta's own INFO says, with what they suggest. */
const SECURITY_EVENTS: { pattern: RegExp; severity: Severity; category: string; mitre?: MitreRef }[] = [
  {
    pattern: /^security\.threat\.detected$/,
    severity: 'high',
    category: 'account-compromise',
    mitre: { tactic: 'Credential Access', technique: 'T1110' },
  },
  {
    pattern: /^security\.(attack|breached_credential)/,
    severity: 'high',
    category: 'account-compromise',
    mitre: { tactic: 'Credential Access', technique: 'T1110' },
  },
  {
    pattern: /^user\.account\.lock/,
    severity: 'medium',
    category: 'account-compromise',
    mitre: { tactic: 'Credential Access', technique: 'T1110' },
  },
  {
    pattern: /^system\.push\.send_factor_verify_push$|^user\.mfa\.okta_verify\.deny_push/,
    severity: 'medium',
    category: 'account-compromise',
    mitre: { tactic: 'Credential Access', technique: 'T1621' },
  },
  {
    pattern: /^user\.mfa\.factor\.(deactivate|reset_all)|^user\.account\.reset_password/,
    severity: 'medium',
    category: 'account-compromise',
    mitre: { tactic: 'Persistence', technique: 'T1098' },
  },
  {
    pattern:
      /^(user\.account\.privilege\.grant|group\.privilege\.grant|iam\.role\.|application\.policy\.sign_on\.deactivate|policy\.lifecycle\.(deactivate|delete))/,
    severity: 'high',
    category: 'privilege-escalation',
    mitre: { tactic: 'Privilege Escalation', technique: 'T1098.003' },
  },
  { pattern: /^user\.session\.impersonation/, severity: 'medium', category: 'privilege-escalation' },
  {
    pattern: /detect_reuse|^app\.token\.reuse|unauth_app_access_attempt/,
    severity: 'medium',
    category: 'account-compromise',
    mitre: { tactic: 'Credential Access', technique: 'T1528' },
  },
];

/** Okta's own severity: DEBUG, INFO, WARN, ERROR. */
function oktaSeverity(value: string | undefined): Severity {
  switch (value?.toUpperCase()) {
    case 'WARN':
      return 'medium';
    case 'ERROR':
      return 'high';
    case 'DEBUG':
    case 'INFO':
      return 'informational';
    default:
      return 'unknown';
  }
}

const RANK: Severity[] = ['unknown', 'informational', 'low', 'medium', 'high', 'critical'];

/** Some pipelines (Panther, lower-casing SIEM exports) deliver the top-level keys in lower case. */
const CAMEL_KEYS = [
  'eventType',
  'displayMessage',
  'legacyEventType',
  'debugContext',
  'securityContext',
  'authenticationContext',
];

function restoreKeyCase(e: Json): Json {
  if (e.eventType !== undefined || e.eventtype === undefined) return e;
  const restored: Json = { ...e };
  for (const key of CAMEL_KEYS) {
    const lower = key.toLowerCase();
    if (restored[lower] !== undefined && restored[key] === undefined) restored[key] = restored[lower];
  }
  return restored;
}

/** Okta System Log events (GET /api/v1/logs, event hooks, log streaming). */
export const okta: Normalizer = {
  format: 'okta',
  split: (body) =>
    splitJson(body, (v) =>
      v.data !== undefined && Array.isArray((v.data as Json).events)
        ? ((v.data as Json).events as unknown[])
        : undefined,
    ),
  normalize(record, ctx) {
    const e = restoreKeyCase(asRecord(record, 'Okta System Log'));
    const eventType = needString(e, 'eventType', 'Okta System Log');
    const known = SECURITY_EVENTS.find((s) => s.pattern.test(eventType));
    const outcome = str(e, 'outcome.result');
    let severity = oktaSeverity(str(e, 'severity'));
    if (known && RANK.indexOf(known.severity) > RANK.indexOf(severity)) severity = known.severity;
    if ((outcome === 'FAILURE' || outcome === 'DENY') && RANK.indexOf(severity) < RANK.indexOf('low'))
      severity = 'low';
    const message = str(e, 'displayMessage') ?? eventType;
    const actor = str(e, 'actor.alternateId', 'actor.displayName');
    const reason = str(e, 'outcome.reason');
    return {
      ...(str(e, 'uuid') ? { sourceRef: str(e, 'uuid') } : {}),
      title: actor ? `${message}: ${actor}` : message,
      description: [
        message,
        outcome ? `outcome ${outcome}${reason ? ` (${reason})` : ''}` : undefined,
        str(e, 'client.geographicalContext.city', 'client.geographicalContext.country'),
      ]
        .filter(Boolean)
        .join('; '),
      severity,
      category:
        known?.category ??
        (eventType.startsWith('user.authentication') || eventType.startsWith('user.session')
          ? 'authentication'
          : 'account-activity'),
      rule: { id: eventType, name: message },
      eventTime: firstTime(e, 'published') ?? ctx.receivedAt,
      observables: dedupeObservables([
        observable('user', actor, 'actor'),
        ipObservable(str(e, 'client.ipAddress'), 'source'),
        ...list(e, 'request.ipChain').map((hop) => ipObservable(str(hop, 'ip'), 'source')),
        ...list(e, 'target').map((t) =>
          str(t, 'type') === 'User' ? observable('user', str(t, 'alternateId'), 'target') : null,
        ),
        observable('domain', str(e, 'securityContext.domain'), 'related'),
      ]),
      mitre: known?.mitre ? [known.mitre] : [],
      raw: record,
    };
  },
};

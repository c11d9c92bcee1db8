import type { Alert } from '../core/alert.ts';

/** What an identity event says, as far as sign-in risk is concerned. */
export type SignInKind = 'sign_in' | 'mfa_prompt' | 'mfa_denied' | 'other';

export interface SignInFacts {
  alertId: string;
  /** The user's observable value (lower case), or null when the alert names nobody. */
  user: string | null;
  /** ISO 8601: the event's time. */
  at: string;
  ip: string | null;
  kind: SignInKind;
  outcome: 'success' | 'failure' | 'unknown';
  /** Coordinates the identity provider recorded with the event (Okta, Entra sign-in logs). */
  location: { latitude: number; longitude: number } | null;
  city: string | null;
  country: string | null;
  asn: number | null;
  /** A registered device's id, else the device token hash, else "<os> / <browser>". */
  device: string | null;
}

type Json = Record<string, unknown>;

function at(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = (current as Json)[key];
  }
  return current;
}

function text(value: unknown, ...paths: string[]): string | null {
  for (const path of paths) {
    const found = at(value, path);
    if (typeof found === 'string' && found.trim() !== '') return found.trim();
    if (typeof found === 'number' && Number.isFinite(found)) return String(found);
  }
  return null;
}

function number(value: unknown, ...paths: string[]): number | null {
  for (const path of paths) {
    const found = at(value, path);
    const n = typeof found === 'string' && found.trim() !== '' ? Number(found) : found;
    if (typeof n === 'number' && Number.isFinite(n)) return n;
  }
  return null;
}

function coordinates(latitude: number | null, longitude: number | null) {
  if (latitude === null || longitude === null) return null;
  if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180) return null;
  // Both zero is what some exports write for "unknown", not the Gulf of Guinea.
  if (latitude === 0 && longitude === 0) return null;
  return { latitude, longitude };
}

function time(value: string | null, fallback: string): string {
  if (value === null) return fallback;
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`);
  return Number.isNaN(ms) ? fallback : new Date(ms).toISOString();
}

/** The user the alert is about: its actor first, then its target, then any user. */
export function alertUser(alert: Pick<Alert, 'observables'>): string | null {
  const users = alert.observables.filter((o) => o.type === 'user');
  const pick = users.find((o) => o.role === 'actor') ?? users.find((o) => o.role === 'target') ?? users[0];
  return pick ? pick.value.toLowerCase() : null;
}

function alertIp(alert: Pick<Alert, 'observables'>): string | null {
  const ips = alert.observables.filter((o) => o.type === 'ipv4' || o.type === 'ipv6');
  return (ips.find((o) => o.role === 'source') ?? ips[0])?.value ?? null;
}

/** Okta System Log event types, by what they say about a sign-in. */
const OKTA_SIGN_IN =
  /^(user\.session\.start|user\.authentication\.(sso|auth_via_mfa|verify|auth_via_idp|auth_via_social|authenticate))$/i;
const OKTA_MFA_PROMPT = /^system\.push\.send_factor_verify_push$/;
const OKTA_MFA_DENIED = /^(user\.mfa\.okta_verify\.deny_push|user\.mfa\.attempt_bypass)$/;

function oktaFacts(alert: Alert, raw: Json): SignInFacts {
  const eventType = text(raw, 'eventType', 'eventtype') ?? '';
  const result = (text(raw, 'outcome.result') ?? '').toUpperCase();
  const outcome = ['SUCCESS', 'ALLOW'].includes(result)
    ? 'success'
    : ['FAILURE', 'DENY'].includes(result)
      ? 'failure'
      : 'unknown';
  let kind: SignInKind = 'other';
  if (OKTA_MFA_DENIED.test(eventType)) kind = 'mfa_denied';
  else if (OKTA_MFA_PROMPT.test(eventType)) kind = 'mfa_prompt';
  // A failed MFA step (a denied push, a wrong code) is a denial; a passed one is a sign-in.
  else if (/^user\.authentication\.auth_via_mfa$/i.test(eventType) && outcome === 'failure')
    kind = 'mfa_denied';
  else if (OKTA_SIGN_IN.test(eventType)) kind = 'sign_in';
  const os = text(raw, 'client.userAgent.os');
  const browser = text(raw, 'client.userAgent.browser');
  return {
    alertId: alert.id,
    user: text(raw, 'actor.alternateId')?.toLowerCase() ?? alertUser(alert),
    at: time(text(raw, 'published'), alert.eventTime),
    ip: text(raw, 'client.ipAddress') ?? alertIp(alert),
    kind,
    outcome,
    location: coordinates(
      number(raw, 'client.geographicalContext.geolocation.lat'),
      number(raw, 'client.geographicalContext.geolocation.lon'),
    ),
    city: text(raw, 'client.geographicalContext.city'),
    country: text(raw, 'client.geographicalContext.country'),
    asn: number(raw, 'securityContext.asNumber', 'securitycontext.asNumber'),
    device:
      text(raw, 'device.id', 'debugContext.debugData.dtHash') ??
      (os || browser ? `${os ?? '?'} / ${browser ?? '?'}` : null),
  };
}

/**
 * Entra ID sign-in logs, as Microsoft Graph (`signIn`) or Log Analytics (`SigninLogs`) spell them.
 * Error codes: 0 success; 500121 strong authentication failed (a denied or unanswered MFA request);
 * 50074 and 50076 strong authentication required (the user was prompted).
 */
function entraFacts(alert: Alert, raw: Json): SignInFacts | null {
  const code = text(raw, 'status.errorCode', 'Status.errorCode', 'ResultType');
  const upn = text(raw, 'userPrincipalName', 'UserPrincipalName');
  if (code === null || upn === null) return null;
  const kind: SignInKind =
    code === '500121' ? 'mfa_denied' : code === '50074' || code === '50076' ? 'mfa_prompt' : 'sign_in';
  const location = (raw['location'] ?? raw['LocationDetails']) as Json | undefined;
  const detail = (raw['deviceDetail'] ?? raw['DeviceDetail']) as Json | undefined;
  const os = text(detail, 'operatingSystem');
  const browser = text(detail, 'browser');
  return {
    alertId: alert.id,
    user: upn.toLowerCase(),
    at: time(text(raw, 'createdDateTime', 'TimeGenerated', 'CreatedDateTime'), alert.eventTime),
    ip: text(raw, 'ipAddress', 'IPAddress') ?? alertIp(alert),
    kind,
    outcome: code === '0' ? 'success' : 'failure',
    location: coordinates(
      number(location, 'geoCoordinates.latitude'),
      number(location, 'geoCoordinates.longitude'),
    ),
    city: text(location, 'city'),
    country: text(location, 'countryOrRegion'),
    asn: number(raw, 'autonomousSystemNumber', 'AutonomousSystemNumber'),
    device: text(detail, 'deviceId') ?? (os || browser ? `${os ?? '?'} / ${browser ?? '?'}` : null),
  };
}

/**
 * The sign-in facts of an alert: read from the raw event of an Okta System Log record or an Entra ID
 * sign-in log; otherwise (a Sentinel alert about a sign-in, a generic alert) only what the observables
 * say, with an unknown outcome, which never counts as a known-good sign-in.
 */
export function signInFacts(alert: Alert): SignInFacts {
  const raw = alert.raw !== null && typeof alert.raw === 'object' ? (alert.raw as Json) : {};
  if (alert.format === 'okta' || text(raw, 'eventType', 'eventtype') !== null) return oktaFacts(alert, raw);
  const entra = entraFacts(alert, raw);
  if (entra) return entra;
  return {
    alertId: alert.id,
    user: alertUser(alert),
    at: time(alert.eventTime, alert.eventTime),
    ip: alertIp(alert),
    kind: 'sign_in',
    outcome: 'unknown',
    location: null,
    city: null,
    country: null,
    asn: null,
    device: null,
  };
}

import { Type } from '@sinclair/typebox';
import { ActionError, type ActionDefinition } from '../core/action.ts';
import type { Alert } from '../core/alert.ts';
import { signInFacts } from './sign-in-facts.ts';
import { assessSignIn, SIGN_IN_RISK_DEFAULTS, type Locate } from './sign-in-risk.ts';

/** The alerts naming a user, read through indexes and bounded (src/ingest/user-alert-history.ts). */
export interface UserAlertHistory {
  get(alertId: string): Promise<Alert | null>;
  /**
   * The user's alerts whose event time is within [since, until], newest first, at most `limit`;
   * `truncated` when there may be more.
   */
  recent(
    /** The user's value as the alerts spell it (user observables keep their case). */
    users: readonly string[],
    window: { since: string; until: string },
    limit: number,
  ): Promise<{ alerts: Alert[]; truncated: boolean }>;
}

export interface SignInRiskDeps {
  history: () => UserAlertHistory;
  /** Offline geolocation of an address; null where none is installed. */
  locate: () => Locate | null;
}

/** The most events of the user one assessment reads. */
export const HISTORY_LIMIT = 2_000;

const integer = (minimum: number, maximum: number, fallback: number, description: string) =>
  Type.Optional(Type.Integer({ minimum, maximum, default: fallback, description }));

export function signInRiskAction(deps: SignInRiskDeps): ActionDefinition {
  return {
    id: 'riposte.sign_in_risk',
    title: 'Assess a sign-in',
    description:
      'Compares a sign-in alert (Okta System Log, Entra ID sign-in, a Sentinel sign-in alert) with the user’s ' +
      'earlier sign-ins stored as alerts: impossible travel (distance and speed from the last successful ' +
      'sign-in, coordinates from the event or offline geolocation), a new device or ASN, MFA fatigue ' +
      '(denied or repeated MFA prompts just before). Answers a risk (high, medium, low) with its signals.',
    effect: 'read',
    input: Type.Object(
      {
        alert_id: Type.String({ minLength: 1, description: 'the sign-in alert to assess' }),
        window_days: integer(1, 90, 30, 'how far back earlier sign-ins count'),
        max_speed_kmh: integer(100, 20_000, SIGN_IN_RISK_DEFAULTS.maxSpeedKmh, 'faster is impossible travel'),
        min_distance_km: integer(0, 20_000, SIGN_IN_RISK_DEFAULTS.minDistanceKm, 'closer is never travel'),
        mfa_window_minutes: integer(1, 1_440, 10, 'MFA prompts and denials counted within this'),
        mfa_denials: integer(1, 100, SIGN_IN_RISK_DEFAULTS.mfaDenials, 'this many denials is MFA fatigue'),
        mfa_prompts: integer(1, 100, SIGN_IN_RISK_DEFAULTS.mfaPrompts, 'this many prompts is MFA fatigue'),
      },
      { additionalProperties: false },
    ),
    timeoutMs: 30_000,
    retry: { attempts: 2, backoffMs: 1_000, factor: 2, maxDelayMs: 5_000, jitter: true },
    run: async (input) => {
      const history = deps.history();
      const alert = await history.get(String(input['alert_id']));
      if (!alert)
        throw new ActionError('not_found', `there is no alert ${String(input['alert_id'])}`, {
          retryable: false,
        });
      const current = signInFacts(alert);
      if (current.user === null)
        throw new ActionError('invalid_input', `alert ${alert.id} names no user`, { retryable: false });
      const num = (key: string, fallback: number) =>
        typeof input[key] === 'number' ? (input[key] as number) : fallback;
      const mfaWindowMs = num('mfa_window_minutes', 10) * 60_000;
      const now = Date.parse(current.at);
      const since = new Date(now - Math.max(num('window_days', 30) * 86_400_000, mfaWindowMs)).toISOString();
      const spellings = alert.observables
        .filter((o) => o.type === 'user' && o.value.toLowerCase() === current.user)
        .map((o) => o.value);
      const found = await history.recent(
        [...new Set([current.user, ...spellings])],
        { since, until: current.at },
        HISTORY_LIMIT,
      );
      const facts = found.alerts.map(signInFacts).filter((f) => f.user === current.user);
      const risk = await assessSignIn(current, facts, {
        maxSpeedKmh: num('max_speed_kmh', SIGN_IN_RISK_DEFAULTS.maxSpeedKmh),
        minDistanceKm: num('min_distance_km', SIGN_IN_RISK_DEFAULTS.minDistanceKm),
        mfaWindowMs,
        mfaDenials: num('mfa_denials', SIGN_IN_RISK_DEFAULTS.mfaDenials),
        mfaPrompts: num('mfa_prompts', SIGN_IN_RISK_DEFAULTS.mfaPrompts),
        locate: deps.locate(),
        title: `${alert.title} ${alert.rule?.name ?? ''}`,
      });
      return {
        ...risk,
        history: { since, events: facts.length, truncated: found.truncated },
      };
    },
  };
}

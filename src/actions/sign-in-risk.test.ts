import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Alert, Observable } from '../core/alert.ts';
import { ActionError } from '../core/action.ts';
import { signInFacts } from './sign-in-facts.ts';
import { assessSignIn, distanceKm, SIGN_IN_RISK_DEFAULTS, type Place } from './sign-in-risk.ts';
import { signInRiskAction, type UserAlertHistory } from './sign-in-risk-action.ts';

const NEW_YORK = { lat: 40.7128, lon: -74.006 };
const MOSCOW = { lat: 55.7558, lon: 37.6173 };
const T0 = Date.parse('2026-03-02T08:00:00Z');
const hours = (h: number) => new Date(T0 + h * 3_600_000).toISOString();

let serial = 0;
function alertOf(format: string, raw: Record<string, unknown>, observables: Observable[], at: string): Alert {
  serial++;
  return {
    id: `alert_${String(serial).padStart(4, '0')}`,
    source: format,
    format,
    title: 'User login to Okta',
    severity: 'informational',
    category: 'authentication',
    rule: { id: String(raw['eventType'] ?? 'x'), name: 'User login to Okta' },
    eventTime: at,
    firstSeen: at,
    lastSeen: at,
    count: 1,
    observables,
    mitre: [],
    caseId: null,
    status: 'new',
    fingerprint: `fp${serial}`,
    createdAt: at,
    raw,
  };
}

/** An Okta System Log event shaped like the published samples (client, securityContext, device). */
function okta(options: {
  at: string;
  ip: string;
  place?: { lat: number; lon: number } | null;
  asn?: number;
  device?: string;
  eventType?: string;
  result?: string;
  user?: string;
}): Alert {
  const user = options.user ?? 'john.doe@example.com';
  const raw = {
    actor: { id: '00uttidj01jqL21aM1d6', type: 'User', alternateId: user, displayName: 'John Doe' },
    client: {
      userAgent: { os: 'Mac OS X', browser: 'CHROME' },
      ipAddress: options.ip,
      geographicalContext:
        options.place === null
          ? null
          : {
              city: 'Somewhere',
              country: 'Somewhere',
              geolocation: options.place ?? NEW_YORK,
            },
    },
    device: options.device ? { id: options.device } : null,
    eventType: options.eventType ?? 'user.session.start',
    outcome: { result: options.result ?? 'SUCCESS', reason: null },
    published: options.at,
    securityContext: { asNumber: options.asn ?? 394089 },
  };
  return alertOf(
    'okta',
    raw,
    [
      { type: 'user', value: user, role: 'actor' },
      { type: 'ipv4', value: options.ip, role: 'source' },
    ],
    options.at,
  );
}

const assess = (
  current: Alert,
  history: Alert[],
  locate: ((ip: string) => Promise<Place | null>) | null = null,
) =>
  assessSignIn(signInFacts(current), history.map(signInFacts), {
    ...SIGN_IN_RISK_DEFAULTS,
    locate,
    title: current.title,
  });

describe('sign-in facts', () => {
  it('reads an Okta sign-in: time, address, coordinates, ASN, device, outcome', () => {
    const facts = signInFacts(
      okta({ at: '2024-08-13T15:58:20.353Z', ip: '198.51.100.7', device: 'guofdhyjex1feOgbN1d9' }),
    );
    assert.deepEqual(
      { ...facts, alertId: undefined },
      {
        alertId: undefined,
        user: 'john.doe@example.com',
        at: '2024-08-13T15:58:20.353Z',
        ip: '198.51.100.7',
        kind: 'sign_in',
        outcome: 'success',
        location: { latitude: NEW_YORK.lat, longitude: NEW_YORK.lon },
        city: 'Somewhere',
        country: 'Somewhere',
        asn: 394089,
        device: 'guofdhyjex1feOgbN1d9',
      },
    );
    const noDevice = signInFacts(okta({ at: hours(0), ip: '198.51.100.7' }));
    assert.equal(noDevice.device, 'Mac OS X / CHROME', 'the user agent stands in for an unregistered device');
  });

  it('tells Okta MFA prompts and denials apart', () => {
    const kind = (eventType: string, result = 'SUCCESS') =>
      signInFacts(okta({ at: hours(0), ip: '198.51.100.7', eventType, result })).kind;
    assert.equal(kind('system.push.send_factor_verify_push'), 'mfa_prompt');
    assert.equal(kind('user.mfa.okta_verify.deny_push', 'FAILURE'), 'mfa_denied');
    assert.equal(kind('user.authentication.auth_via_mfa', 'FAILURE'), 'mfa_denied');
    assert.equal(kind('user.authentication.auth_via_mfa'), 'sign_in');
    assert.equal(kind('user.account.update_profile'), 'other');
  });

  it('reads Entra ID sign-in logs in Graph and in Log Analytics spelling', () => {
    const graph = signInFacts(
      alertOf(
        'generic',
        {
          createdDateTime: '2026-03-02T08:00:00Z',
          userPrincipalName: 'AdeleV@contoso.com',
          ipAddress: '203.0.113.9',
          status: {
            errorCode: 500121,
            failureReason: 'Authentication failed during strong authentication request.',
          },
          location: {
            city: 'Redmond',
            countryOrRegion: 'US',
            geoCoordinates: { latitude: 47.67, longitude: -122.12 },
          },
          deviceDetail: { deviceId: '', operatingSystem: 'Windows 10', browser: 'Edge 120' },
        },
        [],
        hours(0),
      ),
    );
    assert.equal(graph.user, 'adelev@contoso.com');
    assert.equal(graph.kind, 'mfa_denied');
    assert.equal(graph.outcome, 'failure');
    assert.deepEqual(graph.location, { latitude: 47.67, longitude: -122.12 });
    assert.equal(graph.device, 'Windows 10 / Edge 120');
    const logAnalytics = signInFacts(
      alertOf(
        'generic',
        {
          TimeGenerated: '2026-03-02T09:00:00Z',
          UserPrincipalName: 'adelev@contoso.com',
          IPAddress: '203.0.113.9',
          ResultType: '0',
          LocationDetails: { geoCoordinates: { latitude: 47.67, longitude: -122.12 } },
          AutonomousSystemNumber: 8075,
        },
        [],
        hours(1),
      ),
    );
    assert.equal(logAnalytics.kind, 'sign_in');
    assert.equal(logAnalytics.outcome, 'success');
    assert.equal(logAnalytics.asn, 8075);
  });

  it('falls back to the observables of an alert that carries no sign-in log, with an unknown outcome', () => {
    const facts = signInFacts(
      alertOf(
        'sentinel',
        { properties: { alertDisplayName: 'Atypical travel' } },
        [
          { type: 'user', value: 'AdeleV@contoso.com', role: 'target' },
          { type: 'ipv4', value: '203.0.113.9', role: 'related' },
        ],
        hours(0),
      ),
    );
    assert.equal(facts.user, 'adelev@contoso.com');
    assert.equal(facts.ip, '203.0.113.9');
    assert.equal(facts.outcome, 'unknown');
  });
});

describe('sign-in risk', () => {
  it('measures great-circle distances', () => {
    const d = distanceKm(
      { latitude: NEW_YORK.lat, longitude: NEW_YORK.lon },
      { latitude: MOSCOW.lat, longitude: MOSCOW.lon },
    );
    assert.ok(d > 7_480 && d < 7_530, String(d));
  });

  it('flags impossible travel: New York then Moscow two hours later', async () => {
    const before = okta({ at: hours(0), ip: '198.51.100.7', device: 'dev1' });
    const now = okta({ at: hours(2), ip: '203.0.113.66', place: MOSCOW, asn: 12389, device: 'dev1' });
    const risk = await assess(now, [before]);
    assert.equal(risk.impossible_travel, true);
    assert.equal(risk.previous?.alert_id, before.id);
    assert.equal(risk.hours, 2);
    assert.ok(risk.speed_kmh! > 3_700 && risk.speed_kmh! < 3_800, String(risk.speed_kmh));
    assert.equal(risk.new_asn, true);
    assert.equal(risk.new_device, false);
    assert.equal(risk.risk, 'high');
    assert.deepEqual(risk.signals, ['impossible_travel', 'new_asn']);
    assert.match(risk.summary, /^high risk sign-in from 203\.0\.113\.66.*km\/h/);
  });

  it('lets the same trip pass when there was time to fly it', async () => {
    const before = okta({ at: hours(0), ip: '198.51.100.7', device: 'dev1' });
    const now = okta({ at: hours(12), ip: '203.0.113.66', place: MOSCOW, device: 'dev1' });
    const risk = await assess(now, [before]);
    assert.equal(risk.impossible_travel, false);
    assert.equal(risk.risk, 'low');
  });

  it('says medium for a new device at the usual place, low for a known one', async () => {
    const history = [
      okta({ at: hours(-48), ip: '198.51.100.7', device: 'laptop' }),
      okta({ at: hours(-24), ip: '198.51.100.8', device: 'phone' }),
    ];
    const fresh = await assess(okta({ at: hours(0), ip: '198.51.100.7', device: 'new-tablet' }), history);
    assert.equal(fresh.new_device, true);
    assert.equal(fresh.impossible_travel, false);
    assert.equal(fresh.risk, 'medium');
    assert.deepEqual(fresh.signals, ['new_device']);
    const known = await assess(okta({ at: hours(0), ip: '198.51.100.7', device: 'phone' }), history);
    assert.equal(known.risk, 'low');
    assert.deepEqual(known.signals, []);
  });

  it('finds MFA fatigue in denials within the window, not older ones', async () => {
    const deny = (minutes: number) =>
      okta({
        at: new Date(T0 + minutes * 60_000).toISOString(),
        ip: '203.0.113.66',
        eventType: 'user.mfa.okta_verify.deny_push',
        result: 'FAILURE',
      });
    const signIn = okta({ at: hours(0), ip: '203.0.113.66', eventType: 'user.authentication.auth_via_mfa' });
    const tired = await assess(signIn, [deny(-9), deny(-5), deny(-2)]);
    assert.equal(tired.mfa_denials, 3);
    assert.equal(tired.mfa_fatigue, true);
    assert.equal(tired.risk, 'high');
    const older = await assess(signIn, [deny(-30), deny(-5), deny(-2)]);
    assert.equal(older.mfa_denials, 2);
    assert.equal(older.mfa_fatigue, false);
  });

  it('never takes a failed or unknown sign-in as the baseline', async () => {
    const failed = okta({ at: hours(-1), ip: '198.51.100.7', result: 'FAILURE' });
    const risk = await assess(okta({ at: hours(0), ip: '203.0.113.66', place: MOSCOW }), [failed]);
    assert.equal(risk.previous, null);
    assert.equal(risk.impossible_travel, false);
    assert.deepEqual(risk.signals, ['no_history']);
  });

  it('locates addresses offline when the event has no coordinates, once per address', async () => {
    const lookups: string[] = [];
    const locate = async (ip: string): Promise<Place | null> => {
      lookups.push(ip);
      return ip === '203.0.113.66'
        ? { latitude: MOSCOW.lat, longitude: MOSCOW.lon, country: 'RU', asn: 12389 }
        : { latitude: NEW_YORK.lat, longitude: NEW_YORK.lon, country: 'US', asn: 7922 };
    };
    const before = okta({ at: hours(0), ip: '198.51.100.7', place: null });
    const now = okta({ at: hours(1), ip: '203.0.113.66', place: null });
    const risk = await assess(now, [before], locate);
    assert.equal(risk.sign_in.location.source, 'geoip');
    assert.equal(risk.impossible_travel, true);
    assert.equal(new Set(lookups).size, lookups.length, 'no address looked up twice');
    const blind = await assess(now, [before], null);
    assert.equal(blind.distance_km, null, 'no coordinates, no distance');
    assert.equal(blind.impossible_travel, false);
  });

  it('takes the vendor’s own detection from the alert title', async () => {
    const alert = alertOf(
      'sentinel',
      {},
      [{ type: 'user', value: 'adelev@contoso.com', role: 'target' }],
      hours(0),
    );
    alert.title = 'Atypical travel';
    const risk = await assess(alert, []);
    assert.equal(risk.vendor_detection, 'impossible_travel');
    assert.equal(risk.risk, 'high');
  });
});

describe('riposte.sign_in_risk', () => {
  const context = {
    idempotencyKey: 'run:step:1',
    attempt: 1,
    runId: 'run',
    stepKey: 'step',
    signal: new AbortController().signal,
  };
  function historyOf(alerts: Alert[], truncated = false) {
    const asked: { users: readonly string[]; since: string; until: string; limit: number }[] = [];
    const history: UserAlertHistory = {
      get: async (id) => alerts.find((a) => a.id === id) ?? null,
      recent: async (users, window, limit) => {
        asked.push({ users, ...window, limit });
        return {
          alerts: alerts.filter((a) => a.eventTime >= window.since && a.eventTime <= window.until),
          truncated,
        };
      },
    };
    return { history, asked };
  }

  it('reads the alert and the user’s window, and reports the history it saw', async () => {
    const before = okta({ at: hours(-1), ip: '198.51.100.7', user: 'John.Doe@example.com' });
    const now = okta({ at: hours(0), ip: '203.0.113.66', place: MOSCOW, user: 'John.Doe@example.com' });
    const { history, asked } = historyOf([before, now], true);
    const action = signInRiskAction({ history: () => history, locate: () => null });
    const output = (await action.run({ alert_id: now.id, window_days: 7 }, context)) as Record<
      string,
      unknown
    >;
    assert.equal(output['impossible_travel'], true);
    assert.deepEqual(output['history'], { since: hours(-7 * 24), events: 2, truncated: true });
    assert.deepEqual(asked[0]?.users, ['john.doe@example.com', 'John.Doe@example.com']);
    assert.equal(asked[0]?.until, now.eventTime);
  });

  it('fails without retry for an unknown alert or one that names no user', async () => {
    const anonymous = alertOf('generic', {}, [{ type: 'ipv4', value: '203.0.113.66' }], hours(0));
    const { history } = historyOf([anonymous]);
    const action = signInRiskAction({ history: () => history, locate: () => null });
    for (const [id, code] of [
      ['alert_missing', 'not_found'],
      [anonymous.id, 'invalid_input'],
    ] as const) {
      await assert.rejects(action.run({ alert_id: id }, context), (error: unknown) => {
        assert.ok(error instanceof ActionError);
        assert.equal(error.code, code);
        assert.equal(error.retryable, false);
        return true;
      });
    }
  });
});

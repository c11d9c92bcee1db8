import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { preparedAlert } from '../../src/ingest/prepare-body.ts';
import { normalizerFor } from '../../src/ingest/normalizers/registry.ts';
import { UserAlertHistory } from '../../src/ingest/user-alert-history.ts';
import { openRiposte, type Riposte } from '../../src/riposte.ts';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/test-databases.ts';

/** An Okta System Log event in the shape of Okta's published samples. */
function oktaEvent(o: {
  uuid: string;
  user: string;
  at: string;
  ip: string;
  lat: number;
  lon: number;
  eventType?: string;
  result?: string;
}) {
  return {
    uuid: o.uuid,
    published: o.at,
    eventType: o.eventType ?? 'user.session.start',
    displayMessage: 'User login to Okta',
    severity: 'INFO',
    actor: { id: '00u1', type: 'User', alternateId: o.user, displayName: o.user },
    client: {
      ipAddress: o.ip,
      userAgent: { os: 'Mac OS X', browser: 'CHROME' },
      geographicalContext: { city: 'x', country: 'x', geolocation: { lat: o.lat, lon: o.lon } },
    },
    outcome: { result: o.result ?? 'SUCCESS' },
    securityContext: { asNumber: 394089 },
  };
}

/**
 * riposte.sign_in_risk against the real alert store: the user's earlier sign-ins are found through the
 * cases naming them (and among alerts not grouped yet), within the window, and nobody else's.
 */
for (const kind of databaseKinds()) {
  describe(`sign-in history on ${kind}`, () => {
    let t: TestDatabase;
    let riposte: Riposte;
    before(async () => {
      t = await createTestDatabase(kind);
      riposte = await openRiposte(
        loadConfig({}, { dataDir: t.dataDir, databaseUrl: t.url, logLevel: 'silent' }),
      );
    });
    after(async () => {
      await riposte.close();
      await t.drop();
    });

    const ingest = async (events: ReturnType<typeof oktaEvent>[]) => {
      const okta = normalizerFor('okta');
      const alerts = events.map((e) => {
        const draft = okta.normalize(e, { receivedAt: new Date().toISOString(), options: {} });
        return preparedAlert('okta', draft);
      });
      const { alertIds } = await riposte.writer.write({
        source: 'okta',
        format: 'okta',
        actor: { id: 'okta', type: 'source' },
        alerts,
        rejected: 0,
      });
      return alertIds;
    };
    const context = {
      idempotencyKey: 'run:step:1',
      attempt: 1,
      runId: 'run',
      stepKey: 'step',
      signal: new AbortController().signal,
    };

    it('finds the last sign-in across cases and ungrouped alerts, and flags impossible travel', async () => {
      const now = Date.now();
      const at = (minutes: number) => new Date(now + minutes * 60_000).toISOString();
      await ingest([
        // Too old for a 1-day window.
        oktaEvent({
          uuid: 'u0',
          user: 'Jane@example.com',
          at: at(-3 * 1440),
          ip: '198.51.100.1',
          lat: 48.85,
          lon: 2.35,
        }),
        oktaEvent({
          uuid: 'u1',
          user: 'Jane@example.com',
          at: at(-120),
          ip: '198.51.100.7',
          lat: 40.71,
          lon: -74.0,
        }),
        // Someone else, elsewhere, later.
        oktaEvent({
          uuid: 'u2',
          user: 'bob@example.com',
          at: at(-30),
          ip: '198.51.100.9',
          lat: 35.68,
          lon: 139.69,
        }),
      ]);
      await riposte.grouping.drain();
      // Not grouped yet when the playbook asks: still found.
      const [deny1, deny2, deny3, current] = await ingest([
        ...[-8, -6, -3].map((m, i) =>
          oktaEvent({
            uuid: `d${i}`,
            user: 'Jane@example.com',
            at: at(m),
            ip: '203.0.113.66',
            lat: 55.75,
            lon: 37.62,
            eventType: 'user.mfa.okta_verify.deny_push',
            result: 'FAILURE',
          }),
        ),
        oktaEvent({
          uuid: 'u3',
          user: 'Jane@example.com',
          at: at(0),
          ip: '203.0.113.66',
          lat: 55.75,
          lon: 37.62,
        }),
      ]);
      assert.ok(deny1 && deny2 && deny3 && current);
      const action = riposte.actions.get('riposte.sign_in_risk')!;
      const output = (await action.run({ alert_id: current, window_days: 1 }, context)) as {
        user: string;
        previous: { ip: string };
        impossible_travel: boolean;
        mfa_denials: number;
        mfa_fatigue: boolean;
        risk: string;
        history: unknown;
      };
      assert.equal(output.user, 'jane@example.com');
      assert.equal(output.previous.ip, '198.51.100.7', 'New York, not Paris (outside the window) or Bob');
      assert.equal(output.impossible_travel, true);
      assert.equal(output.mfa_denials, 3);
      assert.equal(output.mfa_fatigue, true);
      assert.equal(output.risk, 'high');
      // New York, three denials and the sign-in itself.
      assert.deepEqual(output.history, { since: at(-1440), events: 5, truncated: false });
    });

    it('reads each case newest first within its bound, and says when it stopped', async () => {
      const history = new UserAlertHistory(riposte.database.db);
      const now = Date.now();
      const since = new Date(now - 86_400_000).toISOString();
      const until = new Date(now + 60_000).toISOString();
      const all = await history.recent(['Jane@example.com'], { since, until }, 100);
      assert.equal(all.truncated, false);
      assert.ok(all.alerts.length >= 5);
      assert.ok(all.alerts.every((a) => a.observables.some((o) => o.value === 'Jane@example.com')));
      const times = all.alerts.map((a) => a.eventTime);
      assert.deepEqual(times, [...times].sort().reverse(), 'newest first');
      const two = await history.recent(['jane@example.com', 'Jane@example.com'], { since, until }, 2);
      assert.equal(two.alerts.length, 2);
      assert.equal(two.truncated, true);
      assert.deepEqual((await history.recent(['nobody@example.com'], { since, until }, 10)).alerts, []);
    });
  });
}

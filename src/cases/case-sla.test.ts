import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../config.ts';
import { caseSla } from './case-sla.ts';

const CRITICAL = { acknowledgeSeconds: 15 * 60, resolveSeconds: 4 * 3600 };
const OPENED = '2026-03-01T10:00:00.000Z';
const at = (minutes: number) => new Date(Date.parse(OPENED) + minutes * 60_000);
const iso = (minutes: number) => at(minutes).toISOString();

describe('case SLA', () => {
  it('is ok below 75 % of the acknowledge target, at risk from 75 %, breached past it', () => {
    const open = { createdAt: OPENED, acknowledgedAt: null, closedAt: null };
    assert.equal(caseSla(CRITICAL, open, at(11))?.state, 'ok');
    assert.equal(caseSla(CRITICAL, open, at(11.25))?.acknowledge.state, 'at_risk');
    assert.equal(caseSla(CRITICAL, open, at(14.9))?.state, 'at_risk');
    const late = caseSla(CRITICAL, open, at(16));
    assert.equal(late?.state, 'breached');
    assert.equal(late?.acknowledge.dueAt, iso(15));
    assert.equal(late?.resolve.state, 'ok');
  });

  it('meets the acknowledge target when taken in time, then follows the resolve clock', () => {
    const taken = { createdAt: OPENED, acknowledgedAt: iso(10), closedAt: null };
    const early = caseSla(CRITICAL, taken, at(60));
    assert.equal(early?.acknowledge.state, 'met');
    assert.equal(early?.acknowledge.doneAt, iso(10));
    assert.equal(early?.state, 'ok');
    assert.equal(caseSla(CRITICAL, taken, at(181))?.state, 'at_risk');
    assert.equal(caseSla(CRITICAL, taken, at(241))?.state, 'breached');
  });

  it('is met when closed within both targets, breached for good when a target was missed', () => {
    const closed = { createdAt: OPENED, acknowledgedAt: iso(5), closedAt: iso(100) };
    assert.equal(caseSla(CRITICAL, closed, at(10_000))?.state, 'met');
    const lateAck = { createdAt: OPENED, acknowledgedAt: iso(20), closedAt: iso(100) };
    const sla = caseSla(CRITICAL, lateAck, at(10_000));
    assert.equal(sla?.state, 'breached');
    assert.equal(sla?.acknowledge.state, 'breached');
    assert.equal(sla?.resolve.state, 'met');
    // Closing acknowledges too.
    const closedAtOnce = { createdAt: OPENED, acknowledgedAt: null, closedAt: iso(3) };
    assert.equal(caseSla(CRITICAL, closedAtOnce, at(10_000))?.state, 'met');
  });

  it('runs a contain clock when the target has one: done when contained, or when closed', () => {
    const target = { acknowledgeSeconds: 15 * 60, containSeconds: 3600, resolveSeconds: 4 * 3600 };
    const taken = { createdAt: OPENED, acknowledgedAt: iso(5), containedAt: null, closedAt: null };
    assert.equal(caseSla(target, taken, at(30))?.state, 'ok');
    assert.equal(caseSla(target, taken, at(46))?.contain?.state, 'at_risk');
    const late = caseSla(target, taken, at(61));
    assert.equal(late?.state, 'breached');
    assert.equal(late?.contain?.dueAt, iso(60));
    const contained = caseSla(target, { ...taken, containedAt: iso(50) }, at(120));
    assert.equal(contained?.contain?.state, 'met');
    assert.equal(contained?.state, 'ok');
    // A case closed (a false positive, say) has nothing left to contain.
    assert.equal(caseSla(target, { ...taken, closedAt: iso(20) }, at(500))?.contain?.state, 'met');
    // Without a contain target there is no contain clock.
    assert.equal(caseSla(CRITICAL, taken, at(30))?.contain, undefined);
  });

  it('is absent for a severity without targets', () => {
    assert.equal(
      caseSla(undefined, { createdAt: OPENED, acknowledgedAt: null, closedAt: null }, at(1)),
      null,
    );
  });

  it('reads targets per severity from RIPOSTE_SLA_<SEVERITY>, "none" turning one off', () => {
    const config = loadConfig({ RIPOSTE_SLA_CRITICAL: '5m/1h', RIPOSTE_SLA_INFORMATIONAL: 'none' });
    assert.deepEqual(config.sla.critical, { acknowledgeSeconds: 300, resolveSeconds: 3600 });
    assert.equal(config.sla.informational, undefined);
    assert.deepEqual(config.sla.high, {
      acknowledgeSeconds: 3600,
      containSeconds: 8 * 3600,
      resolveSeconds: 86_400,
    });
    assert.deepEqual(loadConfig({ RIPOSTE_SLA_LOW: '30m/2h/1d' }).sla.low, {
      acknowledgeSeconds: 1800,
      containSeconds: 7200,
      resolveSeconds: 86_400,
    });
    assert.throws(() => loadConfig({ RIPOSTE_SLA_HIGH: '1h' }), /RIPOSTE_SLA_HIGH must be/);
    assert.throws(() => loadConfig({ RIPOSTE_SLA_LOW: '2h/1h' }), /RIPOSTE_SLA_LOW/);
    assert.throws(() => loadConfig({ RIPOSTE_SLA_LOW: '1h/30m/2h' }), /each not sooner than the one before/);
    assert.throws(() => loadConfig({ RIPOSTE_SLA_LOW: '1h/2h/3h/4h' }), /RIPOSTE_SLA_LOW/);
  });
});

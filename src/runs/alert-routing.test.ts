import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Alert } from '../core/alert.ts';
import { planOf, yaml } from '../../test/fixtures/playbooks/compile-fixture.ts';
import { VALUE_LIMITS } from '../playbooks/cel-value.ts';
import { routeAlert } from './alert-routing.ts';

const playbook = (id: string, triggers: string) =>
  ({
    plan: planOf(
      yaml(`
        id: ${id}
        name: ${id}
        triggers: ${triggers}
        steps:
          - { id: done, end: true }
      `),
    ),
  }) as const;

const alert = (fields: Partial<Alert>): Alert =>
  ({
    id: 'alert_1',
    title: 't',
    severity: 'low',
    category: 'other',
    format: 'generic',
    rule: null,
    observables: [],
    ...fields,
  }) as Alert;

const plans = [
  playbook('phishing', '{ alert: "${{ alert.category == \'phishing\' }}" }'),
  playbook('ids', '{ alert: "${{ alert.format == \'suricata\' }}" }'),
  playbook('checklist', '{ alert: true, fallback: true }'),
  playbook('high_fallback', '{ alert: "${{ alert.severity == \'high\' }}", fallback: true }'),
  playbook('scheduled', "{ schedule: ['0 * * * *'] }"),
];
const ids = (routed: readonly { plan: { id: string } }[]) => routed.map((r) => r.plan.id);

test('an alert a playbook claims goes to it, and to no fallback', () => {
  assert.deepEqual(ids(routeAlert(plans, alert({ category: 'phishing', severity: 'high' }))), ['phishing']);
});

test('every matching playbook runs, in the order given', () => {
  const both = alert({ category: 'phishing', format: 'suricata' });
  assert.deepEqual(ids(routeAlert(plans, both)), ['phishing', 'ids']);
});

test('an alert nobody claims goes to the fallbacks whose own condition matches it', () => {
  assert.deepEqual(ids(routeAlert(plans, alert({ severity: 'low' }))), ['checklist']);
  assert.deepEqual(ids(routeAlert(plans, alert({ severity: 'high' }))), ['checklist', 'high_fallback']);
});

test('a trigger that fails to evaluate does not claim the alert, and is reported', () => {
  const broken = playbook('broken', '{ alert: "${{ alert.rule.name == \'x\' }}" }');
  const reported: string[] = [];
  const routed = routeAlert([broken, ...plans], alert({}), (_e, id) => reported.push(id));
  assert.deepEqual(ids(routed), ['checklist']);
  assert.deepEqual(reported, ['broken']);
});

test('without a fallback, an unclaimed alert starts nothing', () => {
  assert.deepEqual(ids(routeAlert(plans.slice(0, 2), alert({}))), []);
});

test('an alert over the value bounds as a whole still starts the playbooks whose triggers read only fields within them', () => {
  const observables = Array.from({ length: VALUE_LIMITS.maxListItems + 1 }, (_, i) => ({
    type: 'ip',
    value: `10.0.${i >> 8}.${i & 255}`,
  }));
  const large = alert({ format: 'suricata', observables } as Partial<Alert>);
  const counting = playbook('counting', '{ alert: "${{ alert.observables.exists(o, o.type == \'ip\') }}" }');
  const reported: unknown[] = [];
  const routed = routeAlert([counting, ...plans], large, (error) => reported.push(error));
  assert.deepEqual(ids(routed), ['ids']);
  assert.equal(reported.length, 1);
  assert.match(String((reported[0] as Error).message), /10000/);
});

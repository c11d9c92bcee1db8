import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { Alert } from '../core/alert.ts';
import { offlineCatalog } from '../connections/offline-catalog.ts';
import { checkDraft } from '../ingest/draft-check.ts';
import { normalizerFor } from '../ingest/normalizers/registry.ts';
import { compilePlaybook, formatIssues } from '../playbooks/compile-playbook.ts';
import { routeAlert } from '../runs/alert-routing.ts';
import { builtinFiles } from '../runs/builtin-playbooks.ts';
import { DEMO_ALERTS } from './demo-alerts.ts';

const NOW = new Date('2030-01-01T12:00:00.000Z');
const catalog = offlineCatalog();
const plans = builtinFiles().map((file) => {
  const result = compilePlaybook(readFileSync(file, 'utf8'), { file, catalog });
  assert.ok(result.ok, result.ok ? '' : formatIssues(result.errors));
  return { plan: result.plan };
});

function normalize(alert: (typeof DEMO_ALERTS)[number]): Alert {
  const normalizer = normalizerFor(alert.format);
  const records = normalizer.split(alert.body(NOW), alert.contentType);
  assert.equal(records.length, 1, `${alert.key}: one record`);
  const record = records[0]!;
  assert.ok(record.ok, `${alert.key}: splits`);
  const draft = checkDraft(
    normalizer.normalize(record.record, { receivedAt: NOW.toISOString(), options: {} }),
  );
  return {
    ...draft,
    id: `alert_${alert.key}`,
    source: 'demo',
    format: alert.format,
    rule: draft.rule ?? null,
    fingerprint: 'f',
    firstSeen: draft.eventTime,
    lastSeen: draft.eventTime,
    count: 1,
    caseId: null,
    status: 'new',
    createdAt: NOW.toISOString(),
  };
}

/** The demo's sample alerts are real vendor records: each one normalizes and reaches its playbook. */
describe('demo sample alerts', () => {
  it('have unique keys and cover every built-in scenario', () => {
    assert.equal(new Set(DEMO_ALERTS.map((a) => a.key)).size, DEMO_ALERTS.length);
    const playbooks = new Set(DEMO_ALERTS.map((a) => a.playbook));
    for (const { plan } of plans)
      assert.ok(playbooks.has(plan.id), `no demo alert reaches the built-in ${plan.id}`);
  });

  for (const sample of DEMO_ALERTS) {
    it(`${sample.key} (${sample.format}) normalizes and is routed to ${sample.playbook}`, () => {
      const alert = normalize(sample);
      assert.ok(alert.eventTime <= NOW.toISOString(), `${sample.key}: an event of the past`);
      assert.deepEqual(
        routeAlert(plans, alert).map((p) => p.plan.id),
        [sample.playbook],
        JSON.stringify({ title: alert.title, category: alert.category, observables: alert.observables }),
      );
    });
  }
});

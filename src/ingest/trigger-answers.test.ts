import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { eveAlert } from '../../test/fixtures/own/suricata-eve.ts';
import type { Format } from '../core/format.ts';
import { offlineCatalog } from '../connections/offline-catalog.ts';
import { TRIGGER_ROOTS } from '../playbooks/cel-environment.ts';
import { compilePlaybook } from '../playbooks/compile-playbook.ts';
import { compileExpression, type PlaybookExpression } from '../playbooks/expression.ts';
import { routeAlert } from '../runs/alert-routing.ts';
import { builtinFiles } from '../runs/builtin-playbooks.ts';
import { toAlert } from './alert-query.ts';
import { alertRow, prepareBody, type SourceRef } from './prepare-body.ts';
import {
  answerableEarly,
  compileTriggerSet,
  earlyAnswer,
  rememberTriggerAnswers,
  triggerScope,
} from './trigger-answers.ts';

const RECEIVED = '2026-12-01T10:00:00.000Z';
const trigger = (source: string) => compileExpression(source, { roots: TRIGGER_ROOTS });

/** The built-in playbooks' alert triggers, and some that read the fields the others do not. */
const builtinTriggers = builtinFiles().flatMap((file) => {
  const result = compilePlaybook(readFileSync(file, 'utf8'), { file, catalog: offlineCatalog() });
  assert.ok(result.ok);
  return result.plan.triggers.alert === null ? [] : [result.plan.triggers.alert as PlaybookExpression];
});
const own = [
  'alert.source == "edge" && alert.severity in ["high", "critical"]',
  'alert.description.contains("allowed")',
  'alert.rule.name.startsWith("ET ")',
  'has(alert.raw.src_ip) && alert.raw.src_ip.startsWith("10.")',
  'alert.sourceRef == "x"',
  'alert.fingerprint != "" && size(alert.eventTime) > 0',
].map(trigger);
const early = [...builtinTriggers, ...own].filter(answerableEarly);

/** Bodies in several formats, from the project's own fixtures. */
const bodies: { format: Format; body: string; contentType: string }[] = [
  {
    format: 'suricata',
    body: [
      eveAlert({ srcIp: '10.1.2.3', sid: 2_000_001 }),
      eveAlert({ srcIp: '198.51.100.7', sid: 2_000_002 }),
    ]
      .map((event) => JSON.stringify(event))
      .join('\n'),
    contentType: 'application/x-ndjson',
  },
  ...(
    [
      ['cef', 'cef-lines.txt', 'text/plain'],
      ['leef', 'leef-lines.txt', 'text/plain'],
      ['crowdstrike', 'crowdstrike-alerts-api.json', 'application/json'],
      ['guardduty', 'guardduty-asff.json', 'application/json'],
      ['sentinel', 'sentinel-rest-alert-entities.json', 'application/json'],
    ] as const
  ).map(([format, file, contentType]) => ({
    format,
    body: readFileSync(new URL(`../../test/fixtures/vendor/${file}`, import.meta.url), 'utf8'),
    contentType,
  })),
];

describe('alert triggers answered where the body is prepared', () => {
  it('are those reading only fields known before the alert is stored, in place', () => {
    assert.ok(
      answerableEarly(trigger('alert.format == "okta" && alert.observables.exists(o, o.type == "user")')),
    );
    assert.ok(answerableEarly(trigger('alert.raw.event_type == "alert"')));
    assert.ok(answerableEarly(trigger('true')));
    for (const later of ['has(alert.caseId)', 'alert.count > 1', 'alert.status == "new"', 'alert.id != ""'])
      assert.ok(!answerableEarly(trigger(later)), `${later}: given by the writer`);
    assert.ok(!answerableEarly(trigger('alert["format"] == "x" || alert.exists(k, k == "x")')));
    assert.ok(!answerableEarly(trigger('alert.title.matches("(?i)ransom")')), 'the time-limit thread');
    // Every built-in trigger is answered early but account_compromise's (it holds `matches`).
    assert.deepEqual(
      builtinTriggers.filter((t) => !answerableEarly(t)).map((t) => t.guarded),
      [true],
    );
  });

  it('give, for every alert of every format, what evaluating them on the stored alert gives', () => {
    const set = compileTriggerSet({ generation: 1, sources: early.map((t) => t.source) });
    let alerts = 0;
    let matched = 0;
    for (const { format, body, contentType } of bodies) {
      const source: SourceRef = { name: 'edge', format, options: {} };
      const prepared = prepareBody(source, body, contentType, RECEIVED, set);
      assert.ok(prepared.alerts.length > 0, format);
      for (const alert of prepared.alerts) {
        alerts++;
        const answers = alert.triggers;
        assert.ok(answers, format);
        // The writer's row for the alert, with the fields the writer gives.
        const row = {
          ...alertRow('edge', format, alert, RECEIVED, 'alert_1'),
          case_id: 'case_1',
          count: 3,
        };
        const stored = toAlert(row);
        early.forEach((t, i) => {
          let expected: boolean | 'failed';
          try {
            expected = t.evaluate(triggerScope(stored)) === true;
          } catch {
            expected = 'failed';
          }
          const given = answers.failed.includes(i) ? 'failed' : answers.matched.includes(i);
          assert.equal(given, expected, `${format} ${alert.title}: ${t.source}`);
          if (given === true) matched++;
        });
      }
    }
    assert.ok(alerts >= 10 && matched >= alerts, `${alerts} alerts, ${matched} matches`);
  });

  it('are taken by the trigger source they were given for, and never when they failed', () => {
    const [format, suricata] = [trigger('alert.format == "suricata"'), trigger('alert.rule.name == "x"')];
    const set = compileTriggerSet({ generation: 7, sources: [format.source, suricata.source] });
    const body = JSON.stringify(eveAlert({ srcIp: '10.0.0.1', sid: 1 }));
    const [alert] = prepareBody(
      { name: 'ids', format: 'suricata', options: {} },
      body,
      'application/json',
      RECEIVED,
      set,
    ).alerts;
    assert.ok(alert?.triggers);
    const row = alertRow('ids', 'suricata', alert, RECEIVED, 'alert_2');
    assert.equal(earlyAnswer(row, format), undefined, 'nothing remembered for the row yet');
    rememberTriggerAnswers(row, alert.triggers);
    assert.equal(earlyAnswer(row, format), true);
    assert.equal(earlyAnswer(row, suricata), false);
    assert.equal(earlyAnswer(row, trigger('alert.format == "zeek"')), undefined, 'a trigger changed since');
    const failing = compileTriggerSet({ generation: 8, sources: ['alert.raw.no_such_field == 1'] });
    const [broken] = prepareBody(
      { name: 'ids', format: 'suricata', options: {} },
      body,
      'application/json',
      RECEIVED,
      failing,
    ).alerts;
    assert.deepEqual(broken?.triggers?.failed, [0]);
    const brokenRow = alertRow('ids', 'suricata', broken!, RECEIVED, 'alert_3');
    rememberTriggerAnswers(brokenRow, broken!.triggers);
    assert.equal(earlyAnswer(brokenRow, trigger('alert.raw.no_such_field == 1')), undefined);
  });

  it('spare routing the alert: only the triggers not answered are evaluated', () => {
    const plans = ['alert.format == "suricata"', 'alert.severity == "high"'].map((source, i) => ({
      plan: { id: `p${i}`, triggers: { alert: trigger(source), case: [], schedule: [], manual: false } },
    })) as unknown as Parameters<typeof routeAlert>[0];
    let built = 0;
    const alertOf = () => {
      built++;
      return toAlert(
        alertRow(
          'ids',
          'suricata',
          prepareBody(
            { name: 'ids', format: 'suricata', options: {} },
            JSON.stringify(eveAlert({ srcIp: '10.0.0.1', sid: 1 })),
            'application/json',
            RECEIVED,
          ).alerts[0]!,
          RECEIVED,
          'alert_4',
        ),
      );
    };
    const all = routeAlert(plans, alertOf, undefined, () => true);
    assert.deepEqual(
      all.map((p) => p.plan.id),
      ['p0', 'p1'],
    );
    assert.equal(built, 0, 'every trigger answered: the alert is never built');
    const some = routeAlert(plans, alertOf, undefined, (t) =>
      t.source.includes('format') ? false : undefined,
    );
    assert.deepEqual(
      some.map((p) => p.plan.id),
      [],
    );
    assert.equal(built, 1, 'built once for the trigger evaluated here');
  });
});

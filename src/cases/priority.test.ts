import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computePriority } from './priority.ts';

describe('computePriority', () => {
  it('starts from severity and explains it', () => {
    const p = computePriority({ severity: 'high', alertCount: 1 });
    assert.equal(p.score, 60);
    assert.deepEqual(p.factors, [{ factor: 'severity', points: 60, detail: 'severity high' }]);
  });

  it('a critical asset raises the score and names the asset', () => {
    const p = computePriority({
      severity: 'medium',
      alertCount: 1,
      asset: { type: 'host', value: 'dc01', criticality: 'critical' },
    });
    assert.equal(p.score, 60);
    assert.equal(p.factors[1]?.detail, 'host dc01 has criticality critical');
  });

  it('ignores rule history until the rule has three closed cases', () => {
    const history = { ruleKey: 'ids:1', truePositive: 0, falsePositive: 2, benignPositive: 0, duplicate: 0 };
    assert.equal(computePriority({ severity: 'medium', alertCount: 1, history }).score, 40);
  });

  it('a noisy rule lowers the score, a reliable one raises it', () => {
    const noisy = computePriority({
      severity: 'medium',
      alertCount: 1,
      history: { ruleKey: 'r', truePositive: 0, falsePositive: 3, benignPositive: 1, duplicate: 0 },
    });
    assert.equal(noisy.score, 10);
    const reliable = computePriority({
      severity: 'medium',
      alertCount: 1,
      history: { ruleKey: 'r', truePositive: 4, falsePositive: 0, benignPositive: 0, duplicate: 5 },
    });
    assert.equal(reliable.score, 50);
  });

  it('alert volume adds at most 10 and the score stays within 0–100', () => {
    assert.equal(
      computePriority({
        severity: 'critical',
        alertCount: 1_000_000,
        asset: { type: 'ipv4', value: '10.0.0.1', criticality: 'critical' },
      }).score,
      100,
    );
    assert.equal(computePriority({ severity: 'low', alertCount: 4 }).factors.at(-1)?.points, 4);
    const floor = computePriority({
      severity: 'informational',
      alertCount: 1,
      history: { ruleKey: 'r', truePositive: 0, falsePositive: 10, benignPositive: 0, duplicate: 0 },
    });
    assert.equal(floor.score, 0);
  });

  it('indicators from threat feeds raise the score, and the factor says how many and from where', () => {
    const base = computePriority({ severity: 'medium', alertCount: 1 }).score;
    const one = computePriority({
      severity: 'medium',
      alertCount: 1,
      intel: { matches: 1, sources: ['feodo'], confidence: 80 },
    });
    assert.equal(one.score, base + 15);
    assert.deepEqual(one.factors[1], {
      factor: 'threat_intel',
      points: 15,
      detail: 'threat intel: 1 observable matches indicators from feodo (confidence up to 80)',
    });
    const two = computePriority({
      severity: 'medium',
      alertCount: 1,
      intel: { matches: 2, sources: ['feodo', 'misp'], confidence: 80 },
    });
    assert.equal(two.score, base + 20);
    assert.match(two.factors[1]!.detail, /2 observables match indicators from feodo, misp/);
    const weak = computePriority({
      severity: 'medium',
      alertCount: 1,
      intel: { matches: 1, sources: ['osint'], confidence: 30 },
    });
    assert.equal(weak.score, base + 5);
  });
});

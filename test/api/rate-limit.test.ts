import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHarness, type Harness } from '../support/harness.ts';

describe('API rate limit per person or token', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness('sqlite', { rateLimitPerMinute: 5 });
  });
  after(() => h?.close());

  it('lets a principal burst to the limit, then answers 429 with Retry-After; others keep their own budget', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await h.as('analyst', { method: 'GET', url: '/api/v1/cases' });
      assert.equal(res.statusCode, 200, `request ${i + 1}`);
      assert.equal(res.headers['ratelimit-limit'], '5');
      assert.equal(res.headers['ratelimit-remaining'], String(4 - i));
    }
    const refused = await h.as('analyst', { method: 'GET', url: '/api/v1/cases' });
    assert.equal(refused.statusCode, 429);
    assert.equal(refused.json().code, 'rate_limited');
    assert.match(
      refused.json().detail,
      /token test-analyst made more than 5 requests in a minute; try again in 12 s/,
    );
    assert.equal(refused.headers['retry-after'], '12');
    // Writes count as much as reads, and a forbidden request still spends from the bucket.
    const viewer = await h.as('viewer', { method: 'POST', url: '/api/v1/alerts/bulk', payload: {} });
    assert.equal(viewer.statusCode, 403);
    assert.equal(viewer.headers['ratelimit-remaining'], '4');
    const other = await h.as('manager', { method: 'GET', url: '/api/v1/cases' });
    assert.equal(other.statusCode, 200);
    // Public routes are not limited.
    for (let i = 0; i < 8; i++)
      assert.equal((await h.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
    const metrics = await h.app.inject({ method: 'GET', url: '/metrics' });
    assert.match(metrics.body, /^riposte_rate_limited_total 1$/m);
  });
});

describe('API rate limit off', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness('sqlite', { rateLimitPerMinute: 0 });
  });
  after(() => h?.close());

  it('sends no rate-limit headers and never refuses', async () => {
    for (let i = 0; i < 20; i++) {
      const res = await h.as('viewer', { method: 'GET', url: '/api/v1/cases' });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['ratelimit-limit'], undefined);
    }
  });
});

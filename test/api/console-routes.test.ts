import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { consoleRoutes } from '../../src/server/routes/console-routes.ts';

describe('console routes', () => {
  let app: FastifyInstance;
  let empty: FastifyInstance;
  // The console's files, and beside them one the routes must never serve.
  const root = mkdtempSync(path.join(tmpdir(), 'riposte-console-'));
  before(async () => {
    const dist = path.join(root, 'dist');
    mkdirSync(path.join(dist, 'assets'), { recursive: true });
    writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(path.join(dist, 'assets', 'app-1234.js'), 'console.log(1)');
    writeFileSync(path.join(path.dirname(dist), 'secret.txt'), 'outside');
    app = Fastify();
    consoleRoutes(app, dist);
    empty = Fastify();
    consoleRoutes(empty, path.join(dist, 'missing'));
  });
  after(async () => {
    await app.close();
    await empty.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('redirects / to the console', async () => {
    const res = await app.inject({ url: '/' });
    assert.equal(res.statusCode, 302);
    assert.equal(res.headers.location, '/ui/');
  });

  it('serves hashed assets for good and index.html for every console path, never cached', async () => {
    const asset = await app.inject({ url: '/ui/assets/app-1234.js' });
    assert.equal(asset.statusCode, 200);
    assert.match(String(asset.headers['content-type']), /javascript/);
    assert.match(String(asset.headers['cache-control']), /immutable/);
    for (const url of ['/ui/', '/ui/cases/c_1', '/ui/playbooks/new?x=1']) {
      const page = await app.inject({ url });
      assert.equal(page.statusCode, 200, url);
      assert.match(page.body, /<title>console<\/title>/);
      assert.equal(page.headers['cache-control'], 'no-cache');
      assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
    }
  });

  it('answers 404 for a missing asset and never serves a file outside the build', async () => {
    assert.equal((await app.inject({ url: '/ui/assets/gone-1.js' })).statusCode, 404);
    const escape = await app.inject({ url: '/ui/..%2Fsecret.txt' });
    assert.doesNotMatch(escape.body, /outside/);
  });

  it('explains how to build the console when it is not built', async () => {
    const res = await empty.inject({ url: '/ui/' });
    assert.equal(res.statusCode, 503);
    assert.match(res.body, /npm run build:web/);
  });
});

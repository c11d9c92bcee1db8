import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { IntegrationCatalog, manifestOf } from './integration-catalog.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'riposte-pkg-'));
const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return pathToFileURL(file).href;
};

describe('integrations from packages', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('loads a package exporting a definition, and describes it in the manifest', async () => {
    const good = write(
      'good.mjs',
      `export default {
        id: 'acme', name: 'ACME', version: '2.1.0', categories: ['edr'], docs: 'https://acme.example/docs',
        baseUrl: 'https://api.acme.example', credentials: [{ name: 'token', label: 'Token', secret: true, required: true }],
        auth: { kind: 'header', header: 'Authorization', field: 'token', prefix: 'Bearer ' },
        actions: [{ name: 'isolate_host', title: 'Isolate', description: 'Isolate a host', effect: 'destructive',
          inverse: 'release_host', input: { type: 'object', properties: { host: { type: 'string' } }, required: ['host'] },
          run: async () => ({ ok: true }) }],
      };`,
    );
    const catalog = new IntegrationCatalog([]);
    const [loaded] = await catalog.loadPackages([good]);
    assert.equal(loaded?.id, 'acme');
    const manifest = manifestOf(catalog.get('acme'));
    assert.deepEqual(manifest.actions[0], {
      id: 'acme.isolate_host',
      name: 'isolate_host',
      title: 'Isolate',
      description: 'Isolate a host',
      effect: 'destructive',
      input: { type: 'object', properties: { host: { type: 'string' } }, required: ['host'] },
      output: null,
      inverse: 'acme.release_host',
      timeoutMs: null,
      retry: null,
      cacheTtlSeconds: null,
      enrichment: false,
    });
    assert.equal(manifest.credentials[0]?.secret, true);
    assert.equal(manifest.feed, null, 'no alerts to pull');
  });

  it('describes a feed a package declares, and refuses one it could not poll', async () => {
    const definition = (feed: string) => `export default {
      id: 'acme_edr', name: 'ACME EDR', version: '1.0.0', categories: ['edr'], docs: 'https://acme.example/docs',
      baseUrl: 'https://api.acme.example', credentials: [], auth: { kind: 'none' },
      actions: [{ name: 'ping', title: 'Ping', description: 'Ping', effect: 'read', input: { type: 'object' }, run: async () => ({}) }],
      feed: ${feed},
    };`;
    const catalog = new IntegrationCatalog([]);
    await catalog.loadPackages([
      write(
        'feed.mjs',
        definition(`{ format: 'ocsf', title: 'ACME findings', pageSize: { default: 100, max: 500 }, overlap: true,
          defaultFilter: null, fetchPage: async () => ({ records: [], cursor: null, more: false }), describe: () => null }`),
      ),
    ]);
    assert.deepEqual(manifestOf(catalog.get('acme_edr')).feed, {
      format: 'ocsf',
      title: 'ACME findings',
      pageSize: { default: 100, max: 500 },
      overlap: true,
      defaultFilter: null,
    });
    await assert.rejects(
      new IntegrationCatalog([]).loadPackages([
        write(
          'feed-format.mjs',
          definition(`{ format: 'xml', fetchPage: async () => ({}), describe: () => null }`),
        ),
      ]),
      /feed\.format must be an ingest format/,
    );
    await assert.rejects(
      new IntegrationCatalog([]).loadPackages([
        write(
          'feed-size.mjs',
          definition(
            `{ format: 'ocsf', pageSize: { default: 600, max: 500 }, fetchPage: async () => ({}), describe: () => null }`,
          ),
        ),
      ]),
      /feed\.pageSize must be/,
    );
  });

  it('refuses a malformed package, naming it and what is wrong', async () => {
    const bad = write(
      'bad.mjs',
      `export const integrations = [{ id: 'Bad Id', name: 'x', version: '1', categories: [], docs: '', baseUrl: '', credentials: [], auth: { kind: 'none' }, actions: [] }];`,
    );
    await assert.rejects(
      new IntegrationCatalog([]).loadPackages([bad]),
      /bad\.mjs\[0\]: id must be a lowercase snake slug/,
    );
    await assert.rejects(
      new IntegrationCatalog([]).loadPackages(['riposte-no-such-package']),
      /cannot be loaded/,
    );
  });
});

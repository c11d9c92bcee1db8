import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

/**
 * The module picture in docs/architecture.md, checked: dependencies point inward, `core` is pure,
 * only `server`, `cli` and the composition root wire implementations, nothing reads process.env but
 * config.ts, and there are no import cycles.
 */
const SRC = new URL('../src/', import.meta.url).pathname;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? files(path.join(dir, e.name))
      : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')
        ? [path.join(dir, e.name)]
        : [],
  );
}

const modules = files(SRC).map((file) => {
  const text = readFileSync(file, 'utf8');
  const imports = [...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'(\.{1,2}\/[^']+)'/gm)].map((m) =>
    path.resolve(path.dirname(file), m[1]!),
  );
  return { file, rel: path.relative(SRC, file), text, imports: imports.map((i) => path.relative(SRC, i)) };
});

const area = (rel: string) => (rel.includes('/') ? rel.split('/')[0]! : rel.replace(/\.ts$/, ''));

/** Which areas each area may import. */
const ALLOWED: Record<string, string[]> = {
  core: ['core'],
  security: ['core', 'security'],
  store: ['core', 'store'],
  audit: ['core', 'store', 'audit'],
  ingest: ['core', 'store', 'audit', 'cases', 'sources', 'ingest', 'config', 'live', 'limits'],
  cases: ['core', 'store', 'audit', 'ingest', 'cases', 'config', 'intel', 'live'],
  intel: ['core', 'store', 'audit', 'integrations', 'intel'],
  sources: ['core', 'store', 'audit', 'security', 'ingest', 'sources'],
  // Pulled sources: the schedule and positions, calling integrations' feeds through their instances.
  pull: ['core', 'store', 'audit', 'ingest', 'sources', 'integrations', 'connections', 'pull'],
  auth: ['core', 'store', 'audit', 'security', 'auth', 'config', 'limits'],
  assets: ['core', 'store', 'audit', 'cases', 'assets'],
  // The configuration of a tenant is derived from the main one (tenants/tenant-config.ts).
  config: ['core', 'tenants'],
  // Tenants: the list (in the main database), their configuration and provisioning.
  tenants: ['core', 'store', 'audit', 'auth', 'config', 'tenants'],
  playbooks: ['core', 'playbooks'],
  engine: ['core', 'engine'],
  queue: ['core', 'queue'],
  // Token buckets and attempt windows, in memory or shared in Redis.
  limits: ['core', 'limits'],
  integrations: ['core', 'integrations'],
  connections: ['core', 'store', 'audit', 'security', 'integrations', 'connections', 'actions'],
  response: ['core', 'store', 'audit', 'cases', 'engine', 'response', 'live'],
  actions: ['core', 'actions', 'audit', 'cases', 'assets', 'edl', 'ingest'],
  edl: ['core', 'store', 'audit', 'security', 'edl'],
  secrets: ['core', 'store', 'audit', 'security', 'secrets'],
  runs: [
    'core',
    'store',
    'audit',
    'engine',
    'playbooks',
    'queue',
    'actions',
    'cases',
    'ingest',
    'runs',
    'connections',
    'response',
    'live',
  ],
  riposte: [
    'core',
    'store',
    'audit',
    'security',
    'ingest',
    'cases',
    'sources',
    'pull',
    'auth',
    'assets',
    'config',
    'actions',
    'queue',
    'runs',
    'secrets',
    'playbooks',
    'connections',
    'integrations',
    'intel',
    'response',
    'edl',
    'live',
    'dashboard',
    'views',
    'reports',
    'tenants',
    'line-logger',
    'limits',
  ],
  // Background work's log lines, at the configured level.
  'line-logger': ['config'],
  live: ['core', 'store', 'engine', 'live'],
  dashboard: ['core', 'store', 'dashboard'],
  views: ['core', 'store', 'audit', 'views'],
  reports: ['core', 'store', 'audit', 'cases', 'connections', 'response', 'runs', 'reports'],
  server: ['*'],
  cli: ['*'],
  // The demo wires a whole Riposte (like the CLI) to the integrations' fake servers.
  demo: ['core', 'config', 'audit', 'engine', 'integrations', 'riposte', 'server', 'demo'],
};

describe('architecture', () => {
  it('every import follows the dependency rules', () => {
    const violations: string[] = [];
    for (const m of modules) {
      const allowed = ALLOWED[area(m.rel)];
      assert.ok(
        allowed,
        `${m.rel} is in an area the rules do not know: add it to ALLOWED and docs/architecture.md`,
      );
      if (allowed.includes('*')) continue;
      for (const target of m.imports)
        if (!allowed.includes(area(target))) violations.push(`${m.rel} → ${target}`);
    }
    assert.deepEqual(violations, []);
  });

  it('normalizers are pure: no I/O, no clock', () => {
    for (const m of modules.filter((x) => x.rel.startsWith('ingest/normalizers/'))) {
      assert.doesNotMatch(m.text, /from 'node:(fs|net|http|https|child_process)'/, m.rel);
      assert.doesNotMatch(
        m.text,
        /Date\.now\(\)|new Date\(\)/,
        `${m.rel} reads the clock; use ctx.receivedAt`,
      );
    }
  });

  it('the engine core and the playbook compiler are pure: no I/O, no clock, no randomness', () => {
    const pure = modules.filter(
      (x) =>
        (x.rel.startsWith('engine/') || x.rel.startsWith('playbooks/')) &&
        !/(micro-bench|test-plans|test-driver)\.ts$/.test(x.rel),
    );
    assert.ok(pure.length > 20);
    for (const m of pure) {
      assert.doesNotMatch(m.text, /from 'node:(fs|http|https|child_process|worker_threads)'/, m.rel);
      assert.doesNotMatch(
        m.text,
        /Date\.now\(\)|new Date\(\)|Math\.random/,
        `${m.rel}: time and randomness come from the context`,
      );
    }
  });

  it('threat-intelligence parsers are pure: no I/O, no clock', () => {
    const parsers = modules.filter((x) => x.rel.startsWith('intel/parsers/'));
    assert.ok(parsers.length >= 6);
    for (const m of parsers) {
      assert.doesNotMatch(m.text, /from 'node:(fs|http|https|child_process|dns)'/, m.rel);
      assert.doesNotMatch(m.text, /Date\.now\(\)|new Date\(\)/, `${m.rel} reads the clock`);
    }
  });

  it('only config.ts reads process.env', () => {
    const readers = modules.filter((m) => /process\.env\b/.test(m.text)).map((m) => m.rel);
    assert.deepEqual(
      readers.filter((r) => r !== 'config.ts' && !r.startsWith('cli/')),
      [],
    );
  });

  it('has no import cycles', () => {
    const graph = new Map(modules.map((m) => [m.rel, m.imports]));
    const state = new Map<string, 'visiting' | 'done'>();
    const cycles: string[] = [];
    const visit = (node: string, trail: string[]): void => {
      if (state.get(node) === 'done') return;
      if (state.get(node) === 'visiting') {
        cycles.push([...trail.slice(trail.indexOf(node)), node].join(' → '));
        return;
      }
      state.set(node, 'visiting');
      for (const next of graph.get(node) ?? []) visit(next, [...trail, node]);
      state.set(node, 'done');
    };
    for (const node of graph.keys()) visit(node, []);
    assert.deepEqual(cycles, []);
  });
});

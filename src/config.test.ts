import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('defaults to SQLite in ./data on port 8080, frozen', () => {
    const config = loadConfig({});
    assert.match(config.databaseUrl, /^sqlite:\/\/.*data\/riposte\.db$/);
    assert.equal(config.port, 8080);
    assert.ok(Object.isFrozen(config));
  });

  it('takes the documented environment variables', () => {
    const config = loadConfig({
      RIPOSTE_DATA_DIR: '/tmp/x',
      RIPOSTE_PORT: '9000',
      RIPOSTE_DATABASE_URL: 'postgres://u@h/db',
      RIPOSTE_DEDUP_WINDOW: '60',
      RIPOSTE_SQLITE_CACHE_MB: '128',
    });
    assert.equal(config.dataDir, '/tmp/x');
    assert.equal(config.port, 9000);
    assert.equal(config.databaseUrl, 'postgres://u@h/db');
    assert.equal(config.dedupWindowSeconds, 60);
    assert.equal(config.sqliteCacheMb, 128);
    assert.equal(loadConfig({}).sqliteCacheMb, undefined, 'unset: the store chooses');
  });

  it('names the setting that is wrong', () => {
    assert.throws(
      () => loadConfig({ RIPOSTE_PORT: 'http' }),
      /RIPOSTE_PORT must be an integer between 0 and 65535, got "http"/,
    );
    assert.throws(
      () => loadConfig({ RIPOSTE_SQLITE_CACHE_MB: '1' }),
      /RIPOSTE_SQLITE_CACHE_MB must be an integer/,
    );
    assert.throws(
      () => loadConfig({ RIPOSTE_LOG_LEVEL: 'verbose' }),
      /RIPOSTE_LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent, got "verbose"/,
    );
    assert.throws(
      () => loadConfig({ RIPOSTE_DATABASE_URL: 'mysql://x' }),
      /must start with sqlite:\/\/ or postgres:\/\//,
    );
    assert.throws(
      () => loadConfig({}, { grouping: [{ match: 'nope' as 'observable', windowSeconds: 1 }] }),
      /grouping\/0\/match|match must be/,
    );
  });
});

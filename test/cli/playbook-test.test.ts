import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';

const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = path.join(ROOT, 'bin/riposte.js');
const EXAMPLE = 'playbooks/examples/ip-triage.test.yaml';
const dir = mkdtempSync(path.join(tmpdir(), 'riposte-playbook-test-'));

/** `riposte playbook test` needs no database: it runs from the repository root with no data directory. */
function riposte(args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, RIPOSTE_DATA_DIR: dir },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('riposte playbook test', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('passes the example golden tests, one ✔ line per case, exit 0', () => {
    const res = riposte(['playbook', 'test', EXAMPLE]);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    const passed = res.stdout.split('\n').filter((l) => l.startsWith(`✔ ${EXAMPLE} › `));
    const cases = readFileSync(path.join(ROOT, EXAMPLE), 'utf8').match(/^ {2}- name: /gm)?.length;
    assert.ok(cases !== undefined && cases >= 3);
    assert.equal(passed.length, cases, res.stdout);
    assert.ok(passed.includes(`✔ ${EXAMPLE} › a malicious address is blocked once a manager approves`));
    assert.match(res.stdout, new RegExp(`\\n${cases} passed, 0 failed\\n$`));
  });

  it('exits 1 and shows the difference when a case fails', () => {
    const file = path.join(dir, 'wrong.test.yaml');
    writeFileSync(
      file,
      `playbook: ${path.join(ROOT, 'playbooks/examples/ip-triage.yaml')}
actions:
  intel.lookup_ip: { effect: read }
  firewall.block_ip: { effect: destructive }
cases:
  - name: expects a block that a denial prevents
    alert: { severity: high, caseId: null, observables: [{ type: ipv4, value: 203.0.113.66, role: source }] }
    secrets: { intel_api_key: test-key }
    mocks:
      lookup: { output: { ip: 203.0.113.66, score: 91 } }
    answers:
      ask: { choice: malicious }
      approve_block: deny
    expect:
      status: succeeded
      actions: [{ action: firewall.block_ip }]
`,
    );
    const res = riposte(['playbook', 'test', file]);
    assert.equal(res.code, 1, res.stdout + res.stderr);
    assert.match(res.stdout, /✖ .*wrong\.test\.yaml › expects a block that a denial prevents \(line 6\)\n/);
    assert.match(res.stdout, /\n {4}expected actions: firewall\.block_ip\n {4}actual actions: {3}\(none\)\n/);
    assert.match(res.stdout, /0 passed, 1 failed/);
  });

  it('exits 1 with file:line:column for an invalid test file, and prints JSON with --json', () => {
    const file = path.join(dir, 'invalid.test.yaml');
    writeFileSync(
      file,
      'playbook: ./ip-triage.yaml\ncases:\n  - name: a\n    expect: { status: finished }\n',
    );
    const res = riposte(['playbook', 'test', file]);
    assert.equal(res.code, 1);
    assert.match(
      res.stdout,
      new RegExp(`${file.replaceAll('.', '\\.')}:4:23: cases\\[0\\]\\.expect\\.status must be one of`),
    );

    const json = riposte(['playbook', 'test', '--json', EXAMPLE, file]);
    assert.equal(json.code, 1);
    const report = JSON.parse(json.stdout);
    assert.equal(report.ok, false);
    assert.equal(report.invalid, 1);
    assert.equal(report.failed, 0);
    assert.equal(report.files[0].cases[1].run.actions[1].effect, 'destructive');
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { offlineCatalog } from '../connections/offline-catalog.ts';
import { runGoldenFile, type GoldenFileReport } from './golden-tests.ts';

const catalog = offlineCatalog();
const dir = mkdtempSync(path.join(tmpdir(), 'riposte-golden-'));

const PLAYBOOK = `
id: triage
name: Triage
triggers:
  alert: \${{ alert.severity == "high" }}
outputs:
  verdict: \${{ vars.verdict }}
steps:
  - id: lookup
    uses: intel.lookup_ip
    with:
      ip: \${{ alert.ip }}
      key: \${{ secrets.intel_key }}
    retry: { attempts: 2, backoff: 1m }
  - id: check
    if: \${{ steps.lookup.output.score > 50 }}
    else: benign
  - id: approve_block
    approval:
      title: Block \${{ alert.ip }}?
      approvers: { role: manager }
      expires_in: 1h
  - id: block
    uses: firewall.block_ip
    with: { ip: '\${{ alert.ip }}' }
  - id: bad
    set: { verdict: bad }
  - id: done
    end: true
  - id: benign
    set: { verdict: benign }
`;
writeFileSync(path.join(dir, 'triage.yaml'), PLAYBOOK);

const HEAD = `playbook: ./triage.yaml
actions:
  intel.lookup_ip: { effect: read }
  firewall.block_ip: { effect: destructive }
`;

let counter = 0;
async function run(body: string, head = HEAD): Promise<GoldenFileReport> {
  const file = path.join(dir, `t${counter++}.test.yaml`);
  writeFileSync(file, head + body);
  return runGoldenFile(file, catalog);
}

const failuresOf = (report: GoldenFileReport) => {
  assert.deepEqual(report.errors, [], JSON.stringify(report.errors));
  return report.cases.flatMap((c) => c.failures).join('\n');
};

const BAD_CASE = `
  - name: bad address
    alert: { ip: 192.0.2.66, severity: high }
    secrets: { intel_key: intel-test-key }
    mocks:
      lookup: { output: { score: 90 } }
    answers:
      approve_block: approve`;

describe('golden tests', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('passes when the run is what the case expects', async () => {
    const report = await run(`cases:${BAD_CASE}
    expect:
      status: succeeded
      triggered: true
      path: [lookup, check, approve_block, block, bad, done]
      not_run: [benign]
      asked: [approve_block]
      outputs: { verdict: bad }
      vars: { verdict: bad }
      actions:
        - { action: firewall.block_ip, step: block, with: { ip: 192.0.2.66 } }
`);
    assert.equal(report.ok, true, JSON.stringify(report, null, 2));
    assert.equal(report.playbookId, 'triage');
    assert.deepEqual(
      report.cases.map((c) => [c.name, c.ok]),
      [['bad address', true]],
    );
    assert.doesNotMatch(JSON.stringify(report), /intel-test-key/, 'the secret is redacted in the report');
  });

  it('says which steps differ when the path is not the expected one', async () => {
    const failures = failuresOf(
      await run(`cases:${BAD_CASE.replace('approve_block: approve', 'approve_block: deny')}
    expect:
      status: succeeded
      path: [lookup, check, approve_block, block, bad, done]
`),
    );
    assert.match(failures, /expected status succeeded, got failed\n {2}run error \(denied\)/);
    assert.match(failures, /expected path: lookup → check → approve_block → block → bad → done/);
    assert.match(failures, /actual path: {3}lookup → check → approve_block\n/);
    assert.match(
      failures,
      /first difference at position 4: the run stops after 3 step\(s\); expected block next/,
    );
  });

  it('reports outputs, vars, error, not_run, asked and trigger mismatches with the values found', async () => {
    const failures = failuresOf(
      await run(`cases:${BAD_CASE}
    expect:
      status: succeeded
      triggered: false
      not_run: [block]
      asked: []
      outputs: { verdict: benign, score: 1 }
      vars: { verdict: benign }
      error: { kind: denied }
`),
    );
    assert.match(failures, /expected the alert trigger not to match this alert; it does/);
    assert.match(failures, /expected block not to run; it did \(block: succeeded\)/);
    assert.match(failures, /expected asked: \(none\)\nactual asked: {3}approve_block/);
    assert.match(failures, /outputs\.verdict: expected "benign", got "bad"/);
    assert.match(failures, /outputs\.score: expected 1, but there is no such key/);
    assert.match(failures, /vars\.verdict: expected "benign", got "bad"/);
    assert.match(failures, /expected the run to fail with an error \{"kind":"denied"\}; it has none/);
  });

  it('names a missing action, an unexpected one, and an input that differs', async () => {
    const missing = failuresOf(
      await run(`cases:${BAD_CASE.replace('approve_block: approve', 'approve_block: deny')}
    expect:
      status: failed
      actions: [{ action: firewall.block_ip }]
`),
    );
    assert.match(missing, /expected actions: firewall\.block_ip\nactual actions: {3}\(none\)/);
    assert.match(missing, /missing: firewall\.block_ip/);

    const unexpected = failuresOf(
      await run(`cases:${BAD_CASE}
    expect:
      status: succeeded
      actions: []
`),
    );
    assert.match(
      unexpected,
      /unexpected: firewall\.block_ip \(step block, destructive\) with \{"ip":"192\.0\.2\.66"\}/,
    );

    const input = failuresOf(
      await run(`cases:${BAD_CASE}
    expect:
      status: succeeded
      actions: [{ action: firewall.block_ip, with: { ip: 192.0.2.1 } }]
`),
    );
    assert.match(input, /actions\[0\] firewall\.block_ip \(step block\)/);
    assert.match(input, /with\.ip: expected "192\.0\.2\.1", got "192\.0\.2\.66"/);
  });

  it('fails a case whose read action has no mock, naming the step and the action', async () => {
    const report = await run(`cases:
  - name: forgot the mock
    alert: { ip: 192.0.2.66, severity: high }
    secrets: { intel_key: intel-test-key }
    expect: { status: succeeded }
`);
    assert.equal(report.ok, false);
    assert.match(
      failuresOf(report),
      /step lookup calls intel\.lookup_ip \(a read action\) and the case mocks neither/,
    );

    const echoed = await run(
      `cases:
  - name: echo instead
    alert: { ip: 192.0.2.66, severity: high }
    secrets: { intel_key: intel-test-key }
    expect: { status: failed, path: [lookup, check], error: { kind: expression } }
`,
      `${HEAD}unmocked: echo\n`,
    );
    assert.equal(failuresOf(echoed), '', 'the lookup returns its input, which has no score');
    assert.deepEqual(echoed.cases[0]?.run?.actions[0]?.result, { output: { ip: '192.0.2.66', key: '***' } });
  });

  it('fails a case whose playbook gives an action inputs its schema refuses, mock or not', async () => {
    const tell = (to: string) =>
      `id: tell\nname: Tell\nsteps:\n  - id: tell_reporter\n    uses: smtp.send_mail\n` +
      `    with: { to: '${to}', subject: Your report, text: Thanks }\n    continue_on_error: true\n`;
    const expectations = `cases:
  - name: told
    alert: { reporter: alice@corp.example }
    mocks:
      tell_reporter: { output: { message_id: m1, accepted: [alice@corp.example], rejected: [], response: 250 ok } }
    expect:
      status: succeeded
      actions: [{ action: smtp.send_mail, step: tell_reporter }]
`;
    writeFileSync(path.join(dir, 'tell-string.yaml'), tell('${{ alert.reporter }}'));
    const refused = await run(expectations, 'playbook: ./tell-string.yaml\n');
    assert.match(
      failuresOf(refused),
      /step tell_reporter calls smtp\.send_mail with inputs it refuses \(smtp\.send_mail inputs are not valid at \/to: Expected array\)/,
    );
    writeFileSync(path.join(dir, 'tell-list.yaml'), tell('${{ [alert.reporter] }}'));
    assert.equal(failuresOf(await run(expectations, 'playbook: ./tell-list.yaml\n')), '');
  });

  it('grouped_after: the case is null until grouping assigns it, as for a run started at ingest', async () => {
    const playbook = (first: string) =>
      `id: grouped\nname: Grouped\noutputs:\n  early: \${{ vars.early }}\nsteps:\n` +
      `  - id: early\n    set: { early: '\${{ case != null ? case.id : "none" }}' }\n${first}` +
      `  - id: has_case\n    if: \${{ alert.caseId != null }}\n    else: done\n` +
      `  - id: comment\n    uses: riposte.add_case_comment\n    with: { case_id: '\${{ alert.caseId }}', body: '\${{ case.title }}' }\n` +
      `  - id: done\n    end: true\n`;
    const wait = `  - id: wait_case\n    wait: { until: '\${{ alert.caseId != null }}', poll: 2s, timeout: 2m }\n    continue_on_error: true\n`;
    writeFileSync(path.join(dir, 'grouped-wait.yaml'), playbook(wait));
    writeFileSync(path.join(dir, 'grouped-nowait.yaml'), playbook(''));
    const cases = (groupedAfter: string) => `cases:
  - name: grouped
    alert: { id: alert_1, caseId: null }
    case: { id: case_7, title: Brute force }
${groupedAfter}    expect:
      status: succeeded
      outputs: { early: none }
      actions: [{ action: riposte.add_case_comment, with: { case_id: case_7, body: Brute force } }]
`;
    const waits = await run(cases('    grouped_after: 1s\n'), 'playbook: ./grouped-wait.yaml\n');
    assert.equal(failuresOf(waits), '');
    assert.deepEqual(waits.cases[0]!.run!.path, ['early', 'wait_case', 'has_case', 'comment', 'done']);
    // Without the wait, the case is not there yet where the playbook looks for it.
    const misses = await run(cases('    grouped_after: 1s\n'), 'playbook: ./grouped-nowait.yaml\n');
    assert.match(failuresOf(misses), /riposte\.add_case_comment/);
    // Without grouped_after the case is there from the start.
    const early = await run(cases(''), 'playbook: ./grouped-wait.yaml\n');
    assert.match(failuresOf(early), /outputs\.early: expected "none", got "case_7"/);
    const nothing = await run(
      cases('    grouped_after: 1s\n').replace('    case: { id: case_7, title: Brute force }\n', ''),
      'playbook: ./grouped-wait.yaml\n',
    );
    assert.match(failuresOf(nothing), /grouped_after needs the case it assigns/);
  });

  it('gives one mocked result per attempt, so a retry can be tested', async () => {
    const report = await run(`cases:
  - name: second attempt works
    alert: { ip: 192.0.2.66, severity: high }
    secrets: { intel_key: intel-test-key }
    mocks:
      intel.lookup_ip:
        - { error: { message: busy } }
        - { output: { score: 1 } }
    expect: { status: succeeded, path: [lookup, check, benign] }
  - name: a non-retryable error is not retried
    alert: { ip: 192.0.2.66, severity: high }
    secrets: { intel_key: intel-test-key }
    mocks:
      lookup:
        - { error: { message: bad key, code: unauthorized, retryable: false } }
        - { output: { score: 1 } }
    expect: { status: failed, path: [lookup], error: { code: unauthorized } }
`);
    assert.equal(report.ok, true, failuresOf(report));
    const attempts = report.cases[0]?.run?.actions.map((a) => a.attempt);
    assert.deepEqual(attempts, [1, 2]);
  });

  it('refuses a test file with mistakes, each at its line and column', async () => {
    const report = await run(`cases:
  - name: typos
    mocks:
      lookp: { output: {} }
    answers:
      approve_block: { choice: yes }
    expect:
      status: done
      path: [lookup, chek]
      actions: [{ action: intel.lookup_ip }]
    expcet: {}
`);
    assert.equal(report.ok, false);
    assert.deepEqual(report.cases, [], 'no case runs');
    const lines = report.errors.map((e) => `${e.line}:${e.column}: ${e.message}`);
    const has = (pattern: RegExp) =>
      assert.ok(
        lines.some((l) => pattern.test(l)),
        lines.join('\n'),
      );
    has(/^8:7: cases\[0\]\.mocks\.lookp: .*\(did you mean "lookup"\?\)/);
    has(
      /^10:22: cases\[0\]\.answers\.approve_block: approve_block is an approval: answer approve, deny or expire/,
    );
    has(/^12:15: cases\[0\]\.expect\.status must be one of succeeded, failed, cancelled, waiting/);
    has(/^13:22: .*no step "chek" \(did you mean "check"\?\)/);
    has(/^14:27: .*intel\.lookup_ip is a read action/);
    has(/^15:5: unknown key "expcet" in cases\[0\] \(did you mean "expect"\?\)/);
  });

  it('reports a YAML syntax error, a missing playbook and a stub that hides a real action', async () => {
    const syntax = await run(`cases:\n  - name: a\n    expect: { status: succeeded\n`);
    assert.equal(syntax.errors[0]?.line, 8, 'where the unclosed { should have ended');
    assert.match(syntax.errors[0]?.message ?? '', /YAML syntax error/);

    const missing = await run(
      'cases: [{ name: a, expect: { status: succeeded } }]\n',
      'playbook: ./nope.yaml\n',
    );
    assert.deepEqual(
      missing.errors.map((e) => [e.line, e.column]),
      [[1, 11]],
    );
    assert.match(missing.errors[0]?.message ?? '', /cannot read the playbook .*nope\.yaml/);

    const hidden = await run(
      'cases: [{ name: a, expect: { status: succeeded } }]\n',
      `${HEAD}  core.echo: { effect: write }\n`,
    );
    assert.match(
      hidden.errors.map((e) => e.message).join('\n'),
      /core\.echo is an installed action; remove the stub/,
    );
  });

  it('reports the playbook own errors in the playbook file', async () => {
    const file = path.join(dir, 'broken.yaml');
    writeFileSync(file, 'id: broken\nname: Broken\nsteps:\n  - id: a\n    uses: intel.lookup_ip\n');
    const report = await run(
      'cases: [{ name: a, expect: { status: succeeded } }]\n',
      'playbook: ./broken.yaml\n',
    );
    assert.deepEqual(
      report.errors.map((e) => [
        path.basename(e.file),
        e.line,
        e.message.replace(/ \(did you mean.*\)$/, ''),
      ]),
      [['broken.yaml', 5, 'unknown action "intel.lookup_ip"']],
    );
  });
});

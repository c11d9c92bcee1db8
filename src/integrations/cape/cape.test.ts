import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import {
  expectActionError,
  findingOf,
  runIntegrationAction,
  testIntegrationConnection,
} from '../sdk/integration-test-kit.ts';
import { cape } from './cape-integration.ts';
import { summarizeReport } from './cape-report.ts';
import { startFakeCape, type FakeCape, type FakeCapeOptions } from './fake-cape.ts';

const AGENT_TESLA = 'a'.repeat(64);
const FAILED_ONCE = 'b'.repeat(64);
const NEVER_SEEN = 'c'.repeat(64);

const MALICIOUS = {
  name: 'invoice.exe',
  malscore: 9.2,
  families: ['AgentTesla'],
  signatures: [
    { name: 'antivm_generic_disk', description: 'Queries the disk size', severity: 2 },
    { name: 'stealth_hide_notifications', description: 'Hides notifications', severity: 3, confidence: 80 },
  ],
  hosts: ['203.0.113.45', '10.0.0.5'],
  domains: [{ domain: 'Mail.Evil-C2.example', ip: '198.51.100.23' }],
  urls: ['http://mail.evil-c2.example/gate.php'],
};

let fake: FakeCape;
const start = async (options: FakeCapeOptions = {}) => {
  fake = await startFakeCape({
    samples: {
      [AGENT_TESLA]: { ...MALICIOUS, analysed: true },
      [FAILED_ONCE]: { name: 'dropper.exe', malscore: 5, fails: 'failed_analysis' },
    },
    ...options,
  });
  return fake;
};
const kit = (fields: Record<string, string> = {}) => ({
  baseUrl: fake.url,
  fields: { base_url: fake.url, ...fields },
});
const run = (name: string, input: Record<string, unknown>, fields?: Record<string, string>) =>
  runIntegrationAction(cape, name, input, kit(fields)) as Promise<Record<string, unknown>>;

/** Status reads until CAPE reports, as the engine's retries would make them. */
async function poll(taskId: number, input: Record<string, unknown> = {}) {
  const seen: string[] = [];
  for (let attempt = 0; attempt < 10; attempt++) {
    try {
      return { report: await run('get_report', { task_id: taskId, ...input }), seen };
    } catch (error) {
      const failure = await expectActionError(Promise.reject(error), 'analysis_pending');
      assert.equal(failure.retryable, true);
      seen.push(/is (\w+)$/.exec(failure.message)![1]!);
    }
  }
  throw new Error('never reported');
}

describe('cape', () => {
  afterEach(() => fake?.close());

  it('reuses the report CAPE already has for a hash, and reads its verdict', async () => {
    await start();
    const task = await run('detonate_hash', { sha256: AGENT_TESLA.toUpperCase() });
    assert.deepEqual(task, {
      sha256: AGENT_TESLA,
      found: true,
      taskId: 100,
      status: 'reported',
      reused: true,
      link: `${fake.url}/analysis/100/`,
    });
    assert.deepEqual(
      fake.requests.map((r) => `${r.method} ${r.path}`),
      [`GET /apiv2/tasks/search/sha256/${AGENT_TESLA}/`],
    );
    const report = await run('get_report', { task_id: 100, sha256: AGENT_TESLA });
    assert.equal(report['verdict'], 'malicious');
    assert.equal(report['malscore'], 9.2);
    assert.equal(report['score'], 92);
    assert.deepEqual(report['families'], ['AgentTesla']);
    assert.deepEqual(
      (report['signatures'] as { name: string }[]).map((s) => s.name),
      ['stealth_hide_notifications', 'antivm_generic_disk'],
    );
    // The sandbox's own gateway (192.168.122.1) and private addresses are not indicators.
    assert.deepEqual(report['network'], {
      ips: ['203.0.113.45', '198.51.100.23'],
      domains: ['mail.evil-c2.example'],
      urls: ['http://mail.evil-c2.example/gate.php'],
    });
    assert.deepEqual(report['target'], {
      category: 'file',
      sha256: AGENT_TESLA,
      name: 'invoice.exe',
      url: null,
    });
    assert.deepEqual(findingOf(cape, 'get_report', { task_id: 100, sha256: AGENT_TESLA }, report), {
      observable: { type: 'sha256', value: AGENT_TESLA },
      finding: {
        verdict: 'malicious',
        score: 92,
        summary: 'CAPE malscore 9.2, AgentTesla, 2 signature(s)',
      },
    });
  });

  it('answers found: false for a hash CAPE never saw, and starts nothing', async () => {
    await start();
    const task = await run('detonate_hash', { sha256: NEVER_SEEN });
    assert.equal(task['found'], false);
    assert.equal(task['taskId'], null);
    assert.deepEqual(
      fake.requests.map((r) => r.path),
      [`/apiv2/tasks/search/sha256/${NEVER_SEEN}/`],
    );
  });

  it('reschedules a sample whose analysis failed, and says so when CAPE has rescheduling off', async () => {
    await start();
    fake.tasks.push({
      id: 7,
      category: 'file',
      target: 'dropper.exe',
      sha256: FAILED_ONCE,
      status: 'failed_analysis',
      custom: '',
      options: {},
    });
    await expectActionError(run('detonate_hash', { sha256: FAILED_ONCE }), 'disabled', {
      pattern: /Reschedule API is Disabled.*api\.conf/,
    });
    await fake.close();
    await start({ reschedule: true });
    fake.tasks.push({
      id: 7,
      category: 'file',
      target: 'dropper.exe',
      sha256: FAILED_ONCE,
      status: 'failed_analysis',
      custom: '',
      options: {},
    });
    const task = await run('detonate_hash', { sha256: FAILED_ONCE });
    assert.equal(task['reused'], false);
    assert.equal(task['status'], 'pending');
    assert.equal(fake.requests.at(-1)?.path, '/apiv2/tasks/reschedule/7/');
    // A retried step (a crash after the reschedule) follows that analysis instead of starting another.
    const again = await run('detonate_hash', { sha256: FAILED_ONCE });
    assert.deepEqual([again['taskId'], again['reused']], [task['taskId'], true]);
    assert.equal(fake.tasks.length, 3);
  });

  it('runs a reported sample again when asked for a fresh analysis', async () => {
    await start({ reschedule: true });
    const task = await run('detonate_hash', { sha256: AGENT_TESLA, fresh: true });
    assert.deepEqual([task['taskId'], task['reused'], task['status']], [101, false, 'pending']);
  });

  it('follows a task through pending, running and completed to its report', async () => {
    await start({ reschedule: true });
    const task = await run('detonate_hash', { sha256: AGENT_TESLA, fresh: true });
    const { report, seen } = await poll(task['taskId'] as number);
    assert.deepEqual(seen, ['pending', 'running', 'completed']);
    assert.equal(report['status'], 'reported');
    assert.equal(report['verdict'], 'malicious');
  });

  it('fails for good when the analysis fails, and when the task does not exist', async () => {
    await start();
    const upload = await run('submit_file', {
      content_base64: Buffer.from('dropper').toString('base64'),
      filename: 'dropper.exe',
    });
    const sha256 = upload['sha256'] as string;
    fake.tasks.find((t) => t.id === upload['taskId'])!.sha256 = FAILED_ONCE;
    assert.match(sha256, /^[0-9a-f]{64}$/);
    const id = upload['taskId'] as number;
    await expectActionError(run('get_report', { task_id: id }), 'analysis_pending');
    await expectActionError(run('get_report', { task_id: id }), 'analysis_pending');
    const failed = await expectActionError(run('get_report', { task_id: id }), 'analysis_failed', {
      pattern: /failed_analysis/,
    });
    assert.equal(failed.retryable, false);
    const missing = await expectActionError(run('get_report', { task_id: 9999 }), 'not_found', {
      pattern: /Task does not exist/,
    });
    assert.equal(missing.retryable, false);
  });

  it('uploads bytes as multipart with the options and the step that asked, then reuses that task', async () => {
    await start();
    const content = 'MZ fake portable executable';
    const input = {
      content_base64: Buffer.from(content).toString('base64'),
      filename: 'update.exe',
      package: 'exe',
      timeout_seconds: 120,
      priority: 2,
    };
    const task = await run('submit_file', input);
    const upload = fake.requests.at(-1)!;
    assert.equal(upload.path, '/apiv2/tasks/create/file/');
    assert.match(String(upload.headers['content-type']), /^multipart\/form-data; boundary=/);
    assert.match(upload.body, /name="file"; filename="update.exe"/);
    assert.ok(upload.body.includes(content));
    const created = fake.tasks.at(-1)!;
    assert.deepEqual(created.options, { package: 'exe', timeout: '120', priority: '2' });
    assert.equal(created.custom, 'riposte:run_test:step:1');
    assert.equal(task['sha256'], created.sha256);
    assert.deepEqual([task['reused'], task['status']], [false, 'pending']);
    const again = await run('submit_file', input);
    assert.deepEqual([again['taskId'], again['reused']], [task['taskId'], true]);
    await expectActionError(run('submit_file', { ...input, content_base64: 'not base64!' }), 'invalid_input');
  });

  it('submits a URL and reads its report as a finding on the URL', async () => {
    await start({
      urls: {
        'http://phish.example/login': {
          name: 'url',
          malscore: 4.5,
          domains: [{ domain: 'phish.example', ip: '192.0.2.80' }],
        },
      },
    });
    const task = await run('submit_url', { url: 'http://phish.example/login', platform: 'windows' });
    assert.deepEqual(Object.fromEntries(new URLSearchParams(fake.requests.at(-1)!.body)), {
      url: 'http://phish.example/login',
      custom: 'riposte:run_test:step:1',
      platform: 'windows',
    });
    fake.finish(task['taskId'] as number);
    const input = { task_id: task['taskId'], url: 'http://phish.example/login' };
    const report = await run('get_report', input);
    assert.equal(report['verdict'], 'suspicious');
    assert.deepEqual(report['target'], {
      category: 'url',
      sha256: null,
      name: null,
      url: 'http://phish.example/login',
    });
    assert.equal(findingOf(cape, 'get_report', input, report).observable?.type, 'url');
    await expectActionError(run('submit_url', { url: 'not a url' }), 'invalid_input');
  });

  it('sends the DRF token when CAPE requires one, and never shows it', async () => {
    await start({ token: 'tok-2a9f' });
    await expectActionError(run('detonate_hash', { sha256: AGENT_TESLA }), 'unauthorized', {
      pattern: /Authentication credentials were not provided/,
    });
    await expectActionError(
      run('detonate_hash', { sha256: AGENT_TESLA }, { api_token: 'wrong-77' }),
      'unauthorized',
      {
        pattern: /Invalid token/,
        secrets: ['wrong-77'],
      },
    );
    await run('detonate_hash', { sha256: AGENT_TESLA }, { api_token: 'tok-2a9f' });
    assert.equal(fake.requests.at(-1)?.headers['authorization'], 'Token tok-2a9f');
    await testIntegrationConnection(cape, kit({ api_token: 'tok-2a9f' }));
  });

  it("passes DRF's throttle on as rate_limited with its Retry-After", async () => {
    await start({ requestLimit: 0, retryAfterSeconds: 37 });
    const error = await expectActionError(run('get_report', { task_id: 100 }), 'rate_limited', {
      pattern: /Request was throttled/,
    });
    assert.equal(error.retryAfterMs, 37_000);
  });

  it('refuses an HTML page for a report, and an instance without base_url', async () => {
    await start({ htmlReports: [100] });
    await expectActionError(run('get_report', { task_id: 100 }), 'invalid_response', {
      pattern: /text\/html/,
    });
    await expectActionError(
      runIntegrationAction(cape, 'get_report', { task_id: 100 }, { baseUrl: fake.url }),
      'not_configured',
    );
  });

  it('falls back to lite.json when a full report outgrows the response cap', async () => {
    await start({ reportPadding: 9 * 1024 * 1024 });
    await expectActionError(run('get_report', { task_id: 100 }), 'response_too_large');
    const lite = await run('get_report', { task_id: 100, report_format: 'litereport' });
    assert.equal(fake.requests.at(-1)?.path, '/apiv2/tasks/get/report/100/litereport/');
    assert.equal(lite['verdict'], 'malicious');
  });

  it('maps malscore to a verdict: families or ≥ 7 malicious, ≥ 3 suspicious, else benign', () => {
    const verdict = (report: Record<string, unknown>, at?: number) => summarizeReport(report, at).verdict;
    assert.equal(verdict({ malscore: 1.5 }), 'benign');
    assert.equal(verdict({ malscore: 3 }), 'suspicious');
    assert.equal(verdict({ malscore: 7 }), 'malicious');
    assert.equal(verdict({ malscore: 7 }, 8), 'suspicious');
    assert.equal(verdict({ malscore: 0.5, detections: [{ family: 'Emotet', details: [] }] }), 'malicious');
    assert.equal(verdict({ malscore: 0.5, malfamily: 'Emotet' }), 'malicious');
    assert.deepEqual(
      summarizeReport({ malscore: 'garbage', network: { hosts: ['8.8.8.8', 'fe80::1'] } }).network.ips,
      ['8.8.8.8'],
    );
  });
});

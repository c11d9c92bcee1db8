import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFakeCape, type FakeCape } from '../../src/integrations/cape/fake-cape.ts';
import { startHarness, type Harness } from '../support/harness.ts';

const ACTOR = { id: 't', type: 'system' as const };
const SHA256 = 'e1'.repeat(32);

/** Detonate, then poll through the step's retries, as the malicious_file playbook does. */
const DETONATE = `
id: detonate_sample
name: Detonate a sample
triggers:
  manual: true
inputs:
  sha256: { type: string, required: true }
steps:
  - id: detonate
    uses: cape.detonate_hash
    with: { sha256: '\${{ inputs.sha256 }}', instance: cape }
  - id: report
    uses: cape.get_report
    with:
      task_id: \${{ steps.detonate.output.taskId }}
      sha256: \${{ inputs.sha256 }}
      instance: cape
    retry: { attempts: 6, backoff: 200ms, factor: 1, jitter: false }
outputs:
  verdict: \${{ steps.report.output.verdict }}
  families: \${{ steps.report.output.families }}
`;

describe('sandbox detonation through the engine', () => {
  let h: Harness;
  let cape: FakeCape;

  before(async () => {
    cape = await startFakeCape({
      samples: {
        [SHA256]: { name: 'loader.exe', malscore: 8.1, families: ['Lumma'], hosts: ['203.0.113.9'] },
      },
    });
    // A detonation already under way: the run follows it through running and completed.
    cape.tasks.push({
      id: 55,
      category: 'file',
      target: 'loader.exe',
      sha256: SHA256,
      status: 'running',
      custom: '',
      options: {},
    });
    h = await startHarness('sqlite', { outboundAllow: ['127.0.0.1'] }, { worker: true });
    await h.riposte.instances.put(
      h.riposte.integrations.get('cape'),
      'cape',
      { fields: { base_url: cape.url } },
      ACTOR,
    );
    const saved = await h.as('analyst', {
      method: 'POST',
      url: '/api/v1/playbooks',
      payload: { source: DETONATE },
    });
    assert.equal(saved.statusCode, 201, saved.body);
  });
  after(async () => {
    await h.close();
    await cape.close();
  });

  it('waits for the analysis on retries and records the verdict as a finding on the hash', async () => {
    const started = await h.as('analyst', {
      method: 'POST',
      url: '/api/v1/runs',
      payload: { playbookId: 'detonate_sample', inputs: { sha256: SHA256 } },
    });
    assert.equal(started.statusCode, 201, started.body);
    const run = await h.riposte.runs.settle(started.json().id as string, 15_000, { untilTerminal: true });
    assert.equal(run.status, 'succeeded', JSON.stringify(run.error ?? run.steps.filter((s) => s.error)));
    assert.deepEqual(run.outputs, { verdict: 'malicious', families: ['Lumma'] });
    const report = run.steps.find((s) => s.key === 'report')!;
    assert.equal(report.attempt, 3, 'two looks while the task ran, the third read the report');
    assert.deepEqual(
      cape.requests.map((r) => r.path),
      [
        `/apiv2/tasks/search/sha256/${SHA256}/`,
        '/apiv2/tasks/status/55/',
        '/apiv2/tasks/status/55/',
        '/apiv2/tasks/status/55/',
        '/apiv2/tasks/get/report/55/',
      ],
    );
    const finding = await h.as('viewer', {
      method: 'GET',
      url: `/api/v1/enrichment?type=sha256&value=${SHA256}`,
    });
    assert.equal(finding.statusCode, 200, finding.body);
    assert.equal(finding.json().verdict, 'malicious');
    assert.deepEqual(
      (finding.json().sources as { provider: string }[]).map((s) => s.provider),
      ['cape'],
    );
  });
});

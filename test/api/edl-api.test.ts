import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHarness, type Harness } from '../support/harness.ts';
import { databaseKinds } from '../support/test-databases.ts';

const BLOCK = `
id: edl_block
name: Block on the firewall list
triggers: { manual: true }
inputs:
  ip: { type: string, required: true }
steps:
  - id: block
    uses: edl.add_entry
    with:
      list: perimeter
      value: \${{ inputs.ip }}
      reason: scanner
      ttl: 24h
`;

for (const kind of databaseKinds()) {
  describe(`external dynamic lists on ${kind}`, () => {
    let h: Harness;
    let token: string;
    before(async () => {
      h = await startHarness(kind, {}, { worker: true });
      const created = await h.as('admin', {
        method: 'POST',
        url: '/api/v1/edl',
        payload: { name: 'perimeter', type: 'ip' },
      });
      assert.equal(created.statusCode, 201, created.body);
      token = created.json().token;
      assert.match(created.json().url, /\/edl\/perimeter$/);
      assert.equal(
        (await h.as('analyst', { method: 'POST', url: '/api/v1/playbooks', payload: { source: BLOCK } }))
          .statusCode,
        201,
      );
    });
    after(() => h.close());

    const pull = (
      auth: Record<string, string> = {
        authorization: `Basic ${Buffer.from(`fw:${token}`).toString('base64')}`,
      },
    ) => h.app.inject({ method: 'GET', url: '/edl/perimeter', headers: auth });
    const block = async (ip: string) => {
      const started = await h.as('analyst', {
        method: 'POST',
        url: '/api/v1/runs',
        payload: { playbookId: 'edl_block', inputs: { ip } },
      });
      return h.riposte.runs.settle(started.json().id, 5000, { untilTerminal: true });
    };

    it('a block puts the address on the list firewalls pull, one entry per line', async () => {
      const run = await block('203.0.113.50');
      assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
      const res = await pull();
      assert.equal(res.statusCode, 200);
      assert.match(res.headers['content-type'] as string, /^text\/plain/);
      assert.equal(res.body, '203.0.113.50\n');
      const byQuery = await h.app.inject({ method: 'GET', url: `/edl/perimeter?token=${token}` });
      assert.equal(byQuery.body, '203.0.113.50\n');
    });

    it('refuses a pull without the list token', async () => {
      assert.equal((await pull({})).statusCode, 401);
      const wrong = await pull({ authorization: `Basic ${Buffer.from('fw:edl_wrong').toString('base64')}` });
      assert.equal(wrong.statusCode, 401);
      assert.match(String(wrong.headers['www-authenticate']), /^Basic/);
    });

    it('blocking a listed address again is a no-op; the entry leaves the list when its time to live is over', async () => {
      const again = await block('203.0.113.50');
      assert.equal((again.steps[0]!.output as { noop?: boolean }).noop, true);
      await h.riposte.database.db
        .updateTable('action_ledger')
        .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
        .where('action', '=', 'edl.add_entry')
        .where('status', '=', 'applied')
        .execute();
      await h.riposte.worker.tick(true);
      assert.equal((await pull()).body, '');
    });

    it('refuses a value that is not an address', async () => {
      const run = await block('not-an-ip');
      assert.equal(run.status, 'failed');
      assert.match(run.error!.message, /not a valid ip entry/);
    });
  });
}

import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { AuditLog } from '../../src/audit/audit-log.ts';
import { ResponseStore, type Applications, type Attempt } from '../../src/response/response-store.ts';
import { databaseKinds, useMigratedDatabase } from '../support/test-databases.ts';

/**
 * Admission under the blast-radius limits and cool-downs (src/response/response-store.ts): an admitted
 * attempt holds a place until its ledger record takes it over or it is released, and the counts see
 * both. The racing attempts themselves are test/api/response-api.test.ts.
 */
for (const kind of databaseKinds()) {
  describe(`action admission on ${kind}`, () => {
    const suite = useMigratedDatabase(kind);
    let store: ResponseStore;
    before(() => {
      store = new ResponseStore(suite.database.db, kind, new AuditLog(Buffer.alloc(32, 3), kind));
    });

    let n = 0;
    const attempt = (ip: string): Attempt => ({
      idempotencyKey: `run_a:block:${++n}`,
      runId: 'run_a',
      playbookId: 'pb_admission',
      action: 'contain.block_ip',
      effect: 'containment',
      target: { type: 'ipv4', value: ip },
    });
    const since = '2000-01-01T00:00:00.000Z';
    const seen = async (ip: string) => {
      let count = -1;
      let last: string | undefined;
      await store.admit(
        attempt('0.0.0.0'),
        async (a: Applications) => {
          count = await a.countSince({ action: 'contain.block_ip' }, since, 'pb_admission');
          last = await a.lastOn('contain.block_ip', { type: 'ipv4', value: ip });
          return 'look only';
        },
        false,
      );
      return { count, last };
    };
    const ledgerRow = (a: Attempt) => ({
      idempotency_key: a.idempotencyKey,
      run_id: a.runId,
      step_key: 'block',
      playbook_id: a.playbookId,
      case_id: null,
      alert_id: null,
      action: a.action,
      effect: a.effect,
      react: null,
      target_type: a.target!.type,
      target_value: a.target!.value,
      input: '{}',
      output: 'null',
      inverse_action: null,
      inverse_input: null,
      status: 'applied',
      applied_at: new Date().toISOString(),
      expires_at: null,
    });

    it('counts an admitted attempt from its admission, once, through its ledger record', async () => {
      const first = attempt('198.51.100.1');
      assert.equal(await store.admit(first, async () => undefined, true), undefined);
      const admitted = await seen('198.51.100.1');
      assert.equal(admitted.count, 1);
      assert.ok(admitted.last, 'the cool-down sees the admitted attempt');
      await store.record(ledgerRow(first));
      assert.equal((await seen('198.51.100.1')).count, 1, 'recorded: counted in the ledger, not twice');
      const left = await suite.database.db.selectFrom('action_reservations').selectAll().execute();
      assert.deepEqual(left, []);
    });

    it('frees the place of a released attempt, and never reserves one it refuses', async () => {
      const before = (await seen('198.51.100.2')).count;
      const failed = attempt('198.51.100.2');
      await store.admit(failed, async () => undefined, true);
      assert.equal((await seen('198.51.100.2')).count, before + 1);
      await store.release(failed.idempotencyKey);
      assert.equal((await seen('198.51.100.2')).count, before);
      assert.equal(await store.admit(attempt('198.51.100.2'), async () => 'full', true), 'full');
      assert.equal((await seen('198.51.100.2')).count, before);
    });

    it('admits an attempt admitted or recorded before (the same attempt after a restart) without counting it again', async () => {
      const retried = attempt('198.51.100.3');
      await store.admit(retried, async () => undefined, true);
      let asked = false;
      const again = await store.admit(
        retried,
        async () => {
          asked = true;
          return 'full';
        },
        true,
      );
      assert.equal(again, undefined);
      assert.equal(asked, false);
      // Recorded, and then tried once more (the process stopped before the run heard of it).
      await store.record(ledgerRow(retried));
      assert.equal(await store.admit(retried, async () => 'full', true), undefined);
      assert.deepEqual(
        await suite.database.db
          .selectFrom('action_reservations')
          .select('idempotency_key')
          .where('idempotency_key', '=', retried.idempotencyKey)
          .execute(),
        [],
        'no second place for it',
      );
    });

    it('records many attempts at once in one commit, each once, each audited once', async () => {
      const attempts = Array.from({ length: 30 }, (_, i) => attempt(`198.51.100.${100 + i}`));
      for (const a of attempts) await store.admit(a, async () => undefined, true);
      const audit = (a: Attempt) => [
        {
          actor: { id: `run:${a.runId}`, type: 'system' as const },
          action: 'response.applied',
          targetType: 'ipv4',
          targetId: a.target!.value,
        },
      ];
      const auditRows = async () =>
        (
          await suite.database.db
            .selectFrom('audit_log')
            .select('target_id')
            .where('action', '=', 'response.applied')
            .execute()
        ).length;
      const auditedBefore = await auditRows();
      // All at once, one of them twice (a repeat after a restart, in the same batch).
      await Promise.all([...attempts, attempts[0]!].map((a) => store.record(ledgerRow(a), audit(a))));
      const keysIn = (table: 'action_ledger' | 'action_reservations') =>
        suite.database.db
          .selectFrom(table)
          .select('idempotency_key')
          .where(
            'idempotency_key',
            'in',
            attempts.map((a) => a.idempotencyKey),
          )
          .execute();
      assert.equal((await keysIn('action_ledger')).length, 30);
      assert.equal((await auditRows()) - auditedBefore, 30, 'the repeat is not audited again');
      assert.deepEqual(await keysIn('action_reservations'), [], 'every place passed to its ledger row');
    });

    it('gives up a place neither recorded nor released within a day', async () => {
      const lost = attempt('198.51.100.4');
      await store.admit(lost, async () => undefined, true);
      await suite.database.db
        .updateTable('action_reservations')
        .set({ reserved_at: new Date(Date.now() - 25 * 3600 * 1000).toISOString() })
        .where('idempotency_key', '=', lost.idempotencyKey)
        .execute();
      await store.admit(attempt('198.51.100.5'), async () => 'look', true);
      const left = await suite.database.db
        .selectFrom('action_reservations')
        .select('idempotency_key')
        .where('idempotency_key', '=', lost.idempotencyKey)
        .execute();
      assert.deepEqual(left, []);
    });
  });
}

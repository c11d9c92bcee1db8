import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { AuditLog } from '../../src/audit/audit-log.ts';
import { resealAll } from '../../src/secrets/key-rotation.ts';
import { keyFor } from '../../src/secrets/keyring.ts';
import { SecretStore } from '../../src/secrets/secret-store.ts';
import {
  commitPendingKey,
  generateMasterKey,
  keyFileKeys,
  loadMasterKey,
  writePendingKey,
  type MasterKey,
} from '../../src/security/master-key.ts';
import { SecretBox } from '../../src/security/secret-box.ts';
import { databaseKinds, useMigratedDatabase } from '../support/test-databases.ts';

const ACTOR = { id: 't', type: 'system' as const };

for (const kind of databaseKinds()) {
  describe(`rotating the master key beside running processes on ${kind}`, () => {
    const suite = useMigratedDatabase(kind);
    const dataDir = mkdtempSync(path.join(tmpdir(), 'riposte-rotation-'));
    after(() => rmSync(dataDir, { recursive: true, force: true }));

    /** What each process has: its box, and a secret store and audit log on it. */
    const processOf = async (box: SecretBox) => {
      const audit = new AuditLog(await keyFor(suite.database.db, box, 'audit-chain'), kind);
      return { box, audit, secrets: new SecretStore(suite.database.db, box, audit) };
    };
    const keyIdOf = async (name: string) => {
      const row = await suite.database.db
        .selectFrom('secrets')
        .select('value_enc')
        .where('name', '=', name)
        .executeTakeFirstOrThrow();
      return SecretBox.keyIdOf(row.value_enc);
    };
    /** The rotation as `riposte keys rotate` makes it, with the key file. */
    const rotate = async (current: SecretBox, next: MasterKey) => {
      const { audit } = await processOf(current);
      await resealAll(suite.database.db, current, next, audit, ACTOR, () => writePendingKey(dataDir, next));
      commitPendingKey(dataDir, next);
    };

    it('a process on the key file reads the new key when it meets it, and seals with it', async () => {
      const old = loadMasterKey(undefined, dataDir);
      const running = await processOf(new SecretBox(old, [], () => keyFileKeys(dataDir)));
      // Started with RIPOSTE_MASTER_KEY set to the old key alone: it cannot read the new one anywhere.
      const fixed = await processOf(new SecretBox(old));
      await running.secrets.set('before', 'abcdef0123456789', ACTOR);
      assert.equal(await keyIdOf('before'), old.id);

      const next = generateMasterKey();
      await rotate(new SecretBox(old), next);
      assert.equal(await keyIdOf('before'), next.id, 're-sealed');

      // Opening a record under the new key makes it read the key file again.
      assert.equal((await running.secrets.values())['before'], 'abcdef0123456789');
      await running.secrets.set('after', 'bcdef0123456789a', ACTOR);
      assert.equal(await keyIdOf('after'), next.id, 'sealed with the key the database is sealed with');
      assert.equal(running.box.keyId, next.id);

      await assert.rejects(
        fixed.secrets.set('stale', 'cdef0123456789ab', ACTOR),
        /sealed with master key [0-9a-f]{8}, which this process does not have .*rotated/,
      );
      await assert.rejects(fixed.secrets.values(), /which this process does not have/);
      assert.equal(
        await suite.database.db
          .selectFrom('secrets')
          .select('name')
          .where('name', '=', 'stale')
          .executeTakeFirst(),
        undefined,
        'nothing sealed with a key the others no longer have',
      );
    });

    it('RIPOSTE_MASTER_KEY=NEW,OLD: seals with the old key until the database moves, then with the new', async () => {
      const old = loadMasterKey(undefined, dataDir);
      const next = generateMasterKey();
      const listed = await processOf(new SecretBox(next, [old]));
      await listed.secrets.set('listed_before', 'abcdef0123456789', ACTOR);
      assert.equal(await keyIdOf('listed_before'), old.id, 'the database is still under the old key');
      await resealAll(suite.database.db, new SecretBox(next, [old]), next, listed.audit, ACTOR);
      await listed.secrets.set('listed_after', 'abcdef0123456789', ACTOR);
      assert.equal(await keyIdOf('listed_after'), next.id);
      assert.equal(await keyIdOf('listed_before'), next.id);
      await assert.rejects(
        resealAll(suite.database.db, new SecretBox(next), next, listed.audit, ACTOR),
        /already sealed with key/,
      );
      // Back to the key file's key, for the next test.
      await resealAll(suite.database.db, new SecretBox(next, [old]), old, listed.audit, ACTOR);
    });

    it('a secret sealed while the rotation runs ends under the new key', async () => {
      const current = new SecretBox(loadMasterKey(undefined, dataDir), [], () => keyFileKeys(dataDir));
      const running = await processOf(current);
      const next = generateMasterKey();
      // Many writes from the running process, the rotation in the middle of them.
      const writes = Array.from({ length: 20 }, (_, i) =>
        running.secrets.set(`during_${i}`, `abcdef0123456789${i}`, ACTOR),
      );
      await Promise.all([
        ...writes.slice(0, 10),
        rotate(new SecretBox(loadMasterKey(undefined, dataDir)), next),
        ...writes.slice(10),
      ]);
      const sealed = await suite.database.db.selectFrom('secrets').select('value_enc').execute();
      assert.deepEqual([...new Set(sealed.map((r) => SecretBox.keyIdOf(r.value_enc)))], [next.id]);
      const names = Array.from({ length: 20 }, (_, i) => `during_${i}`);
      const values = await running.secrets.values();
      assert.deepEqual(
        names.map((n) => values[n]),
        names.map((_, i) => `abcdef0123456789${i}`),
      );
    });
  });
}

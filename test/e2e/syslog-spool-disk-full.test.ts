import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SyslogSpool } from '../../src/ingest/syslog-spool.ts';
import { mountTmpfs, tmpfsSkipReason, type Tmpfs } from '../support/tmpfs.ts';

/**
 * The spool on a disk that fills up, for real (a 256 KiB tmpfs): an append that fails part-way
 * throws, leaves every earlier message readable at the positions given, and once there is room again
 * the spool goes on in a segment of its own — in this process and in the next, which skips the half
 * line the failed write left.
 */
describe('a syslog spool on a full disk', { skip: tmpfsSkipReason('the spool disk-full test') }, () => {
  let disk: Tmpfs;
  before(() => {
    disk = mountTmpfs('256k', 'riposte-spool-full-');
  });
  after(() => disk?.remove());

  it('keeps what it wrote readable, and goes on once there is room', () => {
    const dir = path.join(disk.dir, 'spool');
    const spool = SyslogSpool.open(dir, 64 * 1024 * 1024);
    let next: SyslogSpool | undefined;
    try {
      const kept: string[] = [];
      let failure: unknown;
      // Chunks of 50 messages, as a TCP read brings them, until the disk refuses one.
      for (let chunk = 0; chunk < 1000 && !failure; chunk++) {
        const messages = Array.from({ length: 50 }, (_, i) => `<14>message ${chunk}.${i} ${'x'.repeat(80)}`);
        try {
          spool.append(messages);
          kept.push(...messages);
        } catch (error) {
          failure = error;
        }
      }
      assert.equal((failure as NodeJS.ErrnoException | undefined)?.code, 'ENOSPC');
      assert.ok(kept.length > 500, `${kept.length} messages before the disk was full`);
      const read = spool.read(spool.committed, 1_000_000);
      assert.deepEqual(
        read.messages.map((m) => m.text),
        kept,
      );
      assert.equal(read.skipped, 0, 'the half-written chunk is past what a read looks at');

      disk.resize('1m');
      const after = ['<14>after the disk grew', '<14>and another'];
      spool.append(after);
      const again = spool.read(spool.committed, 1_000_000);
      assert.deepEqual(
        again.messages.map((m) => m.text),
        [...kept, ...after],
      );
      assert.equal(again.skipped, 0);
      spool.close();

      // The next process reads the same: the failed write's part was cut off the first segment.
      next = SyslogSpool.open(dir, 64 * 1024 * 1024);
      const replay = next.read(next.committed, 1_000_000);
      assert.deepEqual(
        replay.messages.map((m) => m.text),
        [...kept, ...after],
      );
      assert.equal(replay.skipped, 0);
      writeFileSync(path.join(disk.dir, 'probe'), 'the file system still works');
    } finally {
      spool.close();
      next?.close();
    }
  });
});

import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { SyslogSpool } from './syslog-spool.ts';

const dirs: string[] = [];
const scratch = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'riposte-spool-'));
  dirs.push(dir);
  return dir;
};
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const MB = 1024 * 1024;
const texts = (spool: SyslogSpool) => spool.read(spool.committed, 1_000_000).messages.map((m) => m.text);

describe('syslog spool', () => {
  it('reads back what was appended, in order, whatever the text holds', () => {
    const spool = SyslogSpool.open(scratch(), MB);
    const messages = ['<14>first', 'with\nnewline and "quotes"', 'ünïcödé 🛡', 'x'.repeat(70_000)];
    const ends = spool.append(messages)!;
    assert.equal(ends.length, 4);
    assert.deepEqual(texts(spool), messages);
    // Each end is where the next message starts; a read can stop after any of them.
    const first = spool.read(spool.committed, 2);
    assert.deepEqual(
      first.messages.map((m) => m.text),
      messages.slice(0, 2),
    );
    assert.deepEqual(first.next, ends[1]);
    assert.deepEqual(
      spool.read(first.next, 10).messages.map((m) => m.text),
      messages.slice(2),
    );
    assert.deepEqual(spool.read(ends[3]!, 10).messages, []);
    spool.close();
  });

  it('a new process reads from the committed position; what was committed is not read again', () => {
    const dir = scratch();
    const first = SyslogSpool.open(dir, MB);
    const ends = first.append(['a', 'b', 'c', 'd'])!;
    first.commit(ends[1]!);
    // The process dies here: nothing more is committed.
    first.close();
    const second = SyslogSpool.open(dir, MB);
    assert.deepEqual(second.committed, ends[1]);
    assert.deepEqual(texts(second), ['c', 'd']);
    // It writes to a segment of its own, after what the first left.
    second.append(['e']);
    assert.deepEqual(texts(second), ['c', 'd', 'e']);
    second.commit(second.end);
    second.close();
    const third = SyslogSpool.open(dir, MB);
    assert.deepEqual(texts(third), []);
    third.close();
  });

  it('rolls segments, deletes the ones wholly committed, and keeps to its limit', () => {
    const dir = scratch();
    const spool = SyslogSpool.open(dir, 64 * 1024, 8 * 1024);
    const line = 'm'.repeat(1000);
    const ends = [];
    for (let i = 0; i < 100; i++) {
      const end = spool.append([`${i}:${line}`]);
      if (!end) break;
      ends.push(end[0]!);
    }
    // About 1 KB a line, 64 KB at most: the limit refused the rest, and nothing of them was written.
    assert.ok(ends.length > 60 && ends.length < 66, `${ends.length} appended`);
    assert.ok(spool.bytes <= 64 * 1024);
    assert.equal(spool.append([line]), undefined);
    assert.equal(texts(spool).length, ends.length);
    const segments = () => readdirSync(dir).filter((f) => f.endsWith('.log')).length;
    assert.ok(segments() >= 8, `${segments()} segments`);
    // Committing all but the last few frees the segments before the commit's.
    spool.commit(ends[ends.length - 3]!);
    assert.ok(segments() <= 2, `${segments()} segments left`);
    assert.ok(spool.bytes < 16 * 1024);
    assert.deepEqual(
      texts(spool).map((t) => Number(t.split(':')[0])),
      [ends.length - 2, ends.length - 1],
    );
    assert.ok(spool.append(['room again']));
    spool.close();
  });

  it('skips a line a crash cut short, and reads on', () => {
    const dir = scratch();
    const first = SyslogSpool.open(dir, MB);
    first.append(['before']);
    first.close();
    // The segment the first process wrote ends in half a line, as after a crash mid-write.
    const segment = readdirSync(dir).find((f) => f.endsWith('.log'))!;
    appendFileSync(path.join(dir, segment), '"half a li');
    const second = SyslogSpool.open(dir, MB);
    second.append(['after']);
    const read = second.read(second.committed, 100);
    assert.deepEqual(
      read.messages.map((m) => m.text),
      ['before', 'after'],
    );
    assert.equal(read.skipped, 1);
    second.close();
  });

  it('reads everything again when its committed position is unreadable', () => {
    const dir = scratch();
    const first = SyslogSpool.open(dir, MB);
    const ends = first.append(['a', 'b'])!;
    first.commit(ends[0]!);
    first.close();
    writeFileSync(path.join(dir, 'committed.json'), '{"segment": "x"');
    const second = SyslogSpool.open(dir, MB);
    assert.deepEqual(texts(second), ['a', 'b']);
    second.close();
  });
});

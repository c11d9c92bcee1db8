import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSyslog, SyslogFramer, SYSLOG_MAX_MESSAGE } from './syslog-frame.ts';

describe('syslog headers', () => {
  it('reads RFC 5424: priority, time, host, app, structured data skipped, the BOM dropped', () => {
    const m = parseSyslog(
      '<165>1 2026-12-02T10:00:00.000Z fw01.example.org suricata 1234 ID47 [exampleSDID@32473 iut="3" eventSource="App\\]x"] \uFEFF{"event_type":"alert"}',
    );
    assert.deepEqual(m, {
      facility: 20,
      severity: 5,
      timestamp: '2026-12-02T10:00:00.000Z',
      host: 'fw01.example.org',
      app: 'suricata',
      message: '{"event_type":"alert"}',
    });
    assert.equal(parseSyslog('<14>1 - - - - - - bare').message, 'bare');
    assert.equal(parseSyslog('<14>1 - - - - - -').message, '');
  });

  it('reads RFC 3164: the BSD time, host and tag (with a pid)', () => {
    const m = parseSyslog('<34>Dec  2 10:00:00 ids01 suricata[812]: {"a":1}');
    assert.deepEqual(m, {
      facility: 4,
      severity: 2,
      timestamp: 'Dec  2 10:00:00',
      host: 'ids01',
      app: 'suricata',
      message: '{"a":1}',
    });
  });

  it('takes a line without a header as all message', () => {
    assert.equal(parseSyslog('CEF:0|a|b|1|100|x|5|').message, 'CEF:0|a|b|1|100|x|5|');
    assert.equal(parseSyslog('<13>not a known header').message, 'not a known header');
  });
});

describe('syslog over TCP', () => {
  it('splits octet-counted frames, and lines, across chunk boundaries', () => {
    const framer = new SyslogFramer();
    const a = '<14>1 - h app - - - first';
    const b = '<14>1 - h app - - - sécond';
    const stream = Buffer.from(
      `${Buffer.byteLength(a)} ${a}${Buffer.byteLength(b)} ${b}<14>third line\n<14>fourth`,
    );
    const out: string[] = [];
    for (let i = 0; i < stream.length; i += 7) out.push(...framer.push(stream.subarray(i, i + 7)));
    out.push(...framer.end());
    assert.deepEqual(out, [a, b, '<14>third line', '<14>fourth']);
  });

  it('skips a frame or a line longer than the limit, and goes on', () => {
    const framer = new SyslogFramer();
    const huge = 'x'.repeat(SYSLOG_MAX_MESSAGE + 10);
    const out = [
      ...framer.push(Buffer.from(`${huge.length} ${huge}`)),
      ...framer.push(Buffer.from('<14>after the frame\n')),
      ...framer.push(Buffer.from(`<14>${huge}`)),
      ...framer.push(Buffer.from(`${huge}\n<14>after the line\n`)),
    ];
    assert.deepEqual(out, ['<14>after the frame', '<14>after the line']);
    assert.equal(framer.dropped, 2);
  });
});

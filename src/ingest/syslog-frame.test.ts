import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
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

describe('syslog over TCP, property-based', () => {
  /** A message as senders frame it: octet-counted (any text) or a line (a PRI first, no line break). */
  const framed = fc.oneof(
    fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 200 })
      .filter((m) => m.trim() !== '' && !/\r?\n$/.test(m))
      .map((m) => ({ m, wire: `${Buffer.byteLength(m)} ${m}` })),
    fc
      .string({ unit: 'grapheme', maxLength: 200 })
      .map((t) => `<14>${t.replace(/[\r\n]/g, ' ')}`)
      .map((m) => ({ m, wire: `${m}\n` })),
  );

  it('gives back every message, whatever the mix of framings and wherever the stream is cut', () => {
    fc.assert(
      fc.property(
        fc.array(framed, { maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (frames, cuts) => {
          const stream = Buffer.from(frames.map((f) => f.wire).join(''));
          const at = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
          const framer = new SyslogFramer();
          const out: string[] = [];
          let from = 0;
          for (const cut of [...at, stream.length]) {
            out.push(...framer.push(stream.subarray(from, cut)));
            from = cut;
          }
          out.push(...framer.end());
          assert.deepEqual(
            out,
            frames.map((f) => f.m),
          );
          assert.equal(framer.dropped, 0);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('never throws on arbitrary bytes, and every message it gives back has a header parseSyslog reads', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 10 }), (chunks) => {
        const framer = new SyslogFramer();
        const out = [...chunks.flatMap((c) => framer.push(Buffer.from(c))), ...framer.end()];
        for (const line of out) assert.equal(typeof parseSyslog(line).message, 'string');
      }),
      { numRuns: 2000 },
    );
  });
});

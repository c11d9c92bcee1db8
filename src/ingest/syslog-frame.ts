/**
 * Syslog on the wire: the header of a message (RFC 5424, or the BSD format of RFC 3164) and the
 * framing of a TCP stream (RFC 6587: octet counting, `<length> <message>`, or one message per line).
 * Pure: no I/O.
 */

/** The longest message kept; longer ones are dropped (a sender's garbage must not grow memory). */
export const SYSLOG_MAX_MESSAGE = 64 * 1024;

export interface SyslogMessage {
  facility: number | null;
  severity: number | null;
  timestamp: string | null;
  host: string | null;
  app: string | null;
  /** What follows the header: the event itself. */
  message: string;
}

const PRI = /^<(\d{1,3})>/;
const RFC5424 = /^1 (\S+) (\S+) (\S+) (\S+) (\S+) /;
const RFC3164 = /^([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) (\S+) ([^:\s[]+)(?:\[[^\]]*\])?: ?/;

/** Skips RFC 5424 structured data: `-` or one or more `[id key="value" …]`, with `\]` escapes inside. */
function afterStructuredData(text: string): string {
  if (text.startsWith('- ')) return text.slice(2);
  if (text === '-') return '';
  let i = 0;
  while (text[i] === '[') {
    i++;
    while (i < text.length && text[i] !== ']') i += text[i] === '\\' ? 2 : 1;
    i++;
  }
  return text.slice(i).replace(/^ /, '');
}

/**
 * The header fields and the message of one syslog line. A line without a header is all message (a
 * sender that writes bare CEF or JSON lines to the port).
 */
export function parseSyslog(line: string): SyslogMessage {
  const bare: SyslogMessage = {
    facility: null,
    severity: null,
    timestamp: null,
    host: null,
    app: null,
    message: line,
  };
  const pri = PRI.exec(line);
  if (!pri) return bare;
  const value = Number(pri[1]);
  let rest = line.slice(pri[0].length);
  const nil = (v: string) => (v === '-' ? null : v);
  const base = { ...bare, facility: value >> 3, severity: value & 7 };
  const modern = RFC5424.exec(rest);
  if (modern) {
    rest = afterStructuredData(rest.slice(modern[0].length));
    return {
      ...base,
      timestamp: nil(modern[1]!),
      host: nil(modern[2]!),
      app: nil(modern[3]!),
      message: rest.replace(/^\uFEFF/, ''),
    };
  }
  const bsd = RFC3164.exec(rest);
  if (bsd)
    return { ...base, timestamp: bsd[1]!, host: bsd[2]!, app: bsd[3]!, message: rest.slice(bsd[0].length) };
  return { ...base, message: rest };
}

/**
 * Splits a TCP stream into messages. Each frame is read as it comes: digits and a space begin an
 * octet-counted frame (that many bytes follow); anything else is a line, up to LF. A frame longer than
 * SYSLOG_MAX_MESSAGE is skipped (counted in `dropped`).
 */
export class SyslogFramer {
  #buffer: Buffer = Buffer.alloc(0);
  /** Bytes still to skip of an oversized frame. */
  #skip = 0;
  /** Skipping the rest of an oversized line, up to its LF. */
  #skipLine = false;
  dropped = 0;

  push(chunk: Buffer): string[] {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const out: string[] = [];
    for (;;) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, this.#buffer.length);
        this.#skip -= n;
        this.#buffer = this.#buffer.subarray(n);
        if (this.#skip > 0) return out;
      }
      if (this.#skipLine) {
        const lf = this.#buffer.indexOf(0x0a);
        if (lf === -1) {
          this.#buffer = Buffer.alloc(0);
          return out;
        }
        this.#buffer = this.#buffer.subarray(lf + 1);
        this.#skipLine = false;
      }
      if (this.#buffer.length === 0) return out;
      const counted = /^(\d{1,9}) /.exec(this.#buffer.subarray(0, 11).toString('latin1'));
      if (counted) {
        const length = Number(counted[1]);
        const start = counted[0].length;
        if (length > SYSLOG_MAX_MESSAGE) {
          this.dropped++;
          this.#skip = start + length;
          continue;
        }
        if (this.#buffer.length < start + length) return out;
        out.push(
          this.#buffer
            .subarray(start, start + length)
            .toString('utf8')
            .replace(/\r?\n$/, ''),
        );
        this.#buffer = this.#buffer.subarray(start + length);
        continue;
      }
      const lf = this.#buffer.indexOf(0x0a);
      if (lf === -1) {
        if (this.#buffer.length > SYSLOG_MAX_MESSAGE) {
          this.dropped++;
          this.#buffer = Buffer.alloc(0);
          this.#skipLine = true;
        }
        return out;
      }
      const line = this.#buffer.subarray(0, lf).toString('utf8').replace(/\r$/, '');
      this.#buffer = this.#buffer.subarray(lf + 1);
      if (line.length > SYSLOG_MAX_MESSAGE) this.dropped++;
      else if (line.trim() !== '') out.push(line);
    }
  }

  /** What is left when the connection ends: a last line without its LF. */
  end(): string[] {
    const rest = this.#skip > 0 || this.#skipLine ? '' : this.#buffer.toString('utf8').trim();
    this.#buffer = Buffer.alloc(0);
    return rest === '' ? [] : [rest];
  }
}

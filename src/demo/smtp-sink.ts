import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/** A message the sink accepted. */
export interface SunkMail {
  from: string;
  to: string[];
  subject: string;
  /** The message as sent (headers and body), dot-unstuffed. */
  data: string;
}

export interface SmtpSink {
  host: string;
  port: number;
  received: SunkMail[];
  close(): Promise<void>;
}

const address = (arg: string) => /<([^>]*)>/.exec(arg)?.[1] ?? arg.trim();

/**
 * The demo's mail server: plain SMTP on 127.0.0.1 (no TLS, no authentication) that accepts every
 * message and keeps it, so "tell the reporter" and "mail the owner" steps have somewhere to go.
 * Just enough of RFC 5321 for a client that does not pipeline: EHLO/HELO, MAIL, RCPT, DATA, RSET,
 * NOOP, QUIT.
 */
export async function startSmtpSink(): Promise<SmtpSink> {
  const received: SunkMail[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setEncoding('utf8');
    let buffer = '';
    let from = '';
    let to: string[] = [];
    let data: string[] | null = null;
    const reply = (line: string) => socket.write(`${line}\r\n`);
    const command = (line: string) => {
      const [verb = '', ...rest] = line.split(' ');
      const arg = rest.join(' ');
      switch (verb.toUpperCase()) {
        case 'EHLO':
          return reply('250-riposte-demo\r\n250 8BITMIME');
        case 'HELO':
          return reply('250 riposte-demo');
        case 'MAIL':
          from = address(arg);
          to = [];
          return reply('250 OK');
        case 'RCPT':
          to.push(address(arg));
          return reply('250 OK');
        case 'DATA':
          if (to.length === 0) return reply('503 RCPT first');
          data = [];
          return reply('354 End data with <CR><LF>.<CR><LF>');
        case 'RSET':
          from = '';
          to = [];
          return reply('250 OK');
        case 'NOOP':
          return reply('250 OK');
        case 'QUIT':
          reply('221 Bye');
          return socket.end();
        default:
          return reply('502 Command not implemented');
      }
    };
    const line = (text: string) => {
      if (data === null) return command(text);
      if (text !== '.') return void data.push(text.startsWith('..') ? text.slice(1) : text);
      const message = data.join('\r\n');
      const subject = /^subject:[ \t]*(.*)$/im.exec(message.split(/\r\n\r\n/)[0] ?? '')?.[1] ?? '';
      received.push({ from, to, subject, data: message });
      data = null;
      return reply('250 OK: queued');
    };
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (let end = buffer.indexOf('\r\n'); end >= 0; end = buffer.indexOf('\r\n')) {
        line(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    });
    reply('220 riposte-demo ESMTP');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A message the sink accepted: the SMTP envelope and the parsed message. */
export interface ReceivedMail {
  envelope: { from: string | null; to: string[] };
  /** The login it was submitted with; null without authentication. */
  user: string | null;
  message: ParsedMail;
}

/**
 * A local SMTP server for one test: it takes mail on `127.0.0.1:<free port>` (plain SMTP, no
 * STARTTLS), optionally only after AUTH with one of `users`, and keeps every message it accepted,
 * parsed, in `received` — the mailbox the test reads.
 */
export interface SmtpSink {
  host: string;
  port: number;
  received: ReceivedMail[];
  stop(): Promise<void>;
}

export interface SmtpSinkOptions {
  /** Logins accepted (name → password); without it, no authentication is offered or needed. */
  users?: Record<string, string>;
  /** Recipients refused with 550 at RCPT TO. */
  refuse?: string[];
}

export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const received: ReceivedMail[] = [];
  const users = options.users;
  const refused = new Set((options.refuse ?? []).map((a) => a.toLowerCase()));
  const server = new SMTPServer({
    secure: false,
    disabledCommands: users ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !users,
    // Plain-text AUTH on loopback, for the test only.
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (users && auth.username && users[auth.username] === auth.password)
        return callback(null, { user: auth.username });
      const error = Object.assign(new Error('Invalid username or password'), { responseCode: 535 });
      return callback(error);
    },
    onRcptTo(address, _session, callback) {
      if (refused.has(address.address.toLowerCase()))
        return callback(Object.assign(new Error('No such user here'), { responseCode: 550 }));
      return callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((message) => {
          const from = session.envelope.mailFrom;
          received.push({
            envelope: {
              from: from ? from.address : null,
              to: session.envelope.rcptTo.map((r) => r.address),
            },
            user: typeof session.user === 'string' ? session.user : null,
            message,
          });
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    host: '127.0.0.1',
    port,
    received,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

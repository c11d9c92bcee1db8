import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createServer } from 'node:net';
import { inspect } from 'node:util';
import { type SmtpSink, startSmtpSink } from '../../../test/support/smtp-sink.ts';
import { ActionError } from '../../core/action.ts';
import { runIntegrationAction, testIntegrationConnection } from '../sdk/integration-test-kit.ts';
import { idempotentMessageId } from './send-mail.ts';
import { smtpIntegration } from './smtp-integration.ts';

const PASSWORD = 'smtp-relay-S3cret!';

/** A port nothing listens on (taken, then released). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function rejection(promise: Promise<unknown>): Promise<ActionError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ActionError, `expected an ActionError, got ${inspect(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}

const MAIL = {
  to: ['alice@example.org', 'bob@example.org'],
  cc: ['soc-lead@example.org'],
  subject: 'Phishing quarantined: Invoice overdue',
  text: 'The message <abc@phish.example.net> was moved to quarantine in 2 mailboxes.',
  html: '<p>The message was moved to <b>quarantine</b> in 2 mailboxes.</p>',
};

describe('smtp notification against a local SMTP server', () => {
  let sink: SmtpSink;
  let fields: Record<string, string>;
  const send = (input: Record<string, unknown>, overrides: Record<string, string> = {}) =>
    runIntegrationAction(smtpIntegration, 'send_mail', input, {
      baseUrl: 'http://unused',
      fields: { ...fields, ...overrides },
    }) as Promise<{ message_id: string; accepted: string[]; rejected: string[]; response: string }>;

  before(async () => {
    sink = await startSmtpSink({ users: { 'riposte@example.org': PASSWORD }, refuse: ['gone@example.org'] });
    fields = {
      host: sink.host,
      port: String(sink.port),
      secure: 'false',
      username: 'riposte@example.org',
      password: PASSWORD,
      from: 'Riposte SOC <soc@example.org>',
    };
  });
  after(() => sink?.stop());

  it('delivers the mail: subject, body, recipients and a Message-ID derived from the step', async () => {
    const before = sink.received.length;
    const output = await send(MAIL);
    assert.equal(sink.received.length, before + 1);
    const mail = sink.received.at(-1)!;
    assert.equal(mail.user, 'riposte@example.org');
    assert.equal(mail.envelope.from, 'soc@example.org');
    assert.deepEqual(mail.envelope.to.sort(), [
      'alice@example.org',
      'bob@example.org',
      'soc-lead@example.org',
    ]);
    assert.equal(mail.message.subject, MAIL.subject);
    assert.equal(mail.message.text?.trim(), MAIL.text);
    assert.match(String(mail.message.html), /<b>quarantine<\/b>/);
    assert.equal(mail.message.headers.get('auto-submitted'), 'auto-generated');
    // The kit runs every step as instance "test" with idempotency key "run_test:step:1".
    const expected = idempotentMessageId('test', 'run_test:step:1', 'soc@example.org');
    assert.match(expected, /^<riposte\.[0-9a-f]{32}@example\.org>$/);
    assert.equal(mail.message.messageId, expected);
    assert.equal(output.message_id, expected);
    assert.deepEqual(output.accepted.sort(), [
      'alice@example.org',
      'bob@example.org',
      'soc-lead@example.org',
    ]);
    assert.match(output.response, /^250/);
  });

  it('sends a retried step as the same message, and another step as a different one', async () => {
    const first = await send({ to: ['alice@example.org'], subject: 'one', text: 'x' });
    const retry = await send({ to: ['alice@example.org'], subject: 'one', text: 'x' });
    assert.equal(retry.message_id, first.message_id);
    assert.equal(sink.received.at(-1)!.message.messageId, sink.received.at(-2)!.message.messageId);
    assert.notEqual(idempotentMessageId('test', 'run_test:step:2', 'soc@example.org'), first.message_id);
    assert.notEqual(idempotentMessageId('other', 'run_test:step:1', 'soc@example.org'), first.message_id);
  });

  it('passes the connection test', async () => {
    await testIntegrationConnection(smtpIntegration, { baseUrl: 'http://unused', fields });
  });

  it('fails a refused login as unauthorized, without the password in the message', async () => {
    const wrong = 'wrong-Pa55word!';
    const before = sink.received.length;
    const error = await rejection(send(MAIL, { password: wrong }));
    assert.equal(error.code, 'unauthorized');
    assert.equal(error.retryable, false);
    assert.match(error.message, /riposte@example\.org/);
    assert.ok(!error.message.includes(wrong));
    assert.ok(!inspect(error).includes(wrong));
    assert.equal(sink.received.length, before, 'nothing delivered');
    const test = await rejection(
      testIntegrationConnection(smtpIntegration, {
        baseUrl: 'http://unused',
        fields: { ...fields, password: wrong },
      }),
    );
    assert.equal(test.code, 'unauthorized');
  });

  it('fails a recipient the server refuses as rejected, not retried', async () => {
    const error = await rejection(send({ to: ['gone@example.org'], subject: 's', text: 't' }));
    assert.equal(error.code, 'rejected');
    assert.equal(error.retryable, false);
    assert.match(error.message, /550/);
  });

  it('fails a server that is down as a retryable network error', async () => {
    const error = await rejection(send(MAIL, { port: String(await freePort()) }));
    assert.equal(error.code, 'network');
    assert.equal(error.retryable, true);
    assert.match(error.message, /ECONNREFUSED/);
  });

  it('refuses an instance without a usable from address', async () => {
    const error = await rejection(send(MAIL, { from: 'nobody' }));
    assert.equal(error.code, 'invalid_configuration');
  });
});

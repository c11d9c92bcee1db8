import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { ImapFlow } from 'imapflow';
import { type Dovecot, dovecotSkipReason, freePort, startDovecot } from '../../../test/support/dovecot.ts';
import { ActionError } from '../../core/action.ts';
import type { IntegrationContext } from '../sdk/integration.ts';
import { runIntegrationAction, testIntegrationConnection } from '../sdk/integration-test-kit.ts';
import { imapIntegration } from './imap-integration.ts';

type Output = Record<string, unknown> & {
  found: boolean;
  moved?: { mailbox: string; folder: string; uid: number; quarantine_uid: number | null }[];
  already_quarantined?: { mailbox: string; folder: string | null; quarantine_uid: number }[];
  restored?: { mailbox: string; folder: string; uid: number | null }[];
  deleted?: { mailbox: string; folder: string; uid: number }[];
  locations?: { mailbox: string; folder: string; uid: number; quarantined: boolean }[];
};

async function rejection(promise: Promise<unknown>): Promise<ActionError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ActionError, `expected an ActionError, got ${inspect(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}

const newMessageId = () => `<${randomUUID()}@phish.example.net>`;

function rfc822(messageId: string, subject = 'Invoice overdue'): string {
  return [
    'From: "Billing" <billing@phish.example.net>',
    'To: staff@example.org',
    `Subject: ${subject}`,
    `Message-ID: ${messageId}`,
    'Date: Mon, 01 Jun 2026 09:00:00 +0000',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Please pay at https://pay.phish.example.net/',
    '',
  ].join('\r\n');
}

describe('imap quarantine against a real Dovecot', { skip: dovecotSkipReason() }, () => {
  let dovecot: Dovecot;
  let fields: Record<string, string>;

  /** A master-user login into one user's mailbox, for seeding and reading back. */
  async function asUser<T>(user: string, work: (imap: ImapFlow) => Promise<T>): Promise<T> {
    const imap = new ImapFlow({
      host: dovecot.host,
      port: dovecot.port,
      secure: false,
      auth: { user: `${user}${dovecot.separator}${dovecot.master.username}`, pass: dovecot.master.password },
      logger: false,
      disableAutoIdle: true,
    });
    await imap.connect();
    try {
      return await work(imap);
    } finally {
      await imap.logout();
    }
  }

  const deliver = (user: string, raw: string, folder = 'INBOX') =>
    asUser(user, async (imap) => {
      if (folder !== 'INBOX') await imap.mailboxCreate(folder).catch(() => {});
      await imap.append(folder, raw);
    });

  /** The Message-IDs in a folder; null when the folder does not exist. */
  const idsIn = (user: string, folder: string) =>
    asUser(user, async (imap) => {
      const exists = (await imap.list()).some((f) => f.path === folder);
      if (!exists) return null;
      const lock = await imap.getMailboxLock(folder);
      try {
        const messages = await imap.fetchAll('1:*', { envelope: true }).catch(() => []);
        return messages.map((m) => m.envelope?.messageId ?? '');
      } finally {
        lock.release();
      }
    });

  const run = (name: string, input: Record<string, unknown>, overrides: Record<string, string> = {}) =>
    runIntegrationAction(imapIntegration, name, input, {
      baseUrl: 'http://unused',
      fields: { ...fields, ...overrides },
    }) as Promise<Output>;

  const action = (name: string) => imapIntegration.actions.find((a) => a.name === name)!;

  const alreadyApplied = (name: string, input: Record<string, unknown>) =>
    action(name).alreadyApplied!(input as never, {
      fields,
      instance: 'test',
      idempotencyKey: 'run_test:step:1',
      attempt: 1,
      signal: new AbortController().signal,
      http: undefined as never,
    } satisfies IntegrationContext);

  before(async () => {
    dovecot = await startDovecot();
    fields = {
      host: dovecot.host,
      port: String(dovecot.port),
      tls: 'false',
      username: dovecot.master.username,
      password: dovecot.master.password,
      mailboxes: 'alice, bob, carol',
    };
  });
  after(() => dovecot?.stop());

  it('declares the RE&CT ids, targets and the inverse', () => {
    assert.equal(action('quarantine_message').react, 'RA3203');
    assert.equal(action('quarantine_message').inverse, 'release_message');
    assert.equal(action('release_message').react, 'RA5203');
    assert.equal(action('delete_message').react, 'RA4201');
    assert.equal(action('delete_message').inverse, undefined);
    assert.equal(action('find_message').effect, 'read');
    assert.deepEqual(action('quarantine_message').target!({ message_id: 'abc@x' } as never), {
      type: 'message',
      value: '<abc@x>',
    });
  });

  it('passes the connection test, and names a mailbox the master user cannot enter', async () => {
    await testIntegrationConnection(imapIntegration, { baseUrl: 'http://unused', fields });
    const error = await rejection(
      testIntegrationConnection(imapIntegration, {
        baseUrl: 'http://unused',
        fields: { ...fields, mailboxes: 'alice, mallory' },
      }),
    );
    assert.equal(error.code, 'unauthorized');
    assert.match(error.message, /mallory\*riposte/);
  });

  it('finds a message by Message-ID in every mailbox holding it, and only that message', async () => {
    const id = newMessageId();
    await deliver('alice', rfc822(id));
    await deliver('bob', rfc822(id));
    // A different message whose Message-ID contains the searched one: IMAP's substring search matches it.
    await deliver('bob', rfc822(id.replace('<', '<re-')));
    const output = await run('find_message', { message_id: id.slice(1, -1) });
    assert.equal(output.message_id, id);
    assert.equal(output.found, true);
    assert.deepEqual(
      output.locations!.map((l) => [l.mailbox, l.folder, l.quarantined]),
      [
        ['alice', 'INBOX', false],
        ['bob', 'INBOX', false],
      ],
    );
  });

  it('quarantines a message out of two users’ INBOXes and releases it back', async () => {
    const id = newMessageId();
    const bystander = newMessageId();
    await deliver('alice', rfc822(id));
    await deliver('alice', rfc822(bystander, 'Lunch on Friday'));
    await deliver('bob', rfc822(id));
    assert.equal(await alreadyApplied('quarantine_message', { message_id: id }), false);

    const output = await run('quarantine_message', { message_id: id });
    assert.equal(output.found, true);
    assert.deepEqual(
      output.moved!.map((m) => [m.mailbox, m.folder, typeof m.uid, typeof m.quarantine_uid]),
      [
        ['alice', 'INBOX', 'number', 'number'],
        ['bob', 'INBOX', 'number', 'number'],
      ],
    );
    // Read back over IMAP: gone from the INBOXes, in each user's (new) Quarantine folder.
    const aliceInbox = (await idsIn('alice', 'INBOX'))!;
    assert.ok(!aliceInbox.includes(id) && aliceInbox.includes(bystander), 'only the phish left');
    assert.ok(!(await idsIn('bob', 'INBOX'))!.includes(id));
    assert.deepEqual(await idsIn('alice', 'Quarantine'), [id]);
    assert.deepEqual(await idsIn('bob', 'Quarantine'), [id]);
    assert.equal(
      await idsIn('carol', 'Quarantine'),
      null,
      'no folder created where there was nothing to move',
    );
    assert.equal(await alreadyApplied('quarantine_message', { message_id: id }), true);

    const quarantine = action('quarantine_message');
    const inverseInput = quarantine.inverseInput!({ message_id: id } as never, output as never);
    assert.equal(await alreadyApplied('release_message', inverseInput), false);
    const released = await run(quarantine.inverse!, inverseInput);
    assert.deepEqual(
      released.restored!.map((r) => [r.mailbox, r.folder]),
      [
        ['alice', 'INBOX'],
        ['bob', 'INBOX'],
      ],
    );
    assert.ok((await idsIn('alice', 'INBOX'))!.includes(id));
    assert.ok((await idsIn('bob', 'INBOX'))!.includes(id));
    assert.deepEqual(await idsIn('alice', 'Quarantine'), []);
    assert.equal(await alreadyApplied('release_message', inverseInput), true);
  });

  it('puts each copy back into the folder it came from', async () => {
    const id = newMessageId();
    await deliver('carol', rfc822(id), 'Archive');
    await deliver('carol', rfc822(id));
    const scoped = { folders: 'INBOX, Archive' };
    const output = await run('quarantine_message', { message_id: id }, scoped);
    assert.deepEqual(output.moved!.map((m) => m.folder).sort(), ['Archive', 'INBOX']);
    assert.deepEqual(await idsIn('carol', 'Archive'), []);
    await run(
      'release_message',
      action('quarantine_message').inverseInput!({} as never, output as never),
      scoped,
    );
    assert.deepEqual(await idsIn('carol', 'Archive'), [id]);
    assert.deepEqual(
      (await idsIn('carol', 'INBOX'))!.filter((m) => m === id),
      [id],
    );
  });

  it('checks before acting on a repeat, and a retry after a partial run still knows where copies came from', async () => {
    const id = newMessageId();
    await deliver('alice', rfc822(id), 'Projects');
    await deliver('bob', rfc822(id));
    const scoped = { folders: '*' };
    // A first attempt that got as far as alice, then died (its output lost).
    await run('quarantine_message', { message_id: id, mailboxes: ['alice'] }, scoped);
    fields = { ...fields, ...scoped };
    try {
      assert.equal(await alreadyApplied('quarantine_message', { message_id: id }), false, 'bob still has it');
      const retry = await run('quarantine_message', { message_id: id });
      assert.deepEqual(
        retry.moved!.map((m) => [m.mailbox, m.folder]),
        [['bob', 'INBOX']],
      );
      assert.deepEqual(
        retry.already_quarantined!.map((a) => [a.mailbox, a.folder]),
        [['alice', 'Projects']],
      );
      assert.equal(await alreadyApplied('quarantine_message', { message_id: id }), true);
      // Run anyway: nothing moves, nothing breaks.
      const again = await run('quarantine_message', { message_id: id });
      assert.deepEqual(again.moved, []);
      assert.equal(again.already_quarantined!.length, 2);

      await run('release_message', action('quarantine_message').inverseInput!({} as never, retry as never));
      assert.deepEqual(await idsIn('alice', 'Projects'), [id]);
      assert.ok((await idsIn('bob', 'INBOX'))!.includes(id));
    } finally {
      fields = { ...fields, folders: 'INBOX' };
    }
  });

  it('deletes a message from INBOXes and quarantine, with no way back', async () => {
    const id = newMessageId();
    await deliver('alice', rfc822(id));
    await deliver('bob', rfc822(id));
    await run('quarantine_message', { message_id: id, mailboxes: ['bob'] });
    assert.equal(await alreadyApplied('delete_message', { message_id: id }), false);
    const output = await run('delete_message', { message_id: id });
    assert.deepEqual(
      output.deleted!.map((d) => [d.mailbox, d.folder]),
      [
        ['alice', 'INBOX'],
        ['bob', 'Quarantine'],
      ],
    );
    assert.ok(!(await idsIn('alice', 'INBOX'))!.includes(id));
    assert.ok(!(await idsIn('bob', 'Quarantine'))!.includes(id));
    assert.equal(await alreadyApplied('delete_message', { message_id: id }), true);
    assert.equal((await run('find_message', { message_id: id })).found, false);
  });

  it('reports a Message-ID nobody has as not found and changes nothing', async () => {
    const id = newMessageId();
    assert.deepEqual(await run('find_message', { message_id: id }), {
      message_id: id,
      found: false,
      locations: [],
    });
    const quarantined = await run('quarantine_message', { message_id: id });
    assert.equal(quarantined.found, false);
    assert.deepEqual(quarantined.moved, []);
    assert.equal((await run('delete_message', { message_id: id })).found, false);
    assert.equal((await run('release_message', { message_id: id })).found, false);
    assert.equal(await alreadyApplied('delete_message', { message_id: id }), true);
    assert.equal(await alreadyApplied('quarantine_message', { message_id: id }), false);
  });

  it('works in one mailbox with its own credentials', async () => {
    const id = newMessageId();
    await deliver('alice', rfc822(id));
    await deliver('bob', rfc822(id));
    const own = { username: 'alice', password: dovecot.users['alice']!, mailboxes: '' };
    const output = await run('quarantine_message', { message_id: id }, own);
    assert.deepEqual(
      output.moved!.map((m) => m.mailbox),
      ['alice'],
    );
    assert.ok((await idsIn('bob', 'INBOX'))!.includes(id), 'bob’s mailbox is out of this instance’s reach');
    const outside = await rejection(run('quarantine_message', { message_id: id, mailboxes: ['bob'] }, own));
    assert.equal(outside.code, 'invalid_input');
  });

  it('fails a wrong password as unauthorized, without the password in the message', async () => {
    const wrong = 'not-the-master-Pa55!';
    const error = await rejection(run('find_message', { message_id: newMessageId() }, { password: wrong }));
    assert.equal(error.code, 'unauthorized');
    assert.equal(error.retryable, false);
    assert.match(error.message, /log in as \w+\*riposte/);
    assert.ok(!error.message.includes(wrong));
    assert.ok(!error.message.includes(dovecot.master.password));
    assert.ok(!inspect(error).includes(wrong));
  });

  it('fails a server that is down as a retryable network error', async () => {
    const port = await freePort();
    const error = await rejection(
      run('quarantine_message', { message_id: newMessageId() }, { port: String(port) }),
    );
    assert.equal(error.code, 'network');
    assert.equal(error.retryable, true);
    assert.match(error.message, /ECONNREFUSED/);
    assert.ok(!error.message.includes(dovecot.master.password));
  });
});

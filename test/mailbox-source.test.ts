import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ImapFlow } from 'imapflow';
import { ActionError } from '../src/core/action.ts';
import { RiposteError } from '../src/core/riposte-error.ts';
import { imapIntegration } from '../src/integrations/imap/imap-integration.ts';
import { readNewMessages, TAKEN_KEYWORD } from '../src/integrations/imap/mailbox-reader.ts';
import { type Dovecot, dovecotSkipReason, startDovecot } from './support/dovecot.ts';
import { startHarness, type Harness } from './support/harness.ts';

/**
 * An e-mail source that reads a reporting mailbox: messages delivered to a real Dovecot become
 * alerts through the same pipeline as the ingest API, each once, and are marked in the mailbox.
 */
const ADMIN = { id: 'admin', type: 'user' as const };

const lure = (id: string, subject: string) =>
  [
    'From: "Billing" <billing@phish.example.net>',
    'To: alice@example.org',
    `Subject: ${subject}`,
    `Message-ID: <${id}@phish.example.net>`,
    'Date: Mon, 01 Jun 2026 09:00:00 +0000',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Please pay at https://pay.phish.example.net/',
    '',
  ].join('\r\n');

/** What a user's "report phishing" button sends: the suspect message attached to a new one. */
const forwarded = (id: string) =>
  [
    'From: Bob <bob@example.org>',
    'To: phish-reports@example.org',
    'Subject: FW: Your parcel is waiting',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="fw"',
    '',
    '--fw',
    'Content-Type: text/plain',
    '',
    'This looks fake.',
    '--fw',
    'Content-Type: message/rfc822',
    '',
    lure(id, 'Your parcel is waiting'),
    '--fw--',
    '',
  ].join('\r\n');

describe('e-mail sources reading a mailbox (real Dovecot)', { skip: dovecotSkipReason() }, () => {
  let dovecot: Dovecot;
  let h: Harness;
  let fields: Record<string, string>;

  const asAlice = async <T>(work: (imap: ImapFlow) => Promise<T>): Promise<T> => {
    const imap = new ImapFlow({
      host: dovecot.host,
      port: dovecot.port,
      secure: false,
      auth: { user: 'alice', pass: dovecot.users['alice']! },
      logger: false,
      disableAutoIdle: true,
    });
    await imap.connect();
    try {
      return await work(imap);
    } finally {
      await imap.logout();
    }
  };
  const deliver = (raw: string, folder = 'INBOX') =>
    asAlice((imap) => imap.append(folder, raw).then(() => {}));
  const flags = () =>
    asAlice(async (imap) => {
      const lock = await imap.getMailboxLock('INBOX');
      try {
        return (await imap.fetchAll('1:*', { flags: true, envelope: true })).map((m) => ({
          subject: m.envelope?.subject ?? '',
          flags: [...(m.flags ?? [])],
        }));
      } finally {
        lock.release();
      }
    });
  const alertsOf = async () =>
    (await h.riposte.alerts.list({ source: 'phish-reports', limit: 100 })).items.map((a) => a.title).sort();

  before(async () => {
    dovecot = await startDovecot();
    h = await startHarness('sqlite');
    fields = {
      host: dovecot.host,
      port: String(dovecot.port),
      tls: 'false',
      username: 'alice',
      password: dovecot.users['alice']!,
    };
    await h.riposte.instances.put(imapIntegration, 'reports', { fields }, ADMIN);
    await h.riposte.sources.create(
      {
        name: 'phish-reports',
        format: 'email',
        options: { mailbox: { instance: 'reports', every_seconds: 30 } },
      },
      ADMIN,
    );
  });
  after(async () => {
    await h?.close();
    await dovecot?.stop();
  });

  it('refuses mailbox settings it cannot use when the source is created', async () => {
    const bad = [
      { mailbox: 'reports' },
      { mailbox: {} },
      { mailbox: { instance: 'reports', every_seconds: 1 } },
      { mailbox: { instance: 'reports', folder: '' } },
      { mailbox: { instance: 'reports', colour: 'red' } },
    ];
    for (const options of bad)
      await assert.rejects(
        h.riposte.sources.create({ name: 'x', format: 'email', options }, ADMIN),
        (e: unknown) => {
          assert.ok(e instanceof RiposteError && e.code === 'validation_failed', String(e));
          assert.match(e.message, /options\.mailbox/);
          return true;
        },
      );
  });

  it('turns each new message into an alert once, and marks it read and taken in the mailbox', async () => {
    await deliver(forwarded('p1'));
    await deliver(lure('p2', 'Invoice overdue'));
    await deliver('X-Note: no headers a reader would know\r\n\r\njust text\r\n');
    const [poll] = await h.riposte.mailboxes.pollDue();
    assert.deepEqual(poll, {
      source: 'phish-reports',
      stored: 2,
      duplicates: 0,
      rejected: 1,
      tooLarge: 0,
      limitedForSeconds: null,
    });
    assert.deepEqual(await alertsOf(), ['Invoice overdue', 'Your parcel is waiting']);
    const reported = (await h.riposte.alerts.list({ source: 'phish-reports', limit: 100 })).items.find(
      (a) => a.title === 'Your parcel is waiting',
    )!;
    assert.equal(reported.format, 'email');
    assert.equal(reported.sourceRef, 'p1@phish.example.net', 'the attached message is the one analysed');
    assert.ok(
      reported.observables.some(
        (o) => o.type === 'email' && o.value === 'bob@example.org' && o.role === 'actor',
      ),
    );
    for (const message of await flags()) {
      assert.ok(message.flags.includes(TAKEN_KEYWORD), `${message.subject}: ${message.flags.join(' ')}`);
      assert.ok(message.flags.includes('\\Seen'), message.subject);
    }
    const audit = await h.riposte.database.db
      .selectFrom('audit_log')
      .select('actor')
      .where('action', '=', 'alerts.ingest')
      .execute();
    assert.ok(
      audit.some((a) => a.actor.includes('mailbox:phish-reports')),
      JSON.stringify(audit),
    );
  });

  it('waits every_seconds between polls, then takes only what is new', async () => {
    await deliver(lure('p3', 'Password expires today'));
    assert.deepEqual(await h.riposte.mailboxes.pollDue(), [], 'not due yet');
    const [poll] = await h.riposte.mailboxes.pollDue(Date.now() + 31_000);
    assert.equal(poll?.stored, 1);
    assert.deepEqual(await alertsOf(), [
      'Invoice overdue',
      'Password expires today',
      'Your parcel is waiting',
    ]);
  });

  it('a message read again (the mark was lost in a crash) is counted as a duplicate, not stored twice', async () => {
    await asAlice(async (imap) => {
      const lock = await imap.getMailboxLock('INBOX');
      try {
        await imap.messageFlagsRemove('1:*', [TAKEN_KEYWORD]);
      } finally {
        lock.release();
      }
    });
    const [poll] = await h.riposte.mailboxes.pollDue(Date.now() + 120_000);
    assert.deepEqual([poll?.stored, poll?.duplicates, poll?.rejected], [0, 3, 1]);
    assert.equal((await alertsOf()).length, 3);
  });

  it('reads at most `limit` messages at a time, skips oversized ones, and names a missing folder', async () => {
    await deliver(lure('p4', 'One'));
    await deliver(lure('p5', 'Two'));
    await deliver(`${lure('p6', 'Huge')}${'x'.repeat(5_000)}\r\n`);
    const taken: string[] = [];
    const take = async (raw: string) => void taken.push(/Subject: (.*)/.exec(raw)?.[1] ?? '');
    const signal = new AbortController().signal;
    const first = await readNewMessages(fields, { folder: 'INBOX', limit: 1, maxBytes: 4_000 }, take, signal);
    assert.deepEqual([first, taken], [{ taken: 1, tooLarge: 0, more: true }, ['One']]);
    const rest = await readNewMessages(fields, { folder: 'INBOX', limit: 10, maxBytes: 4_000 }, take, signal);
    assert.deepEqual([rest, taken], [{ taken: 1, tooLarge: 1, more: false }, ['One', 'Two']]);
    await assert.rejects(
      readNewMessages(fields, { folder: 'Reports', limit: 10, maxBytes: 4_000 }, take, signal),
      (e: unknown) =>
        e instanceof ActionError && e.code === 'not_found' && /no folder Reports/.test(e.message),
    );
  });

  it("past the source's alert limit a message stays unmarked, and is read once the limit allows", async () => {
    await h.riposte.sources.update('phish-reports', { alertLimitPerMinute: 1 }, ADMIN);
    await deliver(lure('p5', 'Limited one'));
    await deliver(lure('p6', 'Limited two'));
    const at = Date.now() + 600_000;
    const [limited] = await h.riposte.mailboxes.pollDue(at);
    // One alert a minute: the first message is stored, the second waits the minute out.
    assert.deepEqual([limited?.stored, limited?.limitedForSeconds], [1, 60]);
    const waiting = (await flags()).find((m) => m.subject === 'Limited two');
    assert.ok(waiting && !waiting.flags.includes(TAKEN_KEYWORD), JSON.stringify(waiting));
    assert.deepEqual(await h.riposte.mailboxes.pollDue(at + 59_000), [], 'not due before the minute');
    await h.riposte.sources.update('phish-reports', { alertLimitPerMinute: null }, ADMIN);
    const [rest] = await h.riposte.mailboxes.pollDue(at + 61_000);
    assert.deepEqual([rest?.stored, rest?.limitedForSeconds], [1, null]);
    assert.ok((await alertsOf()).includes('Limited two'));
  });

  it('a message that failed to store is not marked, and is read again next time', async () => {
    await deliver(lure('p7', 'Retry me'));
    const signal = new AbortController().signal;
    await assert.rejects(
      readNewMessages(
        fields,
        { folder: 'INBOX', limit: 10, maxBytes: 1e6 },
        () => Promise.reject(new Error('database down')),
        signal,
      ),
      /database down/,
    );
    const seen: string[] = [];
    await readNewMessages(
      fields,
      { folder: 'INBOX', limit: 10, maxBytes: 1e6 },
      async (raw) => void seen.push(raw),
      signal,
    );
    assert.equal(seen.length, 1);
    assert.match(seen[0]!, /Subject: Retry me/);
  });
});

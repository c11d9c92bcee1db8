import assert from 'node:assert/strict';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { OutboundHttp } from '../http/outbound-http.ts';
import type { IntegrationContext } from '../sdk/integration.ts';
import { runIntegrationAction, expectActionError } from '../sdk/integration-test-kit.ts';
import { startFakeMsGraph, type FakeMsGraph } from './fake-msgraph.ts';
import { msgraph } from './msgraph-integration.ts';

const http = new OutboundHttp({ allow: ['127.0.0.1'], attempts: 2, maxInlineWaitMs: 2000 });
const PHISH = '<CAJ4f2x9QmR8@mail.phisher.example>';
const ALICE = 'alice@contoso.com';
const BOB = 'bob@contoso.com';
const CAROL = 'carol@contoso.com';
const MAILBOXES = [ALICE, BOB, CAROL];

interface Copy {
  mailbox: string;
  messageId: string;
  folderId: string;
  subject: string | null;
  from: string | null;
  received: string | null;
}
interface SearchOutput {
  internetMessageId: string;
  found: boolean;
  messages: Copy[];
  unavailable: { mailbox: string; reason: string }[];
}
interface QuarantineOutput {
  internetMessageId: string;
  found: boolean;
  quarantineFolder: string;
  moved: {
    mailbox: string;
    messageId: string;
    folderId: string;
    originalMessageId: string;
    originalFolderId: string;
  }[];
  alreadyQuarantined: { mailbox: string; messageId: string; folderId: string }[];
}
interface ReleaseOutput {
  restored: { mailbox: string; messageId: string; folderId: string; toInbox: boolean }[];
  missing: { mailbox: string; messageId: string }[];
}
interface DeleteOutput {
  mode: string;
  found: boolean;
  deleted: { mailbox: string; messageId: string; folderId: string }[];
}

const fieldsOf = (fake: FakeMsGraph, secret = fake.clientSecret) => ({
  tenant_id: fake.tenantId,
  client_id: fake.clientId,
  client_secret: secret,
  token_url: fake.tokenUrl,
});

const failsWith = (promise: Promise<unknown>, code: string, secret: string, pattern?: RegExp) =>
  expectActionError(promise, code, { pattern, secrets: [secret] });

const seed = (folder?: string) => ({
  internetMessageId: PHISH,
  subject: 'Your invoice is overdue',
  from: 'billing@phisher.example',
  received: '2025-03-04T09:15:00Z',
  ...(folder ? { folder } : {}),
});

async function startFake(options: Parameters<typeof startFakeMsGraph>[0] = {}) {
  return startFakeMsGraph({
    users: [
      // Alice filed a copy into Junk Email and kept one in the Inbox.
      { id: 'a1', userPrincipalName: ALICE, messages: [seed(), seed('junkemail')] },
      { id: 'b2', userPrincipalName: BOB, messages: [seed(), { internetMessageId: '<other@contoso.com>' }] },
      { id: 'c3', userPrincipalName: CAROL, messages: [{ internetMessageId: '<lunch@contoso.com>' }] },
    ],
    ...options,
  });
}

describe('msgraph mail', () => {
  let fake: FakeMsGraph;
  const run = <T>(name: string, input: Record<string, unknown>, secret?: string) =>
    runIntegrationAction(msgraph, name, input, {
      baseUrl: fake.url,
      fields: fieldsOf(fake, secret),
    }) as Promise<T>;
  const action = (name: string) => msgraph.actions.find((a) => a.name === name)!;
  const alreadyApplied = (name: string, input: Record<string, unknown>) => {
    const fields = fieldsOf(fake);
    const context: IntegrationContext = {
      http: http.client({ baseUrl: fake.url, auth: msgraph.auth, fields, timeoutMs: 5000 }),
      fields,
      instance: 'test',
      idempotencyKey: 'run_test:step:1',
      attempt: 1,
      signal: new AbortController().signal,
    };
    return action(name).alreadyApplied!(input as never, context);
  };
  const quarantine = () =>
    run<QuarantineOutput>('quarantine_message', { internetMessageId: PHISH, mailboxes: MAILBOXES });
  const count = (method: string, suffix: string) =>
    fake.requests.filter((r) => r.method === method && r.path.endsWith(suffix)).length;

  beforeEach(async () => {
    // One item per page, so every listing with two hits pages through @odata.nextLink.
    fake = await startFake({ pageSize: 1 });
  });
  afterEach(() => fake.close());
  after(() => http.close());

  it('finds every copy across three mailboxes, paging through @odata.nextLink', async () => {
    const output = await run<SearchOutput>('search_messages', {
      internetMessageId: PHISH.slice(1, -1), // without brackets: Graph keeps them, so they are added
      mailboxes: MAILBOXES,
    });
    const alice = fake.mailbox(ALICE)!;
    assert.equal(output.internetMessageId, PHISH);
    assert.equal(output.found, true);
    assert.deepEqual(
      output.messages.map((m) => [m.mailbox, fake.mailbox(m.mailbox)!.folder(m.folderId)!.displayName]),
      [
        [ALICE, 'Inbox'],
        [ALICE, 'Junk Email'],
        [BOB, 'Inbox'],
      ],
    );
    assert.deepEqual(output.messages[0], {
      mailbox: ALICE,
      messageId: alice.messages[0]!.id,
      folderId: alice.folder('inbox')!.id,
      subject: 'Your invoice is overdue',
      from: 'billing@phisher.example',
      received: '2025-03-04T09:15:00Z',
    });
    assert.deepEqual(output.unavailable, []);
    const first = fake.requests.find((r) => r.path === '/v1.0/users/alice%40contoso.com/messages')!;
    assert.equal(first.query.get('$filter'), `internetMessageId eq '${PHISH}'`);
    assert.equal(
      first.query.get('$select'),
      'id,subject,from,receivedDateTime,parentFolderId,internetMessageId',
    );
    const followed = fake.requests.filter((r) => r.path.endsWith('/messages') && r.query.has('$skip'));
    assert.deepEqual(
      followed.map((r) => [r.path, r.query.get('$skip'), r.query.get('$filter')]),
      [['/v1.0/users/alice%40contoso.com/messages', '1', `internetMessageId eq '${PHISH}'`]],
      'alice’s second copy comes from the next page, with the query kept',
    );
  });

  it('narrows by sender and subject, and reports unknown mailboxes instead of failing the search', async () => {
    const bySender = await run<SearchOutput>('search_messages', {
      internetMessageId: PHISH,
      mailboxes: [BOB, 'ghost@contoso.com'],
      sender: 'BILLING@phisher.example',
      subject: 'invoice',
    });
    assert.deepEqual(
      bySender.messages.map((m) => m.mailbox),
      [BOB],
    );
    assert.equal(bySender.unavailable[0]?.mailbox, 'ghost@contoso.com');
    assert.match(
      bySender.unavailable[0]!.reason,
      /ErrorInvalidUser: The requested user 'ghost@contoso.com' is invalid/,
    );
    const other = await run<SearchOutput>('search_messages', {
      internetMessageId: PHISH,
      mailboxes: MAILBOXES,
      sender: 'ceo@contoso.com',
    });
    assert.equal(other.found, false);
  });

  it('looks in a mailbox named twice (the reporter among the recipients, another case) once', async () => {
    const mailboxes = [ALICE, BOB, ALICE.toUpperCase(), BOB];
    const found = await run<SearchOutput>('search_messages', { internetMessageId: PHISH, mailboxes });
    assert.deepEqual(
      found.messages.map((m) => m.mailbox),
      [ALICE, ALICE, BOB],
    );
    assert.equal(count('GET', '/messages'), 3, 'alice’s two pages and bob’s one, nothing twice');
    // What search_messages found, mailbox by mailbox, is what a playbook hands to quarantine_message.
    const output = await run<QuarantineOutput>('quarantine_message', {
      internetMessageId: PHISH,
      mailboxes: found.messages.map((m) => m.mailbox),
    });
    assert.equal(output.moved.length, 3);
    assert.deepEqual(fake.mailbox(ALICE)!.whereIs(PHISH), ['Quarantine', 'Quarantine']);
  });

  it('quarantines both mailboxes’ copies, creating the folder once per mailbox that holds one', async () => {
    const output = await quarantine();
    assert.equal(output.found, true);
    assert.equal(output.quarantineFolder, 'Quarantine');
    assert.deepEqual(fake.mailbox(ALICE)!.whereIs(PHISH), ['Quarantine', 'Quarantine']);
    assert.deepEqual(fake.mailbox(BOB)!.whereIs(PHISH), ['Quarantine']);
    assert.equal(
      fake.mailbox(CAROL)!.folder('Quarantine'),
      undefined,
      'no folder where there is nothing to hold',
    );
    assert.equal(count('POST', '/mailFolders'), 2);
    assert.equal(count('POST', '/move'), 3);
    const bob = fake.mailbox(BOB)!;
    const moved = output.moved.find((m) => m.mailbox === BOB)!;
    assert.equal(moved.originalFolderId, bob.folder('inbox')!.id);
    assert.equal(moved.folderId, bob.folder('Quarantine')!.id);
    assert.notEqual(moved.messageId, moved.originalMessageId, 'a move gives the copy a new id');
    assert.equal(bob.messages[0]!.id, moved.messageId);
    const move = fake.requests.find((r) => r.path.endsWith('/move'))!;
    assert.deepEqual(Object.keys(JSON.parse(move.body) as object), ['destinationId']);
    assert.deepEqual(
      action('quarantine_message').target!({ internetMessageId: PHISH.slice(1, -1) } as never),
      {
        type: 'message',
        value: PHISH,
      },
    );
  });

  it('releases through the declared inverse, each copy back to its own folder', async () => {
    const quarantineAction = action('quarantine_message');
    const output = await quarantine();
    assert.equal(quarantineAction.inverse, 'release_message');
    const inverseInput = quarantineAction.inverseInput!({} as never, output as never);
    const released = await run<ReleaseOutput>('release_message', inverseInput);
    assert.equal(released.restored.length, 3);
    assert.deepEqual(released.missing, []);
    assert.deepEqual(fake.mailbox(ALICE)!.whereIs(PHISH), ['Inbox', 'Junk Email']);
    assert.deepEqual(fake.mailbox(BOB)!.whereIs(PHISH), ['Inbox']);
    assert.equal(await alreadyApplied('release_message', inverseInput), true);
    assert.equal(
      await alreadyApplied('quarantine_message', { internetMessageId: PHISH, mailboxes: MAILBOXES }),
      false,
    );
    const again = await run<ReleaseOutput>('release_message', inverseInput);
    assert.equal(again.restored.length, 0, 'the quarantine ids are gone: nothing moves twice');
    assert.equal(again.missing.length, 3);
  });

  it('releases into the Inbox when the original folder is gone', async () => {
    const output = await quarantine();
    const alice = fake.mailbox(ALICE)!;
    alice.folders.splice(alice.folders.indexOf(alice.folder('junkemail')!), 1);
    const released = await run<ReleaseOutput>(
      'release_message',
      action('quarantine_message').inverseInput!({} as never, output as never),
    );
    assert.deepEqual(
      released.restored.filter((r) => r.toInbox).map((r) => r.mailbox),
      [ALICE],
    );
    assert.deepEqual(alice.whereIs(PHISH), ['Inbox', 'Inbox']);
  });

  it('checks before acting: a repeat finds every copy quarantined and moves nothing', async () => {
    const input = { internetMessageId: PHISH, mailboxes: MAILBOXES };
    assert.equal(await alreadyApplied('quarantine_message', input), false);
    await quarantine();
    assert.equal(await alreadyApplied('quarantine_message', input), true);
    const moves = count('POST', '/move');
    const again = await quarantine();
    assert.deepEqual(again.moved, []);
    assert.equal(again.alreadyQuarantined.length, 3);
    assert.equal(count('POST', '/move'), moves);
    assert.equal(count('POST', '/mailFolders'), 2, 'the folder is found, not created again');
  });

  it('soft-deletes every copy, quarantined ones included, and then has nothing left to do', async () => {
    await run('quarantine_message', { internetMessageId: PHISH, mailboxes: [BOB] });
    const output = await run<DeleteOutput>('delete_message', {
      internetMessageId: PHISH,
      mailboxes: MAILBOXES,
    });
    assert.equal(output.mode, 'soft');
    assert.equal(output.deleted.length, 3);
    assert.equal(count('DELETE', ''), 3);
    for (const mailbox of [ALICE, BOB]) {
      const box = fake.mailbox(mailbox)!;
      assert.ok(
        box.messages
          .filter((m) => m.internetMessageId === PHISH)
          .every((m) => m.parentFolderId === box.recoverable.id),
      );
    }
    assert.equal(fake.mailbox(BOB)!.whereIs('<other@contoso.com>').length, 1, 'other mail stays');
    assert.equal(
      await alreadyApplied('delete_message', { internetMessageId: PHISH, mailboxes: MAILBOXES }),
      true,
    );
    assert.equal(action('delete_message').inverse, undefined);
  });

  it('hard-deletes with permanentDelete', async () => {
    const output = await run<DeleteOutput>('delete_message', {
      internetMessageId: PHISH,
      mailboxes: [ALICE],
      mode: 'hard',
    });
    assert.equal(output.deleted.length, 2);
    assert.equal(count('POST', '/permanentDelete'), 2);
    assert.deepEqual(fake.mailbox(ALICE)!.whereIs(PHISH), []);
  });

  it('treats a message no mailbox holds as nothing to do, not an error', async () => {
    const input = { internetMessageId: '<never-sent@nowhere.example>', mailboxes: MAILBOXES };
    assert.equal((await run<SearchOutput>('search_messages', input)).found, false);
    assert.equal(await alreadyApplied('delete_message', input), true);
    assert.deepEqual(await run('delete_message', input), {
      internetMessageId: input.internetMessageId,
      mode: 'soft',
      found: false,
      deleted: [],
    });
    const quarantined = await run<QuarantineOutput>('quarantine_message', input);
    assert.equal(quarantined.found, false);
    assert.equal(count('POST', '/mailFolders'), 0);
    assert.equal(count('POST', '/move'), 0);
  });

  it('fails a write on an unknown mailbox before moving anything', async () => {
    const error = await failsWith(
      run('quarantine_message', { internetMessageId: PHISH, mailboxes: [ALICE, 'ghost@contoso.com'] }),
      'not_found',
      fake.clientSecret,
      /ErrorInvalidUser/,
    );
    assert.equal(error.retryable, false);
    assert.equal(count('POST', '/move'), 0);
    assert.deepEqual(fake.mailbox(ALICE)!.whereIs(PHISH), ['Inbox', 'Junk Email']);
  });

  it('fails a wrong secret as unauthorized without the secret, and changes nothing', async () => {
    const wrong = 'Q8~wrong-secret-value-000000';
    const error = await failsWith(
      run('quarantine_message', { internetMessageId: PHISH, mailboxes: MAILBOXES }, wrong),
      'unauthorized',
      wrong,
      /AADSTS7000215/,
    );
    assert.equal(error.retryable, false);
    assert.deepEqual(fake.mailbox(BOB)!.whereIs(PHISH), ['Inbox']);
  });

  it('declares RE&CT ids, effects and the instance’s quarantine folder', () => {
    assert.deepEqual(
      ['search_messages', 'quarantine_message', 'release_message', 'delete_message'].map((n) => [
        n,
        action(n).react,
        action(n).effect,
      ]),
      [
        ['search_messages', 'RA2203', 'read'],
        ['quarantine_message', 'RA3203', 'destructive'],
        ['release_message', 'RA5203', 'write'],
        ['delete_message', 'RA4201', 'destructive'],
      ],
    );
    assert.equal(msgraph.credentials.find((c) => c.name === 'quarantine_folder')?.default, 'Quarantine');
  });

  it('uses the instance’s quarantine folder name', async () => {
    const output = await runIntegrationAction(
      msgraph,
      'quarantine_message',
      { internetMessageId: PHISH, mailboxes: [BOB] },
      { baseUrl: fake.url, fields: { ...fieldsOf(fake), quarantine_folder: 'SOC Hold' } },
    );
    assert.equal((output as QuarantineOutput).quarantineFolder, 'SOC Hold');
    assert.deepEqual(fake.mailbox(BOB)!.whereIs(PHISH), ['SOC Hold']);
  });
});

describe('msgraph mail throttling', () => {
  it('answers 429 TooManyRequests as rate_limited with Retry-After, before moving anything', async () => {
    // The token request is not counted; Graph answers the first two listings, then throttles.
    const fake = await startFake({ requestLimit: 2, retryAfterSeconds: 45 });
    try {
      const error = await failsWith(
        runIntegrationAction(
          msgraph,
          'quarantine_message',
          { internetMessageId: PHISH, mailboxes: MAILBOXES },
          { baseUrl: fake.url, fields: fieldsOf(fake) },
        ),
        'rate_limited',
        fake.clientSecret,
        /TooManyRequests/,
      );
      assert.equal(error.retryable, true);
      assert.equal(error.retryAfterMs, 45_000);
      assert.deepEqual(fake.mailbox(ALICE)!.whereIs(PHISH), ['Inbox', 'Junk Email']);
    } finally {
      await fake.close();
    }
  });
});

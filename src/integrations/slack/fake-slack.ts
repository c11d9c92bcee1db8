import { startFakeServer, type FakeReply, type FakeRequest, type FakeServer } from '../sdk/fake-server.ts';

export interface FakeSlackChannel {
  id: string;
  name: string;
  /** Whether the bot is a member (posting to a public channel it is not in answers not_in_channel). */
  member?: boolean;
  archived?: boolean;
}

export interface FakeSlackMessage {
  type: 'message';
  ts: string;
  text: string;
  blocks?: unknown[];
  thread_ts?: string;
  bot_id: string;
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
}

export interface FakeSlackOptions {
  token?: string;
  channels?: FakeSlackChannel[];
  scopes?: string[];
  /** Posts accepted before chat.postMessage answers HTTP 429 with Retry-After. */
  postsBeforeLimit?: number;
}

export interface FakeSlack extends FakeServer {
  /** The base URL an instance points at (`…/api`). */
  baseUrl: string;
  messages: Map<string, FakeSlackMessage[]>;
}

export const FAKE_SLACK_TOKEN = 'xoxb-0000000000-0000000000000-fakeslacktoken0123';

const fail = (error: string, extra: Record<string, unknown> = {}): FakeReply => ({
  json: { ok: false, error, ...extra },
});

/**
 * A Slack Web API stand-in: `Authorization: Bearer xoxb-…`, errors as HTTP 200 `{"ok":false,"error":…}`
 * (not_authed, invalid_auth, missing_scope with needed/provided, channel_not_found, not_in_channel,
 * is_archived, no_text, msg_too_long), HTTP 429 + Retry-After + `ratelimited` when posting too fast,
 * chat.postMessage (JSON, with message metadata), conversations.history (include_all_metadata) and auth.test.
 */
export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const token = options.token ?? FAKE_SLACK_TOKEN;
  const channels = options.channels ?? [{ id: 'C0SOCALERTS', name: 'soc-alerts', member: true }];
  const scopes = options.scopes ?? ['chat:write', 'channels:history'];
  const messages = new Map<string, FakeSlackMessage[]>(channels.map((c) => [c.id, []]));
  let posts = 0;
  let clock = 1_714_564_800;

  const guard =
    (handler: (r: FakeRequest, args: Record<string, unknown>) => FakeReply) => (request: FakeRequest) => {
      const auth = request.headers['authorization'];
      if (!auth) return fail('not_authed');
      if (auth !== `Bearer ${token}`) return fail('invalid_auth');
      const json = /application\/json/.test(request.headers['content-type'] ?? '');
      const args = json
        ? (JSON.parse(request.body || '{}') as Record<string, unknown>)
        : Object.fromEntries(request.query);
      const reply = handler(request, args);
      if (json && !/charset=/i.test(request.headers['content-type'] ?? '') && reply.json)
        Object.assign(reply.json as object, {
          warning: 'missing_charset',
          response_metadata: { warnings: ['missing_charset'] },
        });
      return reply;
    };
  const resolve = (value: unknown) => {
    const v = String(value ?? '').replace(/^#/, '');
    return channels.find((c) => c.id === v || c.name === v);
  };

  const post = (_: FakeRequest, args: Record<string, unknown>): FakeReply => {
    if (!scopes.includes('chat:write'))
      return fail('missing_scope', { needed: 'chat:write', provided: scopes.join(',') });
    if (options.postsBeforeLimit !== undefined && posts >= options.postsBeforeLimit)
      return { status: 429, headers: { 'retry-after': '30' }, json: { ok: false, error: 'ratelimited' } };
    const channel = resolve(args['channel']);
    if (!channel) return fail('channel_not_found');
    if (channel.archived) return fail('is_archived');
    if (!channel.member) return fail('not_in_channel');
    const text = typeof args['text'] === 'string' ? args['text'] : '';
    if (!text && !Array.isArray(args['blocks'])) return fail('no_text');
    if (text.length > 40_000) return fail('msg_too_long');
    posts++;
    const message: FakeSlackMessage = {
      type: 'message',
      ts: `${++clock}.000100`,
      text,
      bot_id: 'B0RIPOSTE',
      ...(Array.isArray(args['blocks']) ? { blocks: args['blocks'] } : {}),
      ...(typeof args['thread_ts'] === 'string' ? { thread_ts: args['thread_ts'] } : {}),
      ...(args['metadata'] ? { metadata: args['metadata'] as FakeSlackMessage['metadata'] } : {}),
    };
    messages.get(channel.id)!.unshift(message);
    const { metadata: _metadata, ...shown } = message;
    return { json: { ok: true, channel: channel.id, ts: message.ts, message: shown } };
  };

  const history = (_: FakeRequest, args: Record<string, unknown>): FakeReply => {
    if (!scopes.includes('channels:history'))
      return fail('missing_scope', { needed: 'channels:history', provided: scopes.join(',') });
    const channel = channels.find((c) => c.id === args['channel']);
    if (!channel) return fail('channel_not_found');
    if (!channel.member) return fail('not_in_channel');
    const limit = Number(args['limit'] ?? 100);
    const withMetadata = String(args['include_all_metadata']) === 'true';
    const list = messages
      .get(channel.id)!
      .slice(0, limit)
      .map((m) => {
        if (withMetadata) return m;
        const { metadata: _metadata, ...rest } = m;
        return rest;
      });
    return { json: { ok: true, messages: list, has_more: false, response_metadata: { next_cursor: '' } } };
  };

  const server = await startFakeServer([
    ['POST', '/api/chat.postMessage', guard(post)],
    ['GET', '/api/conversations.history', guard(history)],
    [
      'POST',
      '/api/auth.test',
      guard(() => ({ json: { ok: true, team: 'Example SOC', user: 'riposte', bot_id: 'B0RIPOSTE' } })),
    ],
  ]);
  return Object.assign(server, { baseUrl: `${server.url}/api`, messages });
}

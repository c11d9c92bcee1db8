import { Type } from '@sinclair/typebox';
import { ActionError } from '../../core/action.ts';
import type { IntegrationContext } from '../sdk/integration.ts';
import { defineAction, defineIntegration } from '../sdk/integration.ts';
import { slackCall } from './slack-answer.ts';

/** Message metadata event type that carries the step's idempotency key. */
export const METADATA_EVENT = 'riposte_action';
/** Recent messages looked through for an earlier attempt (one history page). */
const RECENT = 50;
const CHANNEL_ID = /^[CGD][A-Z0-9]{6,}$/;

/**
 * Check before act: an earlier attempt's message, found by the metadata it was posted with. History
 * takes a channel ID only, and needs the `channels:history` (or `groups:history`) scope; without
 * either, the check is skipped and the post goes ahead (`checked: false`).
 */
async function findEarlier(context: IntegrationContext, channel: string) {
  if (!CHANNEL_ID.test(channel)) return { checked: false, ts: null };
  let answer;
  try {
    answer = await slackCall(
      context,
      'conversations.history',
      { channel, limit: RECENT, include_all_metadata: true },
      { get: true },
    );
  } catch (error) {
    if (error instanceof ActionError && (error.code === 'rejected' || /missing_scope/.test(error.message)))
      return { checked: false, ts: null };
    throw error;
  }
  const messages = Array.isArray(answer['messages']) ? (answer['messages'] as Record<string, unknown>[]) : [];
  const hit = messages.find((m) => {
    const meta = m['metadata'] as
      { event_type?: unknown; event_payload?: Record<string, unknown> } | undefined;
    return (
      meta?.event_type === METADATA_EVENT &&
      meta.event_payload?.['idempotency_key'] === context.idempotencyKey
    );
  });
  return { checked: true, ts: typeof hit?.['ts'] === 'string' ? hit['ts'] : null };
}

const postMessage = defineAction({
  name: 'post_message',
  title: 'Post a Slack message',
  description:
    'Posts a message (text, optional Block Kit blocks, optional thread) with chat.postMessage. The message ' +
    'carries the step’s idempotency key as message metadata; when the channel is given by ID, its recent ' +
    'history is checked for it first, so a retried step does not post twice.',
  effect: 'write',
  input: Type.Object(
    {
      channel: Type.String({ minLength: 1, maxLength: 80, description: 'channel ID (C0123…) or name' }),
      text: Type.String({
        minLength: 1,
        maxLength: 40_000,
        description: 'also the notification fallback for blocks',
      }),
      blocks: Type.Optional(Type.Array(Type.Record(Type.String(), Type.Unknown()), { maxItems: 50 })),
      thread_ts: Type.Optional(Type.String({ pattern: '^\\d+\\.\\d+$' })),
      unfurl_links: Type.Optional(Type.Boolean()),
    },
    { additionalProperties: false },
  ),
  output: Type.Object({
    channel: Type.String(),
    ts: Type.String(),
    deduplicated: Type.Boolean(),
    /** Whether history could be checked for an earlier attempt (channel ID and history scope). */
    checked: Type.Boolean(),
  }),
  target: (input) => ({ type: 'channel', value: input.channel }),
  async run(input, context) {
    const channel = input.channel.replace(/^#/, '');
    const earlier = await findEarlier(context, channel);
    if (earlier.ts) return { channel, ts: earlier.ts, deduplicated: true, checked: true };
    const answer = await slackCall(context, 'chat.postMessage', {
      channel,
      text: input.text,
      ...(input.blocks ? { blocks: input.blocks } : {}),
      ...(input.thread_ts ? { thread_ts: input.thread_ts } : {}),
      ...(input.unfurl_links !== undefined ? { unfurl_links: input.unfurl_links } : {}),
      metadata: { event_type: METADATA_EVENT, event_payload: { idempotency_key: context.idempotencyKey } },
    });
    if (typeof answer['ts'] !== 'string')
      throw new ActionError('invalid_response', 'Slack chat.postMessage answered ok without a ts', {
        retryable: false,
      });
    return {
      channel: typeof answer['channel'] === 'string' ? answer['channel'] : channel,
      ts: answer['ts'],
      deduplicated: false,
      checked: earlier.checked,
    };
  },
});

export const slackIntegration = defineIntegration({
  id: 'slack',
  name: 'Slack',
  version: '1.0.0',
  categories: ['notification', 'chat'],
  docs: 'https://docs.slack.dev/reference/methods/chat.postMessage',
  baseUrl: 'https://slack.com/api',
  credentials: [
    {
      name: 'bot_token',
      label: 'Bot token (xoxb-…)',
      secret: true,
      required: true,
      description: 'Scopes: chat:write; channels:history and groups:history for the duplicate check',
    },
  ],
  auth: { kind: 'header', header: 'Authorization', field: 'bot_token', prefix: 'Bearer ' },
  // chat.postMessage: about one message per second per channel, short bursts allowed.
  rateLimit: { requests: 60, perSeconds: 60 },
  testConnection: async (context) => {
    await slackCall(context, 'auth.test', {});
  },
  actions: [postMessage],
});

import { Type } from '@sinclair/typebox';
import { ActionError } from '../../core/action.ts';
import type { HttpResponse } from '../sdk/http-client.ts';
import { defineAction, defineIntegration } from '../sdk/integration.ts';
import { adaptiveCard, adaptiveCardMessage, messageCard } from './teams-card.ts';

/**
 * What a webhook's answer means. Connector webhooks answer 200 with the body "1" on delivery and
 * sometimes 200 with an error text (a throttled delivery reads "… returned HTTP error 429 …");
 * Workflows webhooks answer 202 Accepted with no body. 400/404/413 carry the reason as text.
 */
export function deliveryOutcome(
  response: HttpResponse,
  webhookUrl: string,
): { status: number; response: string } {
  const text = response.text().trim();
  const status = response.status;
  if (status === 202 || (status === 200 && (text === '1' || text === ''))) return { status, response: text };
  // The URL is the credential, and an error page may echo it (or its path).
  const secretPath = new URL(webhookUrl).pathname;
  const reason =
    text.split(webhookUrl).join('***').split(secretPath).join('***').slice(0, 300) || 'no reason given';
  if (status === 200 && /\b429\b/.test(text))
    throw new ActionError('rate_limited', `the Teams webhook throttled the message (200): ${reason}`, {
      retryable: true,
      retryAfterMs: 60_000,
    });
  if (status === 404)
    throw new ActionError('not_found', `the Teams webhook no longer exists (404): ${reason}`, {
      retryable: false,
    });
  throw new ActionError('rejected', `the Teams webhook refused the message (${status}): ${reason}`, {
    retryable: false,
  });
}

const postMessage = defineAction({
  name: 'post_message',
  title: 'Post to a Teams channel',
  description:
    'Posts a card to the channel behind the instance’s incoming webhook: an Adaptive Card (Workflows and ' +
    'connector webhooks) or a legacy MessageCard (connector webhooks only), built from title/text/facts/link, ' +
    'or a ready Adaptive Card. Webhooks offer no way to look a message up, so a retried step may post twice.',
  effect: 'write',
  input: Type.Object(
    {
      text: Type.Optional(Type.String({ minLength: 1, maxLength: 20_000 })),
      title: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
      facts: Type.Optional(Type.Record(Type.String(), Type.String())),
      link: Type.Optional(
        Type.Object({ title: Type.String({ minLength: 1 }), url: Type.String({ pattern: '^https?://' }) }),
      ),
      format: Type.Optional(
        Type.Union([Type.Literal('adaptive_card'), Type.Literal('message_card')], {
          default: 'adaptive_card',
        }),
      ),
      card: Type.Optional(
        Type.Record(Type.String(), Type.Unknown(), { description: 'a complete Adaptive Card, sent as is' }),
      ),
    },
    { additionalProperties: false },
  ),
  output: Type.Object({ status: Type.Integer(), response: Type.String() }),
  async run(input, context) {
    const url = context.fields['webhook_url'];
    if (!url)
      throw new ActionError('not_configured', 'the Teams instance has no webhook_url', { retryable: false });
    if ((input.text === undefined) === (input.card === undefined))
      throw new ActionError('invalid_input', 'post_message takes either text or card', { retryable: false });
    if (input.card && input.format === 'message_card')
      throw new ActionError(
        'invalid_input',
        'a card is an Adaptive Card; format message_card builds from text',
        {
          retryable: false,
        },
      );
    const { text, title, facts, link } = input;
    const message = {
      text: text ?? '',
      ...(title ? { title } : {}),
      ...(facts ? { facts } : {}),
      ...(link ? { link } : {}),
    };
    const payload = input.card
      ? adaptiveCardMessage(input.card)
      : input.format === 'message_card'
        ? messageCard(message)
        : adaptiveCardMessage(adaptiveCard(message));
    // The URL is the credential: it is masked in every error message the HTTP client writes.
    const response = await context.http.request({
      method: 'POST',
      path: url,
      json: payload,
      accept: [400, 404, 413],
    });
    return deliveryOutcome(response, url);
  },
});

export const teamsIntegration = defineIntegration({
  id: 'teams',
  name: 'Microsoft Teams (incoming webhook)',
  version: '1.0.0',
  categories: ['notification', 'chat'],
  docs: 'https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook',
  baseUrl: '',
  credentials: [
    {
      name: 'webhook_url',
      label: 'Webhook URL',
      secret: true,
      required: true,
      description:
        'A Workflows "post to a channel when a webhook request is received" URL, or a connector webhook URL',
    },
  ],
  auth: { kind: 'none' },
  // Connector webhooks: at most about four requests a second per webhook.
  rateLimit: { requests: 4, perSeconds: 1 },
  actions: [postMessage],
});

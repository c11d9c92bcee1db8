import { Type } from '@sinclair/typebox';
import { ActionError } from '../../core/action.ts';
import { defineAction, defineIntegration } from '../sdk/integration.ts';
import { signBody } from '../../core/request-signature.ts';

/** Part of the receiver's answer kept in the output. */
const MAX_RESPONSE_CHARS = 4096;

const post = defineAction({
  name: 'post',
  title: 'Send a signed webhook',
  description:
    'POSTs a JSON body to the instance’s URL, signed with X-Riposte-Signature (HMAC-SHA256 of "<t>.<body>") ' +
    'and carrying the step’s Idempotency-Key, the same on every attempt, for the receiver to drop repeats.',
  effect: 'write',
  input: Type.Object(
    {
      body: Type.Unknown({ description: 'any JSON value, sent as is' }),
      event: Type.Optional(
        Type.String({
          pattern: '^[a-z0-9_.-]{1,100}$',
          description: 'sent as X-Riposte-Event (case.created)',
        }),
      ),
    },
    { additionalProperties: false },
  ),
  output: Type.Object({
    status: Type.Integer(),
    /** The answer's JSON when it is JSON, else its text (cut at 4 KiB); null when empty. */
    response: Type.Unknown(),
  }),
  async run(input, context) {
    const url = context.fields['url'];
    const secret = context.fields['secret'];
    if (!url || !secret)
      throw new ActionError('not_configured', 'the webhook instance needs url and secret', {
        retryable: false,
      });
    if (input.body === undefined)
      throw new ActionError('invalid_input', 'post needs a body', { retryable: false });
    // Signed bytes are sent bytes: serialize once, sign that, send that.
    const body = JSON.stringify(input.body);
    const response = await context.http.request({
      method: 'POST',
      path: url,
      body,
      headers: {
        'content-type': 'application/json',
        'x-riposte-signature': signBody(secret, body),
        'idempotency-key': context.idempotencyKey,
        ...(input.event ? { 'x-riposte-event': input.event } : {}),
      },
    });
    const text = response.text();
    let parsed: unknown = null;
    if (text.trim()) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text.slice(0, MAX_RESPONSE_CHARS);
      }
    }
    return { status: response.status, response: parsed };
  },
});

export const webhookIntegration = defineIntegration({
  id: 'webhook',
  name: 'Outbound webhook (signed)',
  version: '1.0.0',
  categories: ['notification', 'utility'],
  docs: 'https://github.com/riposte-soar/riposte/blob/main/docs/ingest.md',
  baseUrl: '',
  credentials: [
    {
      name: 'url',
      label: 'Receiver URL',
      secret: true,
      required: true,
      description: 'Kept secret: receiver URLs often carry a token in their path or query',
    },
    {
      name: 'secret',
      label: 'Signing secret',
      secret: true,
      required: true,
      description: 'Key of the HMAC-SHA256 in X-Riposte-Signature',
    },
  ],
  auth: { kind: 'none' },
  actions: [post],
});

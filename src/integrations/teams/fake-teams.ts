import { startFakeServer, type FakeReply, type FakeRequest, type FakeServer } from '../sdk/fake-server.ts';

export type FakeTeamsKind = 'connector' | 'workflow';

export interface FakeTeamsOptions {
  kind?: FakeTeamsKind;
  /** Deliveries accepted before the webhook throttles. */
  messagesBeforeLimit?: number;
  /** How a throttled connector webhook answers: a real 429, or the 200 with an error text it also sends. */
  throttle?: 'status_429' | 'status_200_text';
}

export interface FakeTeams extends FakeServer {
  /** The secret webhook URL an instance holds. */
  webhookUrl: string;
  /** Payloads delivered to the channel. */
  delivered: Record<string, unknown>[];
}

export const FAKE_TEAMS_PATH =
  '/webhookb2/0b7c5c1e-fake@72f988bf-fake/IncomingWebhook/5d0e9f0cfake/4e9c-fake-secret';
const WORKFLOW_PATH = '/workflows/3c1f-fake/triggers/manual/paths/invoke';
const THROTTLED =
  'Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 429 with ContextId tcid=0,server=msgapi-production-weu-01,cv=fake.';

function isAdaptive(body: Record<string, unknown>): boolean {
  const attachments = body['attachments'];
  return (
    body['type'] === 'message' &&
    Array.isArray(attachments) &&
    attachments.length > 0 &&
    attachments.every(
      (a) =>
        (a as Record<string, unknown>)['contentType'] === 'application/vnd.microsoft.card.adaptive' &&
        ((a as Record<string, unknown>)['content'] as Record<string, unknown> | undefined)?.['type'] ===
          'AdaptiveCard',
    )
  );
}

/**
 * A Teams incoming-webhook stand-in. Connector kind: 200 "1" on delivery, 400 "Bad payload received by
 * generic incoming webhook." for an unknown shape, "Summary or Text is required." for an empty
 * MessageCard, 413 for more than 28 KB, and throttling as 429 or as 200 with an error text.
 * Workflow kind: Adaptive Card messages only, 202 Accepted with no body.
 */
export async function startFakeTeams(options: FakeTeamsOptions = {}): Promise<FakeTeams> {
  const kind = options.kind ?? 'connector';
  const delivered: Record<string, unknown>[] = [];

  const receive = (request: FakeRequest): FakeReply => {
    if (Buffer.byteLength(request.body) > 28 * 1024) return { status: 413, text: 'Payload too large' };
    if (options.messagesBeforeLimit !== undefined && delivered.length >= options.messagesBeforeLimit)
      return options.throttle === 'status_200_text'
        ? { status: 200, text: THROTTLED }
        : { status: 429, headers: { 'retry-after': '30' }, text: THROTTLED };
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(request.body) as Record<string, unknown>;
    } catch {
      return { status: 400, text: 'Bad payload received by generic incoming webhook.' };
    }
    if (kind === 'workflow') {
      if (!isAdaptive(body))
        return {
          status: 400,
          json: {
            error: {
              code: 'TriggerInputSchemaMismatch',
              message:
                "The input body for trigger 'manual' of type 'Request' did not match its schema definition.",
            },
          },
        };
      delivered.push(body);
      return { status: 202, text: '' };
    }
    if (body['@type'] === 'MessageCard') {
      if (!body['text'] && !body['summary'] && !body['sections'])
        return { status: 400, text: 'Summary or Text is required.' };
    } else if (!isAdaptive(body))
      return { status: 400, text: 'Bad payload received by generic incoming webhook.' };
    delivered.push(body);
    return { status: 200, text: '1' };
  };

  const path = kind === 'workflow' ? WORKFLOW_PATH : FAKE_TEAMS_PATH;
  const server = await startFakeServer([['POST', path, receive]]);
  return Object.assign(server, { webhookUrl: `${server.url}${path}`, delivered });
}

import assert from 'node:assert/strict';
import { ActionError } from '../../core/action.ts';
import { Value } from '@sinclair/typebox/value';
import { OutboundHttp } from '../http/outbound-http.ts';
import type { FeedRequest } from './alert-feed.ts';
import type { IntegrationContext, IntegrationDefinition } from './integration.ts';

export interface KitOptions {
  /** The fake server's URL (becomes the instance's base URL). */
  baseUrl: string;
  fields?: Record<string, string>;
  http?: OutboundHttp;
}

const sharedHttp = new OutboundHttp({
  allow: ['127.0.0.1', '::1', 'localhost'],
  attempts: 2,
  maxInlineWaitMs: 2000,
});

/** The context an action or a feed gets, pointed at a fake server (loopback allowed). */
export function context(integration: IntegrationDefinition, options: KitOptions): IntegrationContext {
  const fields = { ...(options.fields ?? {}) };
  const http = options.http ?? sharedHttp;
  return {
    http: http.client({
      baseUrl: options.baseUrl,
      auth: integration.auth,
      fields,
      timeoutMs: integration.requestTimeoutMs ?? 15_000,
    }),
    fields,
    instance: 'test',
    idempotencyKey: 'run_test:step:1',
    attempt: 1,
    signal: new AbortController().signal,
  };
}

/**
 * Runs one action of an integration the way the engine does (input checked against its schema, the
 * real outbound HTTP client, loopback allowed for the fake server), and checks the output schema.
 */
export async function runIntegrationAction(
  integration: IntegrationDefinition,
  name: string,
  input: Record<string, unknown>,
  options: KitOptions,
): Promise<unknown> {
  const action = integration.actions.find((a) => a.name === name);
  if (!action) throw new Error(`${integration.id} has no action ${name}`);
  if (!Value.Check(action.input, input)) {
    const first = [...Value.Errors(action.input, input)][0];
    throw new Error(`invalid input for ${integration.id}.${name} at ${first?.path}: ${first?.message}`);
  }
  const output = await action.run(input as never, context(integration, options));
  if (action.output && !Value.Check(action.output, output)) {
    const first = [...Value.Errors(action.output, output)][0];
    throw new Error(
      `${integration.id}.${name} returned output off its schema at ${first?.path}: ${first?.message}`,
    );
  }
  return output;
}

export async function testIntegrationConnection(
  integration: IntegrationDefinition,
  options: KitOptions,
): Promise<void> {
  if (!integration.testConnection) throw new Error(`${integration.id} declares no connection test`);
  await integration.testConnection(context(integration, options));
}

/** The finding an action's enrichment mapping draws from its input and output. */
export function findingOf(integration: IntegrationDefinition, name: string, input: unknown, output: unknown) {
  const action = integration.actions.find((a) => a.name === name);
  if (!action?.enrichment) throw new Error(`${integration.id}.${name} declares no enrichment`);
  return {
    observable: action.enrichment.observable(input as never),
    finding: action.enrichment.finding(output as never),
  };
}

/**
 * Asserts that an action failed with an `ActionError` of this code, whose message matches `pattern`
 * and holds none of `secrets` (strings must not appear; patterns must not match).
 */
export async function expectActionError(
  promise: Promise<unknown>,
  code: string,
  options: { pattern?: RegExp | undefined; secrets?: readonly (string | RegExp)[] } = {},
): Promise<ActionError> {
  let caught: unknown;
  await assert.rejects(promise, (error: unknown) => {
    caught = error;
    return true;
  });
  assert.ok(caught instanceof ActionError, `expected an ActionError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (options.pattern) assert.match(caught.message, options.pattern);
  for (const secret of options.secrets ?? []) {
    if (typeof secret === 'string') assert.ok(!caught.message.includes(secret), 'no secret in the message');
    else assert.doesNotMatch(caught.message, secret, 'no secret in the message');
  }
  return caught;
}

/** The engine's check-before-act call for an action, through the real outbound client. */
export async function checkAlreadyApplied(
  integration: IntegrationDefinition,
  name: string,
  input: Record<string, unknown>,
  options: KitOptions,
): Promise<boolean> {
  const action = integration.actions.find((a) => a.name === name);
  if (!action?.alreadyApplied) throw new Error(`${integration.id}.${name} declares no check before act`);
  return action.alreadyApplied(input as never, context(integration, options));
}

/**
 * Reads an integration's feed page after page from `request.cursor` until it says no more is
 * waiting, as the poller does (without storing anything): every record, the last position, the pages.
 */
export async function readFeed(
  integration: IntegrationDefinition,
  options: KitOptions,
  request: Partial<FeedRequest>,
): Promise<{ records: unknown[]; cursor: unknown; pages: number }> {
  const feed = integration.feed;
  if (!feed) throw new Error(`${integration.id} declares no feed`);
  const records: unknown[] = [];
  let cursor: unknown = request.cursor ?? null;
  for (let pages = 1; pages <= 100; pages++) {
    const page = await feed.fetchPage(context(integration, options), {
      startAt: '2024-05-01T00:00:00.000Z',
      pageSize: feed.pageSize.default,
      overlapSeconds: feed.overlap ? 300 : 0,
      filter: feed.defaultFilter,
      baseUrl: options.baseUrl,
      ...request,
      cursor,
    });
    records.push(...page.records);
    cursor = page.cursor;
    if (!page.more) return { records, cursor, pages };
  }
  throw new Error(`${integration.id}'s feed still had pages after 100`);
}

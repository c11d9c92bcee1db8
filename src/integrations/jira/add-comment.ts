import { Type } from '@sinclair/typebox';
import type { IntegrationContext } from '../sdk/integration.ts';
import { defineAction } from '../sdk/integration.ts';
import { adfText, textToAdf, type AdfDocument } from './jira-adf.ts';
import { invalidAnswer, jiraRequest } from './jira-http.ts';

/** Recent comments looked through for an earlier attempt's marker (Jira's page maximum). */
const RECENT_COMMENTS = 100;

/** The trailing line that ties a comment to its step; comment properties cannot be listed with the comments. */
export function commentMarker(idempotencyKey: string): string {
  return `riposte:${idempotencyKey}`;
}

function withMarker(text: string, marker: string): AdfDocument {
  const doc = textToAdf(text);
  doc.content.push({
    type: 'paragraph',
    content: [{ type: 'text', text: marker, marks: [{ type: 'code' }] }],
  });
  return doc;
}

async function findMarked(context: IntegrationContext, path: string, marker: string) {
  const response = await jiraRequest(context, {
    path,
    query: { orderBy: '-created', maxResults: RECENT_COMMENTS },
  });
  const comments = (response.json<{ comments?: unknown }>() ?? {}).comments;
  if (!Array.isArray(comments)) throw invalidAnswer('a comment list without "comments"');
  const hit = (comments as { id?: unknown; self?: unknown; body?: unknown; created?: unknown }[]).find((c) =>
    adfText(c?.body).includes(marker),
  );
  return hit
    ? { id: String(hit.id ?? ''), self: String(hit.self ?? ''), created: String(hit.created ?? '') }
    : null;
}

export const addComment = defineAction({
  name: 'add_comment',
  title: 'Comment on a Jira issue',
  description:
    'Adds a comment (plain text, sent as ADF) to an issue. Idempotent per step: the comment ends with a ' +
    '`riposte:<idempotency key>` line, looked for among the issue’s recent comments before adding.',
  effect: 'write',
  input: Type.Object(
    {
      key: Type.String({ minLength: 1, maxLength: 255, description: 'issue key or id' }),
      body: Type.String({ minLength: 1, maxLength: 32_000 }),
    },
    { additionalProperties: false },
  ),
  output: Type.Object({
    id: Type.String(),
    self: Type.String(),
    created: Type.String(),
    deduplicated: Type.Boolean(),
  }),
  target: (input) => ({ type: 'ticket', value: input.key }),
  async run(input, context) {
    const path = `/rest/api/3/issue/${encodeURIComponent(input.key)}/comment`;
    const marker = commentMarker(context.idempotencyKey);
    const earlier = await findMarked(context, path, marker);
    if (earlier) return { ...earlier, deduplicated: true };
    const response = await jiraRequest(context, {
      method: 'POST',
      path,
      json: { body: withMarker(input.body, marker) },
    });
    const comment = response.json<{ id?: unknown; self?: unknown; created?: unknown }>() ?? {};
    if (comment.id === undefined) throw invalidAnswer('a created comment without an id');
    return {
      id: String(comment.id),
      self: String(comment.self ?? ''),
      created: String(comment.created ?? ''),
      deduplicated: false,
    };
  },
});

import { Type } from '@sinclair/typebox';
import { ActionError } from '../../core/action.ts';
import type { IntegrationContext } from '../sdk/integration.ts';
import { defineAction } from '../sdk/integration.ts';
import { textToAdf } from './jira-adf.ts';
import { browseUrl, invalidAnswer, jiraRequest } from './jira-http.ts';

export const CreateIssueOutput = Type.Object({
  id: Type.String(),
  key: Type.String(),
  self: Type.String(),
  url: Type.String(),
  /** An issue from an earlier attempt of the same step was found: nothing was created. */
  deduplicated: Type.Boolean(),
});

const Label = Type.String({ minLength: 1, maxLength: 255, pattern: '^\\S+$', description: 'no spaces' });

/**
 * The label that ties an issue to the step that created it. Labels cannot hold spaces; anything but
 * letters, digits and `_ . : -` becomes `_` so the label can also be quoted safely in JQL.
 */
export function idempotencyLabel(idempotencyKey: string): string {
  return `riposte-${idempotencyKey.replace(/[^A-Za-z0-9_.:-]/g, '_')}`.slice(0, 255);
}

async function findByLabel(context: IntegrationContext, label: string) {
  const response = await jiraRequest(context, {
    path: '/rest/api/3/search/jql',
    query: { jql: `labels = "${label}"`, fields: 'summary,labels', maxResults: 1 },
  });
  const issues = (response.json<{ issues?: unknown }>() ?? {}).issues;
  if (!Array.isArray(issues)) throw invalidAnswer('a search without an "issues" list');
  const first = issues[0] as { id?: unknown; key?: unknown; self?: unknown } | undefined;
  return first && typeof first.key === 'string'
    ? { id: String(first.id ?? ''), key: first.key, self: String(first.self ?? '') }
    : null;
}

/** YYYY-MM-DD, `days` after today in UTC. */
export function daysFromToday(days: number, now = Date.now()): string {
  return new Date(now + days * 86_400_000).toISOString().slice(0, 10);
}

export const createIssue = defineAction({
  name: 'create_issue',
  title: 'Create a Jira issue',
  description:
    'Creates an issue (summary, plain-text description sent as ADF, issue type, labels, priority, due date). Idempotent ' +
    'per step: the issue carries the label riposte-<idempotency key>, searched for before creating.',
  effect: 'write',
  input: Type.Object(
    {
      project: Type.String({ minLength: 1, maxLength: 255, description: 'project key (SEC)' }),
      summary: Type.String({ minLength: 1, maxLength: 255 }),
      description: Type.Optional(Type.String({ maxLength: 32_000 })),
      issue_type: Type.Optional(Type.String({ minLength: 1, default: 'Task' })),
      labels: Type.Optional(Type.Array(Label, { maxItems: 50 })),
      priority: Type.Optional(Type.String({ minLength: 1, description: 'priority name (High)' })),
      due_date: Type.Optional(
        Type.String({
          pattern: '^\\d{4}-\\d{2}-\\d{2}$',
          description: 'the due date, YYYY-MM-DD (Jira duedate)',
        }),
      ),
      due_in_days: Type.Optional(
        Type.Integer({
          minimum: 0,
          maximum: 3650,
          description: 'the due date as days from today (UTC), for an SLA; not with due_date',
        }),
      ),
    },
    { additionalProperties: false },
  ),
  output: CreateIssueOutput,
  async run(input, context) {
    if (input.due_date !== undefined && input.due_in_days !== undefined)
      throw new ActionError('invalid_input', 'give due_date or due_in_days, not both', { retryable: false });
    const due =
      input.due_date ?? (input.due_in_days === undefined ? undefined : daysFromToday(input.due_in_days));
    const label = idempotencyLabel(context.idempotencyKey);
    // Check before act: an attempt that created the issue but crashed before the engine recorded it.
    const earlier = await findByLabel(context, label);
    if (earlier) return { ...earlier, url: browseUrl(context, earlier.key), deduplicated: true };

    const fields = {
      project: { key: input.project },
      summary: input.summary,
      ...(input.description ? { description: textToAdf(input.description) } : {}),
      issuetype: { name: input.issue_type ?? 'Task' },
      labels: [...new Set([...(input.labels ?? []), label])],
      ...(input.priority ? { priority: { name: input.priority } } : {}),
      ...(due ? { duedate: due } : {}),
    };
    const response = await jiraRequest(context, {
      method: 'POST',
      path: '/rest/api/3/issue',
      json: { fields },
    });
    const created = response.json<{ id?: unknown; key?: unknown; self?: unknown }>() ?? {};
    if (typeof created.key !== 'string') throw invalidAnswer('a created issue without a key');
    return {
      id: String(created.id ?? ''),
      key: created.key,
      self: String(created.self ?? ''),
      url: browseUrl(context, created.key),
      deduplicated: false,
    };
  },
});

import { Type } from '@sinclair/typebox';
import { ActionError } from '../../core/action.ts';
import { defineAction } from '../sdk/integration.ts';
import { textToAdf } from './jira-adf.ts';
import { browseUrl, jiraRequest } from './jira-http.ts';

const IssueKey = Type.String({
  minLength: 3,
  maxLength: 255,
  pattern: '^[A-Za-z][A-Za-z0-9_]*-\\d+$|^\\d+$',
});
const Label = Type.String({ minLength: 1, maxLength: 255, pattern: '^\\S+$' });

export const updateIssue = defineAction({
  name: 'update_issue',
  title: 'Update a Jira issue',
  description:
    'Sets the summary, description (plain text, sent as ADF) or priority of an issue and adds or removes ' +
    'labels. Idempotent: the values are set, not appended, so a repeat leaves the issue as it was.',
  effect: 'write',
  input: Type.Object(
    {
      key: IssueKey,
      summary: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
      description: Type.Optional(Type.String({ maxLength: 32_000 })),
      priority: Type.Optional(Type.String({ minLength: 1 })),
      add_labels: Type.Optional(Type.Array(Label, { maxItems: 50 })),
      remove_labels: Type.Optional(Type.Array(Label, { maxItems: 50 })),
      notify_users: Type.Optional(Type.Boolean({ default: true })),
    },
    { additionalProperties: false },
  ),
  output: Type.Object({ key: Type.String(), url: Type.String() }),
  target: (input) => ({ type: 'ticket', value: input.key }),
  async run(input, context) {
    const fields = {
      ...(input.summary !== undefined ? { summary: input.summary } : {}),
      ...(input.description !== undefined ? { description: textToAdf(input.description) } : {}),
      ...(input.priority !== undefined ? { priority: { name: input.priority } } : {}),
    };
    const labels = [
      ...(input.add_labels ?? []).map((add) => ({ add })),
      ...(input.remove_labels ?? []).map((remove) => ({ remove })),
    ];
    if (Object.keys(fields).length === 0 && labels.length === 0)
      throw new ActionError('invalid_input', 'update_issue needs at least one field or label to change', {
        retryable: false,
      });
    // Jira answers 204 No Content.
    await jiraRequest(context, {
      method: 'PUT',
      path: `/rest/api/3/issue/${encodeURIComponent(input.key)}`,
      query: input.notify_users === false ? { notifyUsers: false } : {},
      json: { fields, ...(labels.length > 0 ? { update: { labels } } : {}) },
    });
    return { key: input.key, url: browseUrl(context, input.key) };
  },
});

import { defineIntegration } from '../sdk/integration.ts';
import { addComment } from './add-comment.ts';
import { createIssue } from './create-issue.ts';
import { jiraRequest } from './jira-http.ts';
import { updateIssue } from './update-issue.ts';

export const jiraIntegration = defineIntegration({
  id: 'jira',
  name: 'Jira Cloud',
  version: '1.0.0',
  categories: ['ticketing'],
  docs: 'https://developer.atlassian.com/cloud/jira/platform/rest/v3/',
  // Every site has its own URL; the instance's base_url (https://<site>.atlassian.net) is required.
  baseUrl: '',
  credentials: [
    { name: 'email', label: 'Atlassian account email', secret: false, required: true },
    {
      name: 'api_token',
      label: 'API token',
      secret: true,
      required: true,
      description: 'From https://id.atlassian.com/manage-profile/security/api-tokens',
    },
  ],
  auth: { kind: 'basic', usernameField: 'email', passwordField: 'api_token' },
  // Jira Cloud's limits are dynamic (burst per endpoint, per-issue writes); 429 carries Retry-After.
  rateLimit: { requests: 10, perSeconds: 1 },
  testConnection: async (context) => {
    await jiraRequest(context, { path: '/rest/api/3/myself' });
  },
  actions: [createIssue, updateIssue, addComment],
});

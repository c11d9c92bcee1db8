import { startFakeServer, type FakeReply, type FakeRequest, type FakeServer } from '../sdk/fake-server.ts';

export interface FakeJiraIssue {
  id: string;
  key: string;
  fields: {
    project: { key: string };
    summary: string;
    description: unknown;
    issuetype: { name: string };
    labels: string[];
    priority: { name: string } | null;
    /** YYYY-MM-DD. */
    duedate?: string | null;
  };
  comments: { id: string; body: unknown; created: string }[];
}

export interface FakeJiraOptions {
  email?: string;
  apiToken?: string;
  projects?: string[];
  issueTypes?: string[];
  priorities?: string[];
  /** Issues already on the site (another step's, or a human's). */
  issues?: FakeJiraIssue[];
  /** After this many requests every further one answers 429 with Retry-After. */
  requestsBeforeLimit?: number;
}

export interface FakeJira extends FakeServer {
  issues: FakeJiraIssue[];
}

export const FAKE_JIRA_EMAIL = 'soc-bot@example.com';
export const FAKE_JIRA_TOKEN = 'ATATT3xFfGF0-fake-jira-token-0123456789';

const jiraError = (
  status: number,
  errorMessages: string[],
  errors: Record<string, string> = {},
): FakeReply => ({
  status,
  json: { errorMessages, errors },
});
const NO_ISSUE = 'Issue does not exist or you do not have permission to see it.';
const isAdf = (v: unknown) =>
  !!v &&
  typeof v === 'object' &&
  (v as { type?: unknown }).type === 'doc' &&
  (v as { version?: unknown }).version === 1;

/**
 * A Jira Cloud REST v3 stand-in: Basic auth (email:API token), POST/PUT /rest/api/3/issue, GET
 * /rest/api/3/search/jql (only `labels = "<label>"` is understood), issue comments, GET /myself, and Jira's
 * error body `{"errorMessages":[…],"errors":{field:…}}` with the documented statuses (201, 204, 400, 401, 404, 429).
 */
export async function startFakeJira(options: FakeJiraOptions = {}): Promise<FakeJira> {
  const expected = `Basic ${Buffer.from(`${options.email ?? FAKE_JIRA_EMAIL}:${options.apiToken ?? FAKE_JIRA_TOKEN}`).toString('base64')}`;
  const projects = new Set(options.projects ?? ['SEC']);
  const types = new Set(options.issueTypes ?? ['Task', 'Bug', 'Incident']);
  const priorities = new Set(options.priorities ?? ['Highest', 'High', 'Medium', 'Low', 'Lowest']);
  const issues: FakeJiraIssue[] = [...(options.issues ?? [])];
  let served = 0;
  let nextId = 10_000 + issues.length;
  let base = '';

  const guard = (handler: (r: FakeRequest) => FakeReply) => (request: FakeRequest) => {
    served++;
    if (options.requestsBeforeLimit !== undefined && served > options.requestsBeforeLimit)
      return {
        status: 429,
        headers: {
          'retry-after': '30',
          'x-ratelimit-reset': '2024-05-01T12:00Z',
          'ratelimit-reason': 'jira-burst-based',
        },
        json: { errorMessages: ['Rate limit exceeded.'], errors: {} },
      };
    // Jira Cloud answers a bad or missing token with a bare 401.
    if (request.headers['authorization'] !== expected)
      return { status: 401, text: 'Client must be authenticated to access this resource.' };
    return handler(request);
  };
  const find = (key: string) => issues.find((i) => i.key === key || i.id === key);
  const view = (i: FakeJiraIssue) => ({ id: i.id, key: i.key, self: `${base}/rest/api/3/issue/${i.id}` });

  const search = (request: FakeRequest): FakeReply => {
    const jql = request.query.get('jql') ?? '';
    const match = /^labels\s*=\s*"([^"]+)"$/.exec(jql.trim());
    if (!match) return jiraError(400, [`Error in the JQL Query: unsupported query '${jql}'.`]);
    const max = Number(request.query.get('maxResults') ?? '50');
    const found = issues.filter((i) => i.fields.labels.includes(match[1]!)).slice(0, max);
    return {
      json: {
        issues: found.map((i) => ({
          ...view(i),
          fields: { summary: i.fields.summary, labels: i.fields.labels },
        })),
        isLast: true,
      },
    };
  };

  const create = (request: FakeRequest): FakeReply => {
    const fields = (JSON.parse(request.body || '{}') as { fields?: Record<string, unknown> }).fields ?? {};
    const errors: Record<string, string> = {};
    const project = (fields['project'] as { key?: string } | undefined)?.key ?? '';
    if (!projects.has(project)) errors['project'] = 'valid project is required';
    if (typeof fields['summary'] !== 'string' || !fields['summary'])
      errors['summary'] = 'You must specify a summary of the issue.';
    const type = (fields['issuetype'] as { name?: string } | undefined)?.name ?? '';
    if (!types.has(type)) errors['issuetype'] = 'Specify an issue type';
    if (fields['description'] !== undefined && !isAdf(fields['description']))
      errors['description'] =
        'Operation value must be an Atlassian Document (see the Atlassian Document Format)';
    const labels = (fields['labels'] as string[] | undefined) ?? [];
    const spaced = labels.find((l) => /\s/.test(l));
    if (spaced) errors['labels'] = `The label '${spaced}' contains spaces which is invalid.`;
    const priority = (fields['priority'] as { name?: string } | undefined)?.name;
    if (priority !== undefined && !priorities.has(priority))
      errors['priority'] = `Priority name '${priority}' is not valid`;
    const due = fields['duedate'];
    const validDate = (v: string) =>
      /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`));
    if (due !== undefined && due !== null && (typeof due !== 'string' || !validDate(due)))
      errors['duedate'] = `Error parsing date string: ${String(due)}`;
    if (Object.keys(errors).length > 0) return jiraError(400, [], errors);
    const id = String(++nextId);
    const issue: FakeJiraIssue = {
      id,
      key: `${project}-${issues.filter((i) => i.fields.project.key === project).length + 1}`,
      fields: {
        project: { key: project },
        summary: fields['summary'] as string,
        description: fields['description'] ?? null,
        issuetype: { name: type },
        labels,
        priority: priority ? { name: priority } : null,
        duedate: typeof due === 'string' ? due : null,
      },
      comments: [],
    };
    issues.push(issue);
    return { status: 201, json: view(issue) };
  };

  const update = (request: FakeRequest): FakeReply => {
    const issue = find(request.params['key']!);
    if (!issue) return jiraError(404, [NO_ISSUE]);
    const body = JSON.parse(request.body || '{}') as {
      fields?: Record<string, unknown>;
      update?: { labels?: { add?: string; remove?: string }[] };
    };
    const f = body.fields ?? {};
    if (f['description'] !== undefined && !isAdf(f['description']))
      return jiraError(400, [], {
        description: 'Operation value must be an Atlassian Document (see the Atlassian Document Format)',
      });
    const priority = (f['priority'] as { name?: string } | undefined)?.name;
    if (priority !== undefined && !priorities.has(priority))
      return jiraError(400, [], { priority: `Priority name '${priority}' is not valid` });
    if (typeof f['summary'] === 'string') issue.fields.summary = f['summary'];
    if (f['description'] !== undefined) issue.fields.description = f['description'];
    if (priority) issue.fields.priority = { name: priority };
    for (const op of body.update?.labels ?? []) {
      if (op.add && !issue.fields.labels.includes(op.add)) issue.fields.labels.push(op.add);
      if (op.remove) issue.fields.labels = issue.fields.labels.filter((l) => l !== op.remove);
    }
    return { status: 204 };
  };

  const comments = (request: FakeRequest): FakeReply => {
    const issue = find(request.params['key']!);
    if (!issue) return jiraError(404, [NO_ISSUE]);
    const newest = request.query.get('orderBy') === '-created';
    const list = newest ? [...issue.comments].reverse() : issue.comments;
    const max = Number(request.query.get('maxResults') ?? '5000');
    return {
      json: {
        startAt: 0,
        maxResults: max,
        total: list.length,
        comments: list
          .slice(0, max)
          .map((c) => ({ ...c, self: `${base}/rest/api/3/issue/${issue.id}/comment/${c.id}` })),
      },
    };
  };

  const comment = (request: FakeRequest): FakeReply => {
    const issue = find(request.params['key']!);
    if (!issue) return jiraError(404, [NO_ISSUE]);
    const body = (JSON.parse(request.body || '{}') as { body?: unknown }).body;
    if (!isAdf(body)) return jiraError(400, [], { comment: 'Comment body is not valid!' });
    const saved = {
      id: String(20_000 + issue.comments.length),
      body,
      created: '2024-05-01T12:00:00.000+0000',
    };
    issue.comments.push(saved);
    return {
      status: 201,
      json: { ...saved, self: `${base}/rest/api/3/issue/${issue.id}/comment/${saved.id}` },
    };
  };

  const server = await startFakeServer([
    [
      'GET',
      '/rest/api/3/myself',
      guard(() => ({ json: { accountId: '5b10a2844c20165700ede21g', emailAddress: FAKE_JIRA_EMAIL } })),
    ],
    ['GET', '/rest/api/3/search/jql', guard(search)],
    ['POST', '/rest/api/3/issue', guard(create)],
    ['PUT', '/rest/api/3/issue/:key', guard(update)],
    ['GET', '/rest/api/3/issue/:key/comment', guard(comments)],
    ['POST', '/rest/api/3/issue/:key/comment', guard(comment)],
  ]);
  base = server.url;
  return Object.assign(server, { issues });
}

import { ActionError } from '../../core/action.ts';
import { defineAction, defineIntegration } from '../sdk/integration.ts';
import { GetInput, Output, RequestInput, sendRequest } from './web-request.ts';

const request = defineAction({
  name: 'request',
  title: 'HTTP request',
  description:
    'Any HTTP request to any public URL; the answer’s status, selected headers and body. Counted as a write: ' +
    'a generic request may change things. Redirects are returned, not followed.',
  effect: 'write',
  // A retried POST could act twice: only the client's own retries of 429/5xx apply, not the step's.
  retry: null,
  input: RequestInput,
  output: Output,
  run: (input, context) => sendRequest(input, context),
});

const get = defineAction({
  name: 'get',
  title: 'HTTP GET',
  description: 'A GET of a public URL, as a read: the answer’s status, selected headers and body.',
  effect: 'read',
  input: GetInput,
  output: Output,
  run: (input, context) => sendRequest({ ...input, method: 'GET' }, context),
});

export const webIntegration = defineIntegration({
  id: 'web',
  name: 'Web (generic HTTP)',
  version: '1.0.0',
  categories: ['utility'],
  docs: 'https://www.rfc-editor.org/rfc/rfc9110',
  // No default: absolute URLs need none; relative ones and credentials need the instance's base_url.
  baseUrl: '',
  credentials: [
    {
      name: 'header_name',
      label: 'Auth header name',
      secret: false,
      required: false,
      description: 'X-Api-Key, Authorization, …',
    },
    { name: 'header_value', label: 'Auth header value', secret: true, required: false },
    { name: 'username', label: 'Basic auth user', secret: false, required: false },
    { name: 'password', label: 'Basic auth password', secret: true, required: false },
  ],
  // Applied by the action, and only to the base_url's origin (see web-request.ts).
  auth: { kind: 'none' },
  async testConnection(context) {
    if (!context.fields['base_url'])
      throw new ActionError('not_configured', 'set base_url to test a web instance', { retryable: false });
    // Any answer but an authentication failure or a server error means the base URL and credentials work.
    const accept = Array.from({ length: 100 }, (_, i) => 400 + i).filter(
      (s) => s !== 401 && s !== 403 && s !== 429,
    );
    await sendRequest(
      { method: 'GET', url: context.fields['base_url'], expect: 'text', accept_statuses: accept },
      context,
    );
  },
  actions: [request, get],
});

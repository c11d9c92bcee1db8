import { Type } from '@sinclair/typebox';
import type { ActionDefinition } from '../core/action.ts';
import { ActionError } from '../core/action.ts';
import type { ObservableType } from '../core/alert.ts';
import { nowMs } from '../core/clock.ts';
import { RiposteError } from '../core/riposte-error.ts';
import type { AlertSearch } from '../ingest/alert-search.ts';

const SEARCHABLE = [
  'url',
  'domain',
  'ipv4',
  'ipv6',
  'email',
  'md5',
  'sha1',
  'sha256',
  'host',
  'user',
] as const;
const MAX_LIMIT = 200;
const DAY_MS = 86_400_000;

/** `30d`, `12h`, `90m` back from now, or an ISO time; at most 366 days back. */
function sinceTime(value: unknown, now: number): string {
  const text = typeof value === 'string' && value.trim() !== '' ? value.trim() : '30d';
  const relative = /^(\d{1,4})([dhm])$/.exec(text);
  const at = relative
    ? now - Number(relative[1]) * { d: DAY_MS, h: 3_600_000, m: 60_000 }[relative[2] as 'd' | 'h' | 'm']
    : Date.parse(text);
  if (Number.isNaN(at) || at < now - 366 * DAY_MS)
    throw new ActionError(
      'invalid_input',
      `since must be like 30d, 12h or an ISO time within 366 days, got "${text}"`,
      {
        retryable: false,
      },
    );
  return new Date(at).toISOString();
}

/** A missing alert or a non-e-mail is the playbook's mistake: retrying will not help. */
function notRetryable(error: unknown): never {
  if (error instanceof RiposteError)
    throw new ActionError(error.code, error.message, { retryable: false, cause: error });
  throw error;
}

/** Actions that read Riposte's own alerts: search them by observable, analyse a reported e-mail. */
export function alertActions(alerts: () => AlertSearch): ActionDefinition[] {
  return [
    {
      id: 'riposte.search_alerts',
      title: 'Search stored alerts',
      description:
        'Finds stored alerts that name any of the given URLs, domains, addresses, hashes, hosts or users since a time ' +
        '(default 30 days): did a proxy, DNS or IDS alert see the link of a reported e-mail? Index-backed and bounded: ' +
        'at most 100 cases per value and the 200 newest alerts of each are read; truncated says when more exist.',
      effect: 'read',
      input: Type.Object(
        {
          observables: Type.Array(
            Type.Object(
              {
                type: Type.Union(SEARCHABLE.map((t) => Type.Literal(t))),
                value: Type.String({ minLength: 1, maxLength: 4096 }),
              },
              { additionalProperties: false },
            ),
            { maxItems: 50 },
          ),
          since: Type.Optional(Type.String({ description: '30d, 12h, 90m or an ISO time (default 30d)' })),
          exclude_case_id: Type.Optional(Type.Union([Type.String(), Type.Null()])),
          exclude_formats: Type.Optional(Type.Array(Type.String(), { maxItems: 20 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LIMIT })),
        },
        { additionalProperties: false },
      ),
      timeoutMs: 30_000,
      retry: { attempts: 3, backoffMs: 500, factor: 2, maxDelayMs: 5_000, jitter: true },
      run: async (input) => {
        const excludeCaseId = input['exclude_case_id'];
        return alerts().search({
          observables: input['observables'] as { type: ObservableType; value: string }[],
          since: sinceTime(input['since'], nowMs()),
          ...(typeof excludeCaseId === 'string' ? { excludeCaseId } : {}),
          ...(Array.isArray(input['exclude_formats'])
            ? { excludeFormats: input['exclude_formats'] as string[] }
            : {}),
          limit: typeof input['limit'] === 'number' ? input['limit'] : 50,
        });
      },
    },
    {
      id: 'riposte.analyze_email',
      title: 'Analyse a reported e-mail',
      description:
        'Reads a stored e-mail alert: From, Reply-To and Return-Path and where their domains differ, SPF, DKIM and ' +
        'DMARC results, the Received path and the sending address, the links in its text, HTML and attachments, ' +
        'and the attachments with their SHA-256.',
      effect: 'read',
      react: 'RA2205',
      input: Type.Object(
        {
          alert_id: Type.String({ minLength: 1 }),
          max_urls: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: 200,
              description:
                'Keep at most this many URLs and URL hosts (default 200); urls_total says how many there were',
            }),
          ),
        },
        { additionalProperties: false },
      ),
      timeoutMs: 30_000,
      retry: null,
      run: async (input) => {
        const analysis = await alerts().emailAnalysis(String(input['alert_id'])).catch(notRetryable);
        const max = typeof input['max_urls'] === 'number' ? input['max_urls'] : 200;
        return {
          ...analysis,
          urls: analysis.urls.slice(0, max),
          url_hosts: analysis.url_hosts.slice(0, max),
          urls_total: analysis.urls.length,
        };
      },
    },
  ];
}

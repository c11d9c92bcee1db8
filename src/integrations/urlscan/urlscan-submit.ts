import { Type } from '@sinclair/typebox';
import { ActionError } from '../../core/action.ts';
import { observable } from '../../core/observable.ts';
import { defineAction } from '../sdk/integration.ts';
import { GUI, invalidResponse, record, str, urlscanRequest } from './urlscan-api.ts';

export const VISIBILITIES = ['public', 'unlisted', 'private'] as const;

/**
 * `POST /scan/` with `{url, visibility, tags}`. The default visibility is `unlisted`: a public scan is
 * listed on urlscan's front page and in everyone's search, and URLs in alerts often carry a victim's
 * address or a token. Public stays one input away.
 */
export const submit = defineAction({
  name: 'submit',
  title: 'Submit a URL for scanning',
  description: 'Asks urlscan.io to scan a URL; read the verdict with result (the scan takes 10–30 s).',
  effect: 'write',
  input: Type.Object({
    url: Type.String({ minLength: 1, maxLength: 4096 }),
    visibility: Type.Optional(
      Type.Union(
        VISIBILITIES.map((v) => Type.Literal(v)),
        { default: 'unlisted' },
      ),
    ),
    tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 10 })),
  }),
  output: Type.Object({
    uuid: Type.String(),
    url: Type.String(),
    visibility: Type.String(),
    message: Type.Union([Type.String(), Type.Null()]),
    reportUrl: Type.String(),
    apiUrl: Type.Union([Type.String(), Type.Null()]),
  }),
  timeoutMs: 60_000,
  async run(input, context) {
    const url = observable('url', input.url)?.value;
    if (!url)
      throw new ActionError('invalid_input', `"${input.url}" is not an absolute URL (scheme://host/…)`, {
        retryable: false,
      });
    const visibility = input.visibility ?? 'unlisted';
    const { body } = await urlscanRequest(context.http, {
      method: 'POST',
      path: '/scan/',
      json: { url, visibility, ...(input.tags?.length ? { tags: input.tags } : {}) },
    });
    const b = record(body);
    const uuid = str(b['uuid']);
    if (!uuid) throw invalidResponse('a submission', body);
    return {
      uuid,
      url: str(b['url']) ?? url,
      // urlscan may enforce another visibility than asked (its blocklists, the account's settings).
      visibility: str(b['visibility']) ?? visibility,
      message: str(b['message']),
      reportUrl: str(b['result']) ?? `${GUI}/result/${uuid}/`,
      apiUrl: str(b['api']),
    };
  },
});

import { Type, type TSchema } from '@sinclair/typebox';
import { ActionError } from '../../core/action.ts';
import { observable } from '../../core/observable.ts';
import type { HttpRequest } from '../sdk/http-client.ts';
import { defineAction, type IntegrationContext } from '../sdk/integration.ts';
import {
  PollInputs,
  SUBMIT_TIMEOUT_MS,
  analysisDate,
  analysisIdOf,
  itemIdOf,
  waitForAnalysis,
} from './virustotal-analysis.ts';
import { GUI, StatsSchema, ThresholdSchema, VerdictSchema, int, str } from './virustotal-api.ts';
import { engineStats, verdictOf } from './virustotal-verdict.ts';

/** `POST /files` takes up to 32 MB; bigger files need the separate upload-URL flow (not offered here). */
export const MAX_FILE_BYTES = 32 * 1024 * 1024;

const nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

const analysisOutput = {
  analysisId: Type.String(),
  status: Type.Literal('completed'),
  stats: StatsSchema,
  verdict: VerdictSchema,
  score: nullable(Type.Integer({ minimum: 0, maximum: 100 })),
  date: nullable(Type.String()),
  link: Type.String(),
  polls: Type.Integer({ minimum: 1 }),
};

/**
 * Sends a submission, waits for its analysis, and reads what both submissions answer alike; `info`
 * is the analysis's `meta` entry about the item (`url_info`, `file_info`).
 */
async function submitAndWait(
  context: IntegrationContext,
  request: HttpRequest,
  input: { poll_interval_seconds?: number; max_wait_seconds?: number; malicious_threshold?: number },
  infoKey: 'url_info' | 'file_info',
) {
  const id = analysisIdOf((await context.http.request(request)).json());
  const done = await waitForAnalysis(context, id, {
    pollSeconds: input.poll_interval_seconds,
    maxWaitSeconds: input.max_wait_seconds,
  });
  const stats = engineStats(done.analysis.attributes['stats']);
  return {
    shared: {
      analysisId: id,
      status: 'completed' as const,
      stats,
      ...verdictOf(stats, input.malicious_threshold),
      date: analysisDate(done.analysis),
      polls: done.polls,
    },
    info: (done.meta[infoKey] ?? {}) as Record<string, unknown>,
    itemId: itemIdOf(done.analysis),
  };
}

const badInput = (message: string) => new ActionError('invalid_input', message, { retryable: false });

export const submitUrl = defineAction({
  name: 'submit_url',
  title: 'Submit a URL for analysis',
  description:
    'Sends a URL to VirusTotal for a fresh scan (POST /urls) and waits for the analysis to complete.',
  effect: 'write',
  input: Type.Object({
    url: Type.String({ minLength: 1, maxLength: 4096 }),
    malicious_threshold: ThresholdSchema,
    ...PollInputs,
  }),
  output: Type.Object({ ...analysisOutput, url: Type.String(), urlId: nullable(Type.String()) }),
  timeoutMs: SUBMIT_TIMEOUT_MS,
  async run(input, context) {
    const url = observable('url', input.url)?.value;
    if (!url) throw badInput(`"${input.url}" is not an absolute URL (scheme://host/…)`);
    const { shared, info, itemId } = await submitAndWait(
      context,
      { method: 'POST', path: '/urls', form: { url } },
      input,
      'url_info',
    );
    const urlId = str(info['id']) ?? itemId;
    return {
      ...shared,
      link: urlId ? `${GUI}/url/${urlId}` : `${GUI}/search/${encodeURIComponent(url)}`,
      url: str(info['url']) ?? url,
      urlId,
    };
  },
});

export const submitFile = defineAction({
  name: 'submit_file',
  title: 'Submit a file for analysis',
  description:
    'Uploads a file (base64, at most 32 MB) to VirusTotal (POST /files) and waits for the analysis to complete.',
  effect: 'write',
  input: Type.Object({
    content_base64: Type.String({ minLength: 1, maxLength: Math.ceil(MAX_FILE_BYTES / 3) * 4 + 1024 }),
    filename: Type.String({ minLength: 1, maxLength: 255 }),
    malicious_threshold: ThresholdSchema,
    ...PollInputs,
  }),
  output: Type.Object({
    ...analysisOutput,
    sha256: nullable(Type.String()),
    sha1: nullable(Type.String()),
    md5: nullable(Type.String()),
    size: nullable(Type.Integer()),
  }),
  timeoutMs: SUBMIT_TIMEOUT_MS,
  async run(input, context) {
    const bytes = decodeBase64(input.content_base64);
    const form = new FormData();
    form.append('file', new Blob([bytes]), input.filename);
    const { shared, info, itemId } = await submitAndWait(
      context,
      { method: 'POST', path: '/files', multipart: form },
      input,
      'file_info',
    );
    const sha256 = str(info['sha256']) ?? itemId;
    return {
      ...shared,
      link: sha256 ? `${GUI}/file/${sha256}` : `${GUI}/search/${encodeURIComponent(input.filename)}`,
      sha256,
      sha1: str(info['sha1']),
      md5: str(info['md5']),
      size: int(info['size']),
    };
  },
});

/** Strict base64 (standard or URL alphabet, whitespace ignored): a typo must not upload garbage. */
function decodeBase64(text: string): Uint8Array {
  const compact = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(compact) || compact.length % 4 === 1)
    throw badInput('content_base64 is not base64');
  const bytes = Buffer.from(compact, compact.includes('-') || compact.includes('_') ? 'base64url' : 'base64');
  if (bytes.length === 0) throw badInput('the file is empty');
  if (bytes.length > MAX_FILE_BYTES)
    throw badInput(`the file is ${bytes.length} bytes; POST /files takes at most ${MAX_FILE_BYTES}`);
  return new Uint8Array(bytes);
}

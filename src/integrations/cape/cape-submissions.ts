import { createHash } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { ActionError } from '../../core/action.ts';
import { observable } from '../../core/observable.ts';
import { defineAction, type IntegrationContext } from '../sdk/integration.ts';
import {
  analysisLink,
  capeCall,
  inProgress,
  invalid,
  submitFields,
  taskIdsOf,
  type SubmitOptions,
} from './cape-api.ts';

/**
 * Starting analyses: by the SHA-256 of a sample CAPE already holds, by uploading bytes, or by URL.
 * Each answers with the task to follow; `cape.get_report` waits for it (see the README).
 */

const SHA256 = '^[0-9a-fA-F]{64}$';
/** CAPE's own upload limit is its web server's; this keeps a step's input within reason. */
export const MAX_FILE_BYTES = 32 * 1024 * 1024;

const SubmitInputs = {
  package: Type.Optional(
    Type.String({ pattern: '^[a-z0-9_]{1,32}$', description: 'analysis package (exe, dll, doc, zip …)' }),
  ),
  timeout_seconds: Type.Optional(
    Type.Integer({ minimum: 30, maximum: 3600, description: 'analysis duration in the VM' }),
  ),
  platform: Type.Optional(Type.String({ pattern: '^[a-z]{1,16}$', description: 'windows or linux' })),
  options: Type.Optional(Type.String({ maxLength: 1000, description: 'CAPE options, key=value,…' })),
  priority: Type.Optional(Type.Integer({ minimum: 1, maximum: 3 })),
};

const nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

export const TaskOutput = Type.Object({
  sha256: nullable(Type.String()),
  /** False when CAPE holds no sample with that hash: nothing was started. */
  found: Type.Boolean(),
  taskId: nullable(Type.Integer()),
  status: nullable(Type.String({ description: 'pending, running, completed, reported …' })),
  /** True when an analysis already done or under way was taken instead of starting one. */
  reused: Type.Boolean(),
  link: nullable(Type.String()),
});
export type TaskOutput = Static<typeof TaskOutput>;

interface CapeTask {
  id: number;
  status: string;
}

/** `GET /apiv2/tasks/search/sha256/{hash}/`: the sample's tasks, newest first. */
async function tasksOf(context: IntegrationContext, sha256: string): Promise<CapeTask[]> {
  const body = await capeCall<{ data?: unknown }>(context, `the task search for ${sha256}`, {
    path: `/apiv2/tasks/search/sha256/${sha256}/`,
  });
  if (!Array.isArray(body?.data)) throw invalid('the task search', body);
  return body.data
    .map((t) => t as { id?: unknown; status?: unknown })
    .filter(
      (t): t is { id: number; status: string } => Number.isInteger(t.id) && typeof t.status === 'string',
    )
    .map((t) => ({ id: t.id, status: t.status }))
    .sort((a, b) => b.id - a.id);
}

/**
 * The task to follow instead of starting one: an analysis under way (a previous attempt of this
 * very step, after a crash, finds its own), or — unless a fresh run is asked — the newest report.
 */
function reusable(tasks: CapeTask[], fresh: boolean): CapeTask | undefined {
  return (
    tasks.find((t) => inProgress(t.status)) ??
    (fresh ? undefined : tasks.find((t) => t.status === 'reported'))
  );
}

const output = (context: IntegrationContext, sha256: string | null, task: CapeTask, reused: boolean) => ({
  sha256,
  found: true,
  taskId: task.id,
  status: task.status,
  reused,
  link: analysisLink(context, task.id),
});

export const detonateHash = defineAction({
  name: 'detonate_hash',
  title: 'Detonate a sample by hash',
  description:
    'Analyses a sample CAPE already holds, named by SHA-256: follows an analysis under way, reuses the newest report (unless fresh), or reschedules the newest task of the sample. A hash CAPE has never seen answers found: false.',
  effect: 'write',
  input: Type.Object(
    {
      sha256: Type.String({ pattern: SHA256 }),
      fresh: Type.Optional(
        Type.Boolean({ description: 'run it again even when a report exists (default false)' }),
      ),
    },
    { additionalProperties: false },
  ),
  output: TaskOutput,
  timeoutMs: 60_000,
  target: (input) => ({ type: 'file', value: input.sha256.toLowerCase() }),
  async run(input, context) {
    const sha256 = input.sha256.toLowerCase();
    const tasks = await tasksOf(context, sha256);
    const existing = reusable(tasks, input.fresh ?? false);
    if (existing) return output(context, sha256, existing, true);
    const newest = tasks[0];
    if (!newest) return { sha256, found: false, taskId: null, status: null, reused: false, link: null };
    // Needs [taskresched] enabled in CAPE's api.conf (off by default): the refusal says so.
    const body = await capeCall<{ data?: { new_task_id?: unknown } }>(
      context,
      `rescheduling task ${newest.id}`,
      { path: `/apiv2/tasks/reschedule/${newest.id}/` },
    );
    const id = body?.data?.new_task_id;
    if (!Number.isInteger(id)) throw invalid('the reschedule', body);
    return output(context, sha256, { id: id as number, status: 'pending' }, false);
  },
});

function decodeBase64(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 !== 0)
    throw new ActionError('invalid_input', 'content_base64 is not base64', { retryable: false });
  const bytes = Buffer.from(clean, 'base64');
  if (bytes.length === 0 || bytes.length > MAX_FILE_BYTES)
    throw new ActionError('invalid_input', `the file must hold 1 byte to ${MAX_FILE_BYTES} bytes`, {
      retryable: false,
    });
  return bytes;
}

export const submitFile = defineAction({
  name: 'submit_file',
  title: 'Submit a file for detonation',
  description:
    'Uploads a file (base64) to CAPE (POST /apiv2/tasks/create/file/). When CAPE already analysed the same bytes, that analysis is followed instead (reuse, default true).',
  effect: 'write',
  input: Type.Object(
    {
      content_base64: Type.String({ minLength: 1, maxLength: Math.ceil(MAX_FILE_BYTES / 3) * 4 + 1024 }),
      filename: Type.String({ minLength: 1, maxLength: 255, pattern: '^[^/\\\\]+$' }),
      reuse: Type.Optional(Type.Boolean({ description: 'follow an earlier analysis of the same bytes' })),
      ...SubmitInputs,
    },
    { additionalProperties: false },
  ),
  output: TaskOutput,
  timeoutMs: 120_000,
  // An upload that failed after CAPE stored it would create a second task; the search below makes a
  // retry find the first one instead.
  retry: { attempts: 2, backoffMs: 5_000, factor: 2, maxDelayMs: 30_000, jitter: true },
  target: (input) => ({ type: 'file', value: input.filename }),
  async run(input, context) {
    const bytes = decodeBase64(input.content_base64);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const existing = reusable(await tasksOf(context, sha256), input.reuse === false);
    if (existing) return output(context, sha256, existing, true);
    const form = new FormData();
    form.append('file', new Blob([bytes]), input.filename);
    for (const [key, value] of Object.entries(submitFields(input as SubmitOptions, context)))
      form.append(key, value);
    const body = await capeCall(context, `the upload of ${input.filename}`, {
      method: 'POST',
      path: '/apiv2/tasks/create/file/',
      multipart: form,
    });
    const [id] = taskIdsOf(body, 'the file upload');
    return output(context, sha256, { id: id!, status: 'pending' }, false);
  },
});

export const submitUrl = defineAction({
  name: 'submit_url',
  title: 'Submit a URL for detonation',
  description: 'Has CAPE open a URL in a VM (POST /apiv2/tasks/create/url/).',
  effect: 'write',
  input: Type.Object(
    { url: Type.String({ minLength: 1, maxLength: 4096 }), ...SubmitInputs },
    { additionalProperties: false },
  ),
  output: Type.Object({
    url: Type.String(),
    taskId: Type.Integer(),
    status: Type.String(),
    link: Type.String(),
  }),
  timeoutMs: 60_000,
  // One retry only: CAPE cannot be asked whether a failed attempt got through, and a duplicate
  // analysis costs sandbox time, nothing else.
  retry: { attempts: 2, backoffMs: 5_000, factor: 2, maxDelayMs: 30_000, jitter: true },
  target: (input) => ({ type: 'url', value: input.url }),
  async run(input, context) {
    const url = observable('url', input.url)?.value;
    if (!url)
      throw new ActionError('invalid_input', `"${input.url}" is not an absolute URL`, { retryable: false });
    const body = await capeCall(context, `the submission of ${url}`, {
      method: 'POST',
      path: '/apiv2/tasks/create/url/',
      form: { url, ...submitFields(input, context) },
    });
    const [id] = taskIdsOf(body, 'the URL submission');
    return { url, taskId: id!, status: 'pending', link: analysisLink(context, id!) };
  },
});

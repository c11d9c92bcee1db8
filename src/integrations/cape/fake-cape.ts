import { createHash } from 'node:crypto';
import { startFakeServer, type FakeReply, type FakeRequest, type FakeServer } from '../sdk/fake-server.ts';

/**
 * A stand-in for CAPE's REST API v2 (`web/apiv2/urls.py`, `views.py`): token auth and throttling as
 * Django REST framework answers them, the `{"error": true, "error_value": …}` envelope on HTTP 200,
 * and tasks that move pending → running → completed → reported, one state per status read.
 */

/** What the sandbox makes of one sample: the parts of report.json the connector reads. */
export interface FakeSample {
  name: string;
  malscore: number;
  families?: string[];
  signatures?: { name: string; description: string; severity: number; confidence?: number }[];
  hosts?: string[];
  domains?: { domain: string; ip: string }[];
  urls?: string[];
  /** The analysis fails at this stage instead of being reported. */
  fails?: 'failed_analysis' | 'failed_processing';
}

export interface FakeTask {
  id: number;
  category: 'file' | 'url';
  target: string;
  sha256: string | null;
  status: string;
  custom: string;
  options: Record<string, string>;
}

export interface FakeCapeOptions {
  /** Require `Authorization: Token <token>` (CAPE's token_auth_enabled). */
  token?: string;
  /** Samples by SHA-256. A sample with `analysed` already has a reported task. */
  samples?: Record<string, FakeSample & { analysed?: boolean }>;
  /** What a submitted URL turns out to be. */
  urls?: Record<string, FakeSample>;
  /** [taskresched] in api.conf (CAPE's default: disabled). */
  reschedule?: boolean;
  /** Requests before DRF's throttle answers 429. */
  requestLimit?: number;
  retryAfterSeconds?: number;
  /** Status reads a task spends in each state before moving on (default 1). */
  readsPerState?: number;
  /** A report too big for the connector's response cap (bytes of padding). */
  reportPadding?: number;
  /** Task ids whose report endpoint answers an HTML error page. */
  htmlReports?: number[];
}

export interface FakeCape extends FakeServer {
  tasks: FakeTask[];
  /** Make a task reported at once (a sandbox that finished while nobody looked). */
  finish(id: number): void;
}

const PROGRESS = ['pending', 'running', 'completed', 'reported'];
const BENIGN: FakeSample = { name: 'sample.bin', malscore: 0.4 };

const envelope = (errorValue: string, status = 200): FakeReply => ({
  status,
  json: { error: true, error_value: errorValue },
});

/** The parts of a multipart/form-data body: text fields, and files with their name and bytes. */
function multipart(request: FakeRequest): Map<string, { value: string; filename?: string }> {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(String(request.headers['content-type']));
  const parts = new Map<string, { value: string; filename?: string }>();
  if (!boundary) return parts;
  for (const chunk of request.body.split(`--${boundary[1] ?? boundary[2]}`)) {
    const split = chunk.indexOf('\r\n\r\n');
    if (split < 0) continue;
    const head = chunk.slice(0, split);
    const name = /name="([^"]*)"/.exec(head)?.[1];
    if (name === undefined) continue;
    const filename = /filename="([^"]*)"/.exec(head)?.[1];
    const value = chunk.slice(split + 4).replace(/\r\n$/, '');
    parts.set(name, filename === undefined ? { value } : { value, filename });
  }
  return parts;
}

function report(task: FakeTask, sample: FakeSample, padding: number) {
  return {
    info: {
      id: task.id,
      category: task.category,
      package: task.options['package'] ?? 'exe',
      custom: task.custom,
    },
    target:
      task.category === 'file'
        ? {
            category: 'file',
            file: { name: sample.name, sha256: task.sha256, size: 1024, type: 'PE32 executable' },
          }
        : { category: 'url', url: task.target },
    malscore: sample.malscore,
    detections: (sample.families ?? []).map((family) => ({ family, details: [{ Yara: family }] })),
    signatures: (sample.signatures ?? []).map((s) => ({
      ...s,
      confidence: s.confidence ?? 100,
      weight: 1,
      alert: false,
      families: sample.families ?? [],
      data: [],
      new_data: [],
    })),
    network: {
      hosts: [...(sample.hosts ?? []), '192.168.122.1'].map((ip) => ({
        ip,
        country_name: 'unknown',
        hostname: '',
        inaddrarpa: '',
        ports: [],
      })),
      domains: sample.domains ?? [],
      http: (sample.urls ?? []).map((uri) => ({ uri, host: new URL(uri).host, method: 'GET', port: 80 })),
      dns: [],
    },
    behavior: { processes: [], summary: { files: [] } },
    ...(padding > 0 ? { debug: { log: 'x'.repeat(padding) } } : {}),
  };
}

export async function startFakeCape(options: FakeCapeOptions = {}): Promise<FakeCape> {
  const tasks: FakeTask[] = [];
  const reads = new Map<number, number>();
  const samples = new Map(Object.entries(options.samples ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  let used = 0;
  let nextId = 100;

  const addTask = (task: Omit<FakeTask, 'id'>): FakeTask => {
    const created = { ...task, id: nextId++ };
    tasks.push(created);
    return created;
  };
  for (const [sha256, sample] of samples)
    if (sample.analysed)
      addTask({ category: 'file', target: sample.name, sha256, status: 'reported', custom: '', options: {} });

  const sampleOf = (task: FakeTask): FakeSample =>
    task.category === 'url'
      ? (options.urls?.[task.target] ?? BENIGN)
      : (samples.get(task.sha256 ?? '') ?? BENIGN);

  /** DRF: token check, then the throttle, before any view runs. */
  const api =
    (handler: (request: FakeRequest) => FakeReply) =>
    (request: FakeRequest): FakeReply => {
      if (options.token !== undefined) {
        const header = request.headers['authorization'];
        if (!header)
          return {
            status: 401,
            json: { detail: 'Authentication credentials were not provided.' },
            headers: { 'www-authenticate': 'Token' },
          };
        if (header !== `Token ${options.token}`)
          return {
            status: 401,
            json: { detail: 'Invalid token.' },
            headers: { 'www-authenticate': 'Token' },
          };
      }
      if (used >= (options.requestLimit ?? Infinity)) {
        const wait = options.retryAfterSeconds ?? 12;
        return {
          status: 429,
          json: { detail: `Request was throttled. Expected available in ${wait} seconds.` },
          headers: { 'retry-after': String(wait) },
        };
      }
      used++;
      return handler(request);
    };

  const task = (request: FakeRequest) => tasks.find((t) => t.id === Number(request.params['id']));

  const createFile = (request: FakeRequest): FakeReply => {
    const parts = multipart(request);
    const file = parts.get('file');
    if (!file || file.filename === undefined) return envelope('No file was submitted');
    const sha256 = createHash('sha256').update(file.value, 'utf8').digest('hex');
    const fields = Object.fromEntries([...parts].filter(([k]) => k !== 'file').map(([k, v]) => [k, v.value]));
    const { custom = '', ...rest } = fields;
    const created = addTask({
      category: 'file',
      target: file.filename,
      sha256,
      status: 'pending',
      custom,
      options: rest,
    });
    return {
      json: {
        error: [],
        data: { task_ids: [created.id], message: `Task ID ${created.id} has been submitted` },
        errors: [],
        url: [`http://example.tld/submit/status/${created.id}/`],
      },
    };
  };

  const createUrl = (request: FakeRequest): FakeReply => {
    const form = String(request.headers['content-type']).startsWith('multipart/')
      ? new Map([...multipart(request)].map(([k, v]) => [k, v.value]))
      : new Map(new URLSearchParams(request.body));
    const url = form.get('url');
    if (!url) return envelope('URL value is empty');
    const { custom = '', ...rest } = Object.fromEntries([...form].filter(([k]) => k !== 'url'));
    const created = addTask({
      category: 'url',
      target: url,
      sha256: null,
      status: 'pending',
      custom,
      options: rest,
    });
    return {
      json: {
        error: [],
        data: { task_ids: [created.id], message: `Task ID ${created.id} has been submitted` },
        url: [`http://example.tld/submit/status/${created.id}`],
      },
    };
  };

  const search = (request: FakeRequest): FakeReply => {
    const sha256 = request.params['sha256']!.toLowerCase();
    const found = tasks.filter((t) => t.sha256 === sha256);
    if (found.length === 0) return { json: { data: [], error: false } };
    return {
      json: {
        error: [],
        data: found.map((t) => ({
          id: t.id,
          category: t.category,
          target: t.target,
          status: t.status,
          sample: { sha256: t.sha256 },
          added_on: '2025-01-01 10:00:00',
        })),
      },
    };
  };

  const reschedule = (request: FakeRequest): FakeReply => {
    if (!options.reschedule) return envelope('Task Reschedule API is Disabled');
    const old = task(request);
    if (!old) return envelope(`An error occurred while trying to reschedule Task ID ${request.params['id']}`);
    const created = addTask({ ...old, status: 'pending', custom: old.custom });
    return {
      json: {
        error: [],
        data: { new_task_id: created.id, message: `Task ID ${old.id} has been rescheduled` },
      },
    };
  };

  /** Each read moves the task along (after `readsPerState` reads in a state). */
  const status = (request: FakeRequest): FakeReply => {
    const found = task(request);
    if (!found) return envelope('Task does not exist');
    const count = (reads.get(found.id) ?? 0) + 1;
    reads.set(found.id, count);
    const answer = found.status;
    if (count % (options.readsPerState ?? 1) === 0 && PROGRESS.includes(found.status)) {
      const fails = sampleOf(found).fails;
      const next = PROGRESS[PROGRESS.indexOf(found.status) + 1];
      if (fails && found.status === 'running') found.status = fails;
      else if (next) found.status = next;
    }
    return { json: { error: false, data: answer } };
  };

  const getReport = (request: FakeRequest): FakeReply => {
    const found = task(request);
    if (!found) return envelope('Task does not exist');
    if (found.status.startsWith('failed')) return envelope('Task failed');
    if (found.status !== 'reported') return envelope('Task is still being analyzed');
    const format = request.params['format'] ?? 'json';
    if (!['json', 'litereport'].includes(format)) return envelope(`Report format not found: ${format}`, 400);
    if (options.htmlReports?.includes(found.id))
      return {
        status: 200,
        text: '<html><body>Server Error (500)</body></html>',
        headers: { 'content-type': 'text/html' },
      };
    return { json: report(found, sampleOf(found), format === 'json' ? (options.reportPadding ?? 0) : 0) };
  };

  const list = (): FakeReply => ({
    json: {
      data: [...tasks]
        .reverse()
        .slice(0, 1)
        .map((t) => ({ id: t.id, status: t.status })),
      config: 'Limit: 1, Offset: None',
      buf: Math.min(tasks.length, 1),
    },
  });

  const server = await startFakeServer([
    ['POST', '/apiv2/tasks/create/file/', api(createFile)],
    ['POST', '/apiv2/tasks/create/url/', api(createUrl)],
    ['GET', '/apiv2/tasks/search/sha256/:sha256/', api(search)],
    ['GET', '/apiv2/tasks/reschedule/:id/', api(reschedule)],
    ['GET', '/apiv2/tasks/status/:id/', api(status)],
    ['GET', '/apiv2/tasks/get/report/:id/', api(getReport)],
    ['GET', '/apiv2/tasks/get/report/:id/:format/', api(getReport)],
    ['GET', '/apiv2/tasks/list/:limit/', api(list)],
  ]);
  return Object.assign(server, {
    tasks,
    finish: (id: number) => {
      const found = tasks.find((t) => t.id === id);
      if (found) found.status = 'reported';
    },
  });
}

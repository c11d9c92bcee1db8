/** The console's only way to the server: JSON over fetch with the session cookie, problems as errors. */

export interface Problem {
  type?: string;
  title?: string;
  status: number;
  code: string;
  detail: string;
  path?: string;
  errors?: unknown[];
  [key: string]: unknown;
}

export class ApiError extends Error {
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(problem.detail || problem.title || problem.code);
    this.problem = problem;
  }
  get status(): number {
    return this.problem.status;
  }
}

/** Called when any request answers 401, so the console can show the login page. */
let onUnauthenticated: () => void = () => {};
export function setUnauthenticatedHandler(handler: () => void): void {
  onUnauthenticated = handler;
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export async function request<T>(method: string, path: string, body?: unknown, query?: Query): Promise<T> {
  return send<T>(
    method,
    path,
    body === undefined ? undefined : { type: 'application/json', payload: JSON.stringify(body) },
    query,
  );
}

/** A request with a body of a given type (JSON, or a file's bytes), answered with JSON or a problem. */
async function send<T>(
  method: string,
  path: string,
  body: { type: string; payload: string | Blob } | undefined,
  query?: Query,
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = body.type;
  const response = await fetch(withQuery(path, query), {
    method,
    headers,
    body: body?.payload,
    credentials: 'same-origin',
  });
  const text = await response.text();
  const data: unknown = text ? parseJson(text) : undefined;
  if (!response.ok) {
    const problem: Problem =
      data && typeof data === 'object' && 'code' in data
        ? (data as Problem)
        : {
            status: response.status,
            code: 'http_error',
            detail: `${response.status} ${response.statusText}`,
          };
    if (response.status === 401 && !path.endsWith('/session')) onUnauthenticated();
    throw new ApiError({ ...problem, status: response.status });
  }
  return data as T;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export const api = {
  get: <T>(path: string, query?: Query) => request<T>('GET', path, undefined, query),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {}),
  put: <T>(path: string, body?: unknown) => request<T>('PUT', path, body ?? {}),
  patch: <T>(path: string, body?: unknown) => request<T>('PATCH', path, body ?? {}),
  delete: <T>(path: string) => request<T>('DELETE', path),
  /** POSTs a file as the raw body, its type as the content type. */
  upload: <T>(path: string, file: Blob, query?: Query) =>
    send<T>('POST', path, { type: file.type || 'application/octet-stream', payload: file }, query),
};

/** A list page as every list route answers it. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

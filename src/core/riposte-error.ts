import { ERROR_CATALOGUE, type ErrorCode, type Fault } from './error-catalogue.ts';

export interface RiposteErrorOptions {
  /** Where in the input the problem is, as a JSON pointer-like path (`/0/alert/severity`). */
  path?: string;
  /** Extra machine-readable members for the problem document. */
  extra?: Record<string, unknown>;
  cause?: unknown;
}

/** The one error type Riposte throws on purpose; anything else reaching the edge is a bug (`internal`). */
export class RiposteError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly fault: Fault;
  readonly path: string | undefined;
  readonly extra: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, detail: string, options: RiposteErrorOptions = {}) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    const kind = ERROR_CATALOGUE[code];
    this.name = 'RiposteError';
    this.code = code;
    this.status = kind.status;
    this.fault = kind.fault;
    this.path = options.path;
    this.extra = options.extra;
  }

  get title(): string {
    return ERROR_CATALOGUE[this.code].title;
  }

  /** RFC 9457 problem document. */
  toProblem(instance?: string): Record<string, unknown> {
    return {
      type: `https://riposte.dev/problems/${this.code}`,
      title: this.title,
      status: this.status,
      code: this.code,
      detail: this.message,
      ...(this.path === undefined ? {} : { path: this.path }),
      ...(instance === undefined ? {} : { instance }),
      ...this.extra,
    };
  }
}

export function isRiposteError(error: unknown): error is RiposteError {
  return error instanceof RiposteError;
}

/** Shorthand for the most common user error: a bad value at a path in the input. */
export function invalidField(path: string, detail: string): RiposteError {
  return new RiposteError('validation_failed', detail, { path });
}

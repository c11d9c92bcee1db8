import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RiposteError } from '../core/riposte-error.ts';
import { storageTrouble, storageUnavailable, type StorageTrouble } from '../store/storage-errors.ts';

/** Fastify's own errors, translated into the catalogue so clients see one error vocabulary. */
function fromFastify(error: FastifyError): RiposteError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new RiposteError(
        'payload_too_large',
        `the body is larger than the limit of ${error.message.match(/\d+/)?.[0] ?? 'the configured'} bytes`,
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new RiposteError('unsupported_media_type', 'this route takes application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new RiposteError('invalid_json', 'the body is empty; send a JSON document');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new RiposteError('bad_request', 'Content-Length does not match the body');
    case 'FST_ERR_VALIDATION': {
      const first = error.validation?.[0];
      const where = error.validationContext ?? 'body';
      const field =
        first && 'missingProperty' in first.params
          ? `${first.instancePath}/${String(first.params.missingProperty)}`
          : (first?.instancePath ?? '');
      return new RiposteError(
        'validation_failed',
        `${where}${field || ''} ${first?.message ?? 'is not valid'}`,
        {
          path: `${where === 'body' ? '' : where}${field || '/'}`,
        },
      );
    }
  }
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return new RiposteError('invalid_json', `the body is not valid JSON: ${error.message}`);
  }
  if (error.statusCode === 400) return new RiposteError('bad_request', error.message);
  return undefined;
}

/**
 * A unique key written twice: two requests created the same thing at the same moment, both found the
 * name free, and the database's key stopped the second. That is the same conflict the services report
 * when they see the name taken, so it answers the same (409), naming the key.
 */
function fromDatabase(error: unknown): RiposteError | undefined {
  const e = error as { code?: unknown; table?: unknown; detail?: unknown; message?: unknown };
  // PostgreSQL's unique_violation, with the table and "Key (name)=(value) already exists."
  if (e.code === '23505') {
    const what = typeof e.detail === 'string' ? e.detail.replace(/\.$/, '') : 'the key already exists';
    return new RiposteError(
      'conflict',
      `${typeof e.table === 'string' ? `${e.table}: ` : ''}${what} (written by another request at the same moment)`,
    );
  }
  // better-sqlite3: "UNIQUE constraint failed: sources.name".
  if (e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    const key = /constraint failed: (.+)$/.exec(String(e.message))?.[1] ?? 'the key';
    return new RiposteError(
      'conflict',
      `${key} already exists (written by another request at the same moment)`,
    );
  }
  return undefined;
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, error: RiposteError): FastifyReply {
  const retryAfter = error.extra?.retryAfterSeconds;
  if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
  return reply
    .code(error.status)
    .type('application/problem+json')
    .send(error.toProblem(request.url.split('?')[0]));
}

/** `onStorageTrouble` is told each request answered 503 `storage_unavailable` (the metric counts them). */
export function registerProblemHandlers(
  app: FastifyInstance,
  onStorageTrouble: (trouble: StorageTrouble) => void = () => undefined,
): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const known = error instanceof RiposteError ? error : fromFastify(error);
    if (known) {
      if (known.fault === 'internal') request.log.error({ err: error }, known.message);
      return sendProblem(reply, request, known);
    }
    const trouble = storageTrouble(error);
    if (trouble) {
      request.log.error({ err: error }, `the database ${trouble.what}`);
      onStorageTrouble(trouble);
      return sendProblem(reply, request, storageUnavailable(trouble, error));
    }
    const raced = fromDatabase(error);
    if (raced) {
      request.log.warn({ err: error }, raced.message);
      return sendProblem(reply, request, raced);
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(
      reply,
      request,
      new RiposteError(
        'internal',
        'something went wrong on our side; the error is logged with the request id',
      ),
    );
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      request,
      new RiposteError('route_not_found', `no route ${request.method} ${request.url.split('?')[0]}`),
    ),
  );
}

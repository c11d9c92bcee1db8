import { parentPort } from 'node:worker_threads';
import { RiposteError } from '../core/riposte-error.ts';
import type { PrepareReply, PrepareRequest } from './prepare-pool.ts';
import { prepareBody } from './prepare-body.ts';

/**
 * An ingest thread (src/ingest/prepare-pool.ts): prepares each body it is sent and answers with the
 * prepared alerts, flat strings (the parsed events and drafts stay here: cloning their objects back
 * would cost the main thread more than serializing them costs this one).
 */
const port = parentPort!;

port.on('message', (request: PrepareRequest) => {
  let reply: PrepareReply;
  try {
    const prepared = prepareBody(request.source, request.body, request.contentType, request.receivedAt);
    reply = { id: request.id, ok: true, prepared };
  } catch (error) {
    reply =
      error instanceof RiposteError
        ? {
            id: request.id,
            ok: false,
            error: {
              code: error.code,
              message: error.message,
              ...(error.path === undefined ? {} : { path: error.path }),
              ...(error.extra === undefined ? {} : { extra: error.extra }),
            },
          }
        : { id: request.id, ok: false, error: { message: String((error as Error)?.message ?? error) } };
  }
  port.postMessage(reply);
});

port.postMessage({ ready: true } satisfies PrepareReply);

import { parentPort } from 'node:worker_threads';
import { RiposteError } from '../core/riposte-error.ts';
import type { PrepareReply, PrepareRequest, TriggerUpdate } from './prepare-pool.ts';
import { prepareBody } from './prepare-body.ts';
import { compileTriggerSet, type CompiledTriggerSet } from './trigger-answers.ts';

/**
 * An ingest thread (src/ingest/prepare-pool.ts): prepares each body it is sent and answers with the
 * prepared alerts, flat strings (the parsed events and drafts stay here: cloning their objects back
 * would cost the main thread more than serializing them costs this one), and with the answers of the
 * alert triggers it was given (src/ingest/trigger-answers.ts).
 */
const port = parentPort!;
let triggers: CompiledTriggerSet | undefined;

port.on('message', (message: PrepareRequest | TriggerUpdate) => {
  if ('triggerSet' in message) {
    triggers = compileTriggerSet(message.triggerSet);
    return;
  }
  const request = message;
  let reply: PrepareReply;
  try {
    const prepared = prepareBody(
      request.source,
      request.body,
      request.contentType,
      request.receivedAt,
      request.triggers !== undefined && triggers?.generation === request.triggers ? triggers : undefined,
    );
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

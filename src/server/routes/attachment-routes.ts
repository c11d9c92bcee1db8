import type { FastifyInstance } from 'fastify';
import type { Riposte } from '../../riposte.ts';
import { actorOf } from '../auth-hooks.ts';
import { ANALYST, ANY_ROLE } from '../route-auth.ts';

const params = {
  type: 'object',
  properties: { id: { type: 'string' }, attachmentId: { type: 'string' } },
  required: ['id'],
} as const;

/**
 * `Content-Disposition` for a name someone chose: an ASCII fallback with anything else replaced, and
 * the name itself percent-encoded (RFC 6266 / 8187), so no header can be broken out of.
 */
export function dispositionOf(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

/** Files attached to a case: upload (the raw body), list, download, remove. */
export function attachmentRoutes(app: FastifyInstance, riposte: Riposte): void {
  app.register(async (scope) => {
    // The body is the file, whatever its type, up to the attachment limit (not the API's body limit).
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: riposte.attachments.maxBytes },
      (_request, body, done) => done(null, body),
    );
    scope.post<{ Params: { id: string }; Querystring: { name?: string }; Body: Buffer | undefined }>(
      '/api/v1/cases/:id/attachments',
      {
        config: { auth: ANALYST },
        bodyLimit: riposte.attachments.maxBytes,
        schema: {
          summary: 'Attach a file to a case: the body is the file, its name in `name`',
          description:
            'Any content type (kept as declared, served back as application/octet-stream). At most RIPOSTE_ATTACHMENT_MAX_MB (default 25 MB): larger is 413 payload_too_large. The answer names its SHA-256; the upload is audited (`case.attach`).',
          tags: ['cases'],
          params,
          querystring: {
            type: 'object',
            properties: { name: { type: 'string', description: 'the file name, without a path' } },
          },
        },
      },
      async (request, reply) =>
        reply.code(201).send(
          await riposte.attachments.add(
            request.params.id,
            {
              name: request.query.name,
              contentType: request.headers['content-type'],
              content: request.body,
            },
            actorOf(request),
          ),
        ),
    );
  });

  app.get<{ Params: { id: string } }>(
    '/api/v1/cases/:id/attachments',
    {
      config: { auth: ANY_ROLE },
      schema: {
        summary: "A case's attachments, newest first (without their bytes)",
        tags: ['cases'],
        params,
      },
    },
    async (request) => ({ items: await riposte.attachments.list(request.params.id) }),
  );

  app.get<{ Params: { id: string; attachmentId: string } }>(
    '/api/v1/cases/:id/attachments/:attachmentId',
    {
      config: { auth: ANY_ROLE },
      schema: {
        summary: 'Download an attachment (audited as `attachment.download`)',
        description:
          'Always `application/octet-stream` with `Content-Disposition: attachment`, so a browser saves it rather than opens it; `X-Content-SHA256` is its hash as stored at upload.',
        tags: ['cases'],
        params,
      },
    },
    async (request, reply) => {
      const file = await riposte.attachments.read(
        request.params.id,
        request.params.attachmentId,
        actorOf(request),
      );
      return reply
        .header('content-type', 'application/octet-stream')
        .header('content-disposition', dispositionOf(file.name))
        .header('x-content-type-options', 'nosniff')
        .header('x-content-sha256', file.sha256)
        .header('cache-control', 'private, no-store')
        .send(file.content);
    },
  );

  app.delete<{ Params: { id: string; attachmentId: string } }>(
    '/api/v1/cases/:id/attachments/:attachmentId',
    {
      config: { auth: ANALYST },
      schema: {
        summary: 'Remove an attachment from a case (audited as `case.detach`)',
        tags: ['cases'],
        params,
      },
    },
    async (request, reply) => {
      await riposte.attachments.remove(request.params.id, request.params.attachmentId, actorOf(request));
      return reply.code(204).send();
    },
  );
}

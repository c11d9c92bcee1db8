import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Where `vite build` writes the console (see web/vite.config.ts); built by `npm install`. */
export const CONSOLE_DIST = join(import.meta.dirname, '..', '..', '..', 'web', 'dist');
export const CONSOLE_BASE = '/ui/';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

// The console loads only its own scripts; CodeMirror writes style elements, hence 'unsafe-inline' for styles.
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Riposte</title>
<body style="font-family:system-ui;max-width:40rem;margin:4rem auto">
<h1>The console is not built</h1>
<p><code>npm install</code> builds it (into <code>web/dist</code>); after changing it, run <code>npm run build:web</code>.
The API is at <a href="/docs">/docs</a>.</p></body>`;

/**
 * The web console: static files from web/dist under /ui/, and index.html for every other path under
 * /ui/ (the console routes in the browser). Hashed assets are cached for good; index.html never.
 */
export function consoleRoutes(app: FastifyInstance, dist = CONSOLE_DIST): void {
  app.get(
    '/',
    { config: { auth: 'public' }, schema: { summary: 'Redirects to the web console', tags: ['system'] } },
    async (_request, reply) => reply.redirect(CONSOLE_BASE),
  );
  app.get<{ Params: { '*': string } }>(
    '/ui/*',
    {
      config: { auth: 'public' },
      schema: {
        summary: 'The web console (it logs in with the session cookie)',
        tags: ['system'],
      },
    },
    async (request, reply) => {
      const wanted = request.params['*'] ?? '';
      const file = await staticFile(dist, wanted);
      if (file) return send(reply, file.path, file.body, wanted.startsWith('assets/'));
      if (extname(wanted) !== '' && wanted.startsWith('assets/')) {
        return reply.code(404).type('text/plain; charset=utf-8').send('not found');
      }
      const index = await staticFile(dist, 'index.html');
      if (!index) return reply.code(503).type('text/html; charset=utf-8').send(NOT_BUILT);
      return send(reply, index.path, index.body, false);
    },
  );
}

async function staticFile(dist: string, wanted: string): Promise<{ path: string; body: Buffer } | null> {
  const path = normalize(join(dist, wanted));
  if (path !== dist && !path.startsWith(dist + sep)) return null;
  try {
    if (!(await stat(path)).isFile()) return null;
    return { path, body: await readFile(path) };
  } catch {
    return null;
  }
}

function send(reply: FastifyReply, path: string, body: Buffer, immutable: boolean): FastifyReply {
  return reply
    .header('content-type', CONTENT_TYPES[extname(path)] ?? 'application/octet-stream')
    .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
    .header('content-security-policy', CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'same-origin')
    .send(body);
}

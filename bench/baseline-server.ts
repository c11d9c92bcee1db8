import { createServer, type Server } from 'node:http';

/**
 * The floor any ingest path is compared to: a bare node:http server that reads the body, parses the
 * JSON and answers 202 with a body shaped like Riposte's — HTTP and JSON, no product work.
 */
export function startBaselineServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const accepted = Array.isArray(parsed) ? parsed.length : 1;
      const body = JSON.stringify({ accepted, duplicates: 0, rejected: [], alertIds: [] });
      response
        .writeHead(202, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
        .end(body);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolve({
        url: `http://127.0.0.1:${port}/`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    }),
  );
}

import { createServer, type Server } from 'node:http';

/** A notification webhook on a loopback port: every JSON body POSTed to it, in order of arrival. */
export interface WebhookSink {
  url: string;
  bodies: Record<string, unknown>[];
  server: Server;
}

export async function startWebhookSink(): Promise<WebhookSink> {
  const bodies: Record<string, unknown>[] = [];
  const server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    request.on('end', () => {
      bodies.push(JSON.parse(text) as Record<string, unknown>);
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}/hook`, bodies, server };
}

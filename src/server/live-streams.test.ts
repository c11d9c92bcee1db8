import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { openSse } from '../../test/support/sse-reader.ts';
import { LiveFeed } from '../live/live-feed.ts';
import { LiveStreams } from './live-streams.ts';

describe('LiveStreams', () => {
  const feed = new LiveFeed();
  const streams = new LiveStreams(feed, { heartbeatMs: 10 });
  let allowed = true;
  let server: Server;
  let url: string;

  before(async () => {
    server = createServer((_request, response) =>
      streams.open(response, { stillAllowed: async () => allowed }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
  });
  after(async () => {
    streams.closeAll();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends each event with its type and body, and a heartbeat comment while open', async () => {
    const live = await openSse(url, {});
    assert.equal(feed.listening, true, 'the first stream subscribes to the feed');
    feed.publish({
      type: 'task.changed',
      id: 'task_1',
      kind: 'approval',
      status: 'open',
      runId: 'run_1',
      caseId: null,
    });
    const event = await live.next((e) => e.event === 'task.changed', 'task.changed');
    assert.deepEqual(event.data, {
      id: 'task_1',
      kind: 'approval',
      status: 'open',
      runId: 'run_1',
      caseId: null,
    });
    while (!live.comments.includes('heartbeat')) await new Promise((resolve) => setTimeout(resolve, 10));
    live.close();
    while (feed.listening) await new Promise((resolve) => setTimeout(resolve, 10));
  });

  it('ends a stream whose credentials no longer hold at the next heartbeat', async () => {
    const live = await openSse(url, {});
    allowed = false;
    await live.ended;
    allowed = true;
    assert.equal(streams.size, 0);
  });
});

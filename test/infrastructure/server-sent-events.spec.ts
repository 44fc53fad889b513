import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import pino from 'pino';
import { type MessageSource, ServerSentEvents } from '../../src/infrastructure/http/server-sent-events.js';
import { openSse } from '../support/sse-client.js';

/** A source the spec feeds by hand, that says when it was closed. */
const handFed = () => {
  const queue: number[] = [];
  let wake: (() => void) | undefined;
  let closed = false;
  const source: MessageSource<number> & { push(item: number): void; closed: boolean } = {
    push(item) {
      queue.push(item);
      wake?.();
    },
    get closed() {
      return closed;
    },
    async close() {
      closed = true;
      wake?.();
    },
    async *[Symbol.asyncIterator]() {
      while (!closed) {
        if (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
        while (queue.length > 0 && !closed) yield queue.shift()!;
      }
    },
  };
  return source;
};

const eventually = async (check: () => boolean, what: string) => {
  const deadline = Date.now() + 2_000;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`not within 2 s: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe('server-sent events', () => {
  let server: Server;
  let url: string;
  let live: ServerSentEvents;
  let sources: ReturnType<typeof handFed>[];

  beforeEach(async () => {
    live = new ServerSentEvents(pino({ level: 'silent' }), 50);
    sources = [];
    const app = express();
    app.get('/feed', async (req, res) => {
      const source = handFed();
      sources.push(source);
      await live.stream(req, res, source, (item) => ({ id: String(item), data: { item } }));
    });
    server = app.listen(0);
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/feed`;
  });
  afterEach(async () => {
    live.closeAll();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends each item as a message (id, data as JSON), uncached, and a heartbeat comment while nothing happens', async () => {
    const stream = await openSse(url, {});
    assert.equal(stream.status, 200);
    assert.match(stream.headers.get('Content-Type') ?? '', /^text\/event-stream/);
    assert.equal(stream.headers.get('Cache-Control'), 'no-store');
    sources[0]!.push(7);
    assert.deepEqual(await stream.next(), { id: '7', data: '{"item":7}' });
    await eventually(() => stream.comments.includes('heartbeat'), 'a heartbeat');
    stream.close();
  });

  it('closes the source when the client goes away', async () => {
    const stream = await openSse(url, {});
    await eventually(() => sources.length === 1, 'the request');
    stream.close();
    await eventually(() => sources[0]!.closed, 'the source closed');
  });

  it('ends every open stream, and closes its source, on closeAll()', async () => {
    const first = await openSse(url, {});
    const second = await openSse(url, {});
    await eventually(() => sources.length === 2, 'both requests');
    live.closeAll();
    await first.ended;
    await second.ended;
    assert.ok(sources.every((source) => source.closed));
  });
});

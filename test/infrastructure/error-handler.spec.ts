import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import express from 'express';
import { pino } from 'pino';
import { errorHandler } from '../../src/infrastructure/http/middleware/error-handler.js';

/** What ioredis throws for a command while Redis is away. */
const redisAway = () => Object.assign(new Error('Reached the max retries per request limit (which is 2).'), { name: 'MaxRetriesPerRequestError' });

describe('errorHandler: what a failed request answers, and what the log says of it', () => {
  let server: Server;
  let base: string;
  const lines: Array<Record<string, unknown>> = [];

  before(async () => {
    const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => done(void lines.push(JSON.parse(chunk.toString()))) });
    const app = express();
    app.get('/redis-away', () => {
      throw redisAway();
    });
    app.get('/a-bug', () => {
      throw new TypeError('cannot read properties of undefined');
    });
    app.use(errorHandler(pino(sink)));
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => void lines.splice(0));

  /** Asks `path`, checks its status and that its body tells nothing of `hidden`; answers the one line it logged. */
  const theLogLineOf = async (path: string, status: number, hidden: RegExp): Promise<Record<string, unknown>> => {
    const response = await fetch(`${base}${path}`);
    assert.equal(response.status, status);
    assert.doesNotMatch(await response.text(), hidden);
    assert.equal(lines.length, 1);
    return lines[0]!;
  };

  it('given Redis away, when a request needs it, then it answers 503 and the log has one warning without a stack', async () => {
    const line = await theLogLineOf('/redis-away', 503, /at |MaxRetries/);
    assert.equal(line.level, 40);
    assert.equal(line.url, '/redis-away');
    assert.match(String(line.cause), /max retries/);
    assert.equal(line.err, undefined);
  });

  it('given a bug, when it throws, then it answers 500 without a stack and the log has an error with the stack', async () => {
    const line = await theLogLineOf('/a-bug', 500, /at |TypeError/);
    assert.equal(line.level, 50);
    assert.match(String((line.err as { stack?: string }).stack), /TypeError: cannot read properties of undefined/);
  });
});

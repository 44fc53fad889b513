import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { everyAnswerCarries, writeAnswerHead } from '../../src/infrastructure/http/answer-head.js';

describe('everyAnswerCarries and writeAnswerHead: the headers every answer of an application carries', () => {
  let server: Server;
  let base: string;

  before(async () => {
    const app = express();
    everyAnswerCarries(app, (req) => ['X-Frame-Options', 'DENY', 'X-Asked', req.path]);
    app.get('/in-one-list', (_req, res) => {
      writeAnswerHead(res, 201, ['ETag', '"3"', 'Content-Type', 'text/plain']);
      res.end('listed');
    });
    app.get('/after-a-header', (_req, res) => {
      res.setHeader('Idempotent-Replayed', 'true');
      writeAnswerHead(res, 200, ['ETag', '"4"']);
      res.end('set before');
    });
    app.get('/its-own', (_req, res) => {
      res.setHeader('X-Frame-Options', 'SAMEORIGIN');
      res.json({ own: true });
    });
    app.get('/by-express', (_req, res) => void res.status(418).json({ teapot: true }));
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const get = async (path: string) => {
    const response = await fetch(`${base}${path}`);
    return { response, body: await response.text() };
  };

  it('given nothing set before, when the head is written in one list, then it has its own headers and the carried ones', async () => {
    const { response, body } = await get('/in-one-list');
    assert.equal(response.status, 201);
    assert.equal(body, 'listed');
    assert.equal(response.headers.get('ETag'), '"3"');
    assert.equal(response.headers.get('X-Frame-Options'), 'DENY');
    assert.equal(response.headers.get('X-Asked'), '/in-one-list');
  });

  it('given a header set before, when the head is written, then it has that header too', async () => {
    const { response } = await get('/after-a-header');
    assert.equal(response.headers.get('Idempotent-Replayed'), 'true');
    assert.equal(response.headers.get('ETag'), '"4"');
    assert.equal(response.headers.get('X-Asked'), '/after-a-header');
  });

  it('given a route that sets one of them itself, when it answers, then its own value stays', async () => {
    const { response } = await get('/its-own');
    assert.equal(response.headers.get('X-Frame-Options'), 'SAMEORIGIN');
    assert.equal(response.headers.get('X-Asked'), '/its-own');
  });

  it("given an answer Express writes (json, a 404), when it goes out, then it carries them", async () => {
    for (const [path, status] of [['/by-express', 418], ['/nowhere', 404]] as const) {
      const { response } = await get(path);
      assert.equal(response.status, status, path);
      assert.equal(response.headers.get('X-Frame-Options'), 'DENY', path);
      assert.equal(response.headers.get('X-Asked'), path, path);
    }
  });
});

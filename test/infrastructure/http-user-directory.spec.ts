import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpUserDirectory, type HttpUserDirectoryOptions } from '../../src/infrastructure/http-client/http-user-directory.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A stand-in users API that counts the calls it gets and answers as the test says. */
const usersApi = async () => {
  let handler: Handler = (_req, res) => res.writeHead(500).end();
  const calls: { url: string; authorization: string | undefined }[] = [];
  const server: Server = createServer((req, res) => {
    calls.push({ url: req.url ?? '', authorization: req.headers.authorization });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    answer: (next: Handler) => (handler = next),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

const json = (status: number, body: unknown): Handler => (_req, res) => res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
const ada = { id: 'u-1', email: 'ada@example.com', name: 'Ada', roles: ['customer'], createdAt: '2026-01-01T00:00:00.000Z' };

describe('HttpUserDirectory', () => {
  let api: Awaited<ReturnType<typeof usersApi>>;
  const directory = (options: Partial<HttpUserDirectoryOptions> = {}) =>
    new HttpUserDirectory({ baseUrl: () => api.url, token: async () => 'service-token', timeoutMs: 200, ...options });

  beforeEach(async () => (api = await usersApi()));
  afterEach(() => api.close());

  it('asks GET /api/v1/users/:id with the service token and answers { id, name }', async () => {
    api.answer(json(200, ada));
    assert.deepEqual(await directory().find('u-1'), { id: 'u-1', name: 'Ada' });
    assert.deepEqual(api.calls, [{ url: '/api/v1/users/u-1', authorization: 'Bearer service-token' }]);
  });

  it('caches what it found, for the TTL only', async () => {
    api.answer(json(200, ada));
    const users = directory({ cacheTtlMs: 100 });
    await users.find('u-1');
    await users.find('u-1');
    assert.equal(api.calls.length, 1);
    await new Promise((resolve) => setTimeout(resolve, 150));
    await users.find('u-1');
    assert.equal(api.calls.length, 2);
  });

  it('shares one call between concurrent lookups of the same user', async () => {
    api.answer((req, res) => setTimeout(() => json(200, ada)(req, res), 30));
    const users = directory();
    const found = await Promise.all([users.find('u-1'), users.find('u-1'), users.find('u-1')]);
    assert.deepEqual(found, [{ id: 'u-1', name: 'Ada' }, { id: 'u-1', name: 'Ada' }, { id: 'u-1', name: 'Ada' }]);
    assert.equal(api.calls.length, 1);
  });

  it('answers null for an unknown user, without retrying or caching that', async () => {
    api.answer(json(404, { status: 404 }));
    const users = directory();
    assert.equal(await users.find('u-2'), null);
    assert.equal(api.calls.length, 1);
    api.answer(json(200, { ...ada, id: 'u-2' }));
    assert.deepEqual(await users.find('u-2'), { id: 'u-2', name: 'Ada' });
  });

  it('retries a failing call twice, with backoff, and succeeds when the API recovers', async () => {
    let failures = 2;
    api.answer((req, res) => (failures-- > 0 ? res.writeHead(503).end() : json(200, ada)(req, res)));
    assert.deepEqual(await directory().find('u-1'), { id: 'u-1', name: 'Ada' });
    assert.equal(api.calls.length, 3);
  });

  it('answers null, never throws, when the API keeps failing, times out, answers nonsense or is unknown', async () => {
    api.answer((_req, res) => res.writeHead(500).end());
    assert.equal(await directory().find('u-1'), null);
    assert.equal(api.calls.length, 3);

    api.answer(() => undefined); // never answers
    const started = Date.now();
    assert.equal(await directory({ timeoutMs: 100 }).find('u-1'), null);
    assert.ok(Date.now() - started < 2_000);

    api.answer(json(200, { unexpected: true }));
    assert.equal(await directory().find('u-1'), null);

    assert.equal(await directory({ baseUrl: () => undefined }).find('u-1'), null);
    assert.equal(await directory({ baseUrl: () => 'http://127.0.0.1:1' }).find('u-1'), null);
  });

  it('does not retry a refusal that a retry cannot change (401)', async () => {
    api.answer(json(401, { status: 401 }));
    assert.equal(await directory().find('u-1'), null);
    assert.equal(api.calls.length, 1);
  });

  it('opens the circuit after consecutive failures: no more calls until it half-opens', async () => {
    api.answer((_req, res) => res.writeHead(500).end());
    const users = directory({ retries: 0, breakAfter: 3, halfOpenAfterMs: 200 });
    for (const id of ['a', 'b', 'c']) assert.equal(await users.find(id), null);
    assert.equal(api.calls.length, 3);
    assert.equal(await users.find('d'), null);
    assert.equal(api.calls.length, 3, 'the open circuit answered without calling');
    await new Promise((resolve) => setTimeout(resolve, 250));
    api.answer(json(200, ada));
    assert.deepEqual(await users.find('u-1'), { id: 'u-1', name: 'Ada' });
  });
});

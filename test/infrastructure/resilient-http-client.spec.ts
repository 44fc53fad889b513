import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  RemoteUnavailableError,
  ResilientHttpClient,
  type ResilientHttpClientOptions,
} from '../../src/infrastructure/http-client/resilient-http-client.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A stand-in remote that counts the calls it gets and answers as the test says. */
const remote = async () => {
  let handler: Handler = (_req, res) => res.writeHead(500).end();
  let calls = 0;
  const server: Server = createServer((req, res) => {
    calls++;
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls: () => calls,
    answer: (next: Handler) => (handler = next),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};

const status = (code: number, body = ''): Handler => (_req, res) => res.writeHead(code, { 'Content-Type': 'application/json' }).end(body);

const unavailable = (reason: RemoteUnavailableError['reason']) => (error: unknown) => {
  assert.ok(error instanceof RemoteUnavailableError, String(error));
  assert.equal(error.reason, reason);
  return true;
};

describe('ResilientHttpClient', () => {
  let api: Awaited<ReturnType<typeof remote>>;
  const client = (options: Partial<ResilientHttpClientOptions> = {}) => new ResilientHttpClient({ name: 'test API', timeoutMs: 200, ...options });

  beforeEach(async () => (api = await remote()));
  afterEach(() => api.close());

  it('answers the status, headers and whole body', async () => {
    api.answer(status(200, '{"ok":true}'));
    const answer = await client().request(api.url);
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['content-type'], 'application/json');
    assert.deepEqual(answer.json(), { ok: true });
  });

  it('retries 5xx and 429 with backoff, and answers once the remote recovers', async () => {
    const failures = [503, 429];
    api.answer((req, res) => (failures.length > 0 ? status(failures.shift()!)(req, res) : status(200, '{}')(req, res)));
    assert.equal((await client().request(api.url)).status, 200);
    assert.equal(api.calls(), 3);
  });

  it('gives up after its retries with the last status', async () => {
    api.answer(status(503));
    await assert.rejects(client({ retries: 3 }).request(api.url), (error) => unavailable('status')(error) && (error as RemoteUnavailableError).status === 503);
    assert.equal(api.calls(), 4);
  });

  it('answers any other 4xx at once: not retried, and not counted by the circuit breaker', async () => {
    api.answer(status(404, '{"missing":true}'));
    const http = client({ breakAfter: 1 });
    for (let i = 0; i < 3; i++) assert.equal((await http.request(api.url)).status, 404);
    assert.equal(api.calls(), 3);
  });

  it('lets the caller say which statuses are failures', async () => {
    api.answer(status(503));
    assert.equal((await client().request(api.url, {}, { retryOn: () => false })).status, 503);
    assert.equal(api.calls(), 1);
  });

  it('times out an attempt that answers nothing, or stalls in the middle of the body', async () => {
    api.answer(() => undefined);
    await assert.rejects(client({ retries: 0 }).request(api.url), unavailable('timeout'));
    api.answer((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).write('{"partial":'));
    await assert.rejects(client({ retries: 0 }).request(api.url), unavailable('timeout'));
  });

  it('reports a remote that cannot be reached', async () => {
    await api.close();
    await assert.rejects(client({ retries: 1 }).request(api.url), (error) => {
      assert.ok(unavailable('network')(error));
      assert.match((error as Error).message, /ECONNREFUSED/);
      return true;
    });
  });

  it('opens the circuit after consecutive failures, fails fast while open, and closes after a trial call succeeds', async () => {
    api.answer(status(500));
    const http = client({ retries: 0, breakAfter: 3, halfOpenAfterMs: 200 });
    for (let i = 0; i < 3; i++) await assert.rejects(http.request(api.url), unavailable('status'));
    const opened = Date.now();
    await assert.rejects(http.request(api.url), unavailable('circuit_open'));
    assert.equal(api.calls(), 3, 'the open circuit answered without calling');

    api.answer(status(200, '{}'));
    await eventually(async () => assert.equal((await http.request(api.url)).status, 200));
    assert.ok(Date.now() - opened >= 190, 'it stayed open for halfOpenAfterMs');
    assert.equal(api.calls(), 4, 'one trial call closed it');
  });

  it('with breakOnTimeouts false, counts no timeout against the circuit: requests that hang never open it, refused ones still do', async () => {
    api.answer((req, res) => (req.url === '/hangs' ? undefined : res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}')));
    const http = client({ retries: 0, timeoutMs: 50, breakAfter: 3, halfOpenAfterMs: 60_000, breakOnTimeouts: false });
    for (let i = 0; i < 5; i++) await assert.rejects(http.request(`${api.url}/hangs`), unavailable('timeout'));
    assert.equal(http.circuit.state, 'closed');
    assert.equal((await http.request(`${api.url}/answers`)).status, 200, 'a request that answers goes through');

    api.answer(status(503));
    for (let i = 0; i < 3; i++) await assert.rejects(http.request(api.url), unavailable('status'));
    assert.equal(http.circuit.state, 'open');
  });

  it('by default, counts timeouts against the circuit', async () => {
    api.answer(() => undefined);
    const http = client({ retries: 0, timeoutMs: 50, breakAfter: 3, halfOpenAfterMs: 60_000 });
    for (let i = 0; i < 3; i++) await assert.rejects(http.request(api.url), unavailable('timeout'));
    await assert.rejects(http.request(api.url), unavailable('circuit_open'));
  });
});

/** Retries `check` until it passes (or gives up after `timeoutMs`). */
const eventually = async (check: () => Promise<void>, timeoutMs = 2_000) => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
};

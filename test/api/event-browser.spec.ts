import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { EVENT_STORES } from '../support/event-stores.js';
import { type Customer, startTestPlatform, TEST_ADMIN, type TestPlatform } from '../support/http-platform.js';
import { eventually, sagaFlow } from '../support/saga-flow.js';
import { startServerProcess } from '../support/server-process.js';
import { openSse, type SseConnection } from '../support/sse-client.js';
import { type Answer, httpClient, isProblem } from './api-client.js';

type Item = {
  eventId: string;
  type: string;
  stream: string;
  revision: number;
  position: string;
  recordedAt: string;
  data: Record<string, unknown>;
  metadata: { correlationId: string; causationId: string };
};

const ITEM_KEYS = ['data', 'eventId', 'metadata', 'position', 'recordedAt', 'revision', 'stream', 'type'];

const byPosition = (a: Item, b: Item) => (BigInt(a.position) < BigInt(b.position) ? -1 : 1);

for (const store of EVENT_STORES)
describe(`event browser API: streams and $all, paged and live (admin) (${store.name})`, function () {
  this.timeout(60_000);
  let platform: TestPlatform;
  let call: ReturnType<typeof httpClient>;
  let admin: string;
  let ada: Customer;
  let orderId: string;
  const correlationId = `browse-${randomUUID()}`;
  const live: SseConnection[] = [];

  const get = (path: string, token = admin): Promise<Answer> => call('GET', path, { token });
  /** Every item of a listing, following nextCursor with the same parameters. */
  const everything = async (path: string, parameters: string): Promise<Item[]> => {
    const items: Item[] = [];
    let cursor: string | null = null;
    do {
      const answer = await get(`${path}?${parameters}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      items.push(...(answer.body.items as Item[]));
      cursor = answer.body.nextCursor;
    } while (cursor !== null);
    return items;
  };
  const subscribe = async (query = '', headers: Record<string, string> = {}): Promise<SseConnection> => {
    const connection = await openSse(`${platform.url}/api/v1/events${query}`, { Authorization: `Bearer ${admin}`, ...headers });
    live.push(connection);
    return connection;
  };
  const register = async (name: string) => {
    const answer = await call('POST', '/api/v1/users', { body: { email: `${randomUUID()}@example.com`, password: 'a-password-1', name } });
    assert.equal(answer.status, 201);
    return answer;
  };

  before(async () => {
    platform = await startTestPlatform(store.env());
    call = httpClient(platform.url);
    admin = await platform.adminToken();
    ada = await platform.registerCustomer('Ada');
    const flow = sagaFlow(call, admin);
    const mug = await flow.product(10, 1250);
    const placed = await call('POST', '/api/v1/orders', {
      token: ada.token,
      body: { items: [{ productId: mug, quantity: 1 }], paymentToken: 'tok_visa' },
      headers: { 'X-Correlation-Id': correlationId },
    });
    assert.equal(placed.status, 202);
    orderId = placed.body.id;
    await eventually('the order confirmed', () => call('GET', `/api/v1/orders/${orderId}`, { token: admin }), (answer) => answer.body?.status === 'confirmed');
  });
  afterEach(() => {
    for (const connection of live.splice(0)) connection.close();
  });
  after(async () => {
    await platform.stop();
    store.dispose();
  });

  describe('GET /api/v1/streams/:stream', () => {
    it('pages through a stream forwards, in revision order, every event shown whole', async () => {
      const all = await everything(`/api/v1/streams/order-${orderId}`, 'limit=2');
      assert.deepEqual(all.map((item) => item.revision), all.map((_, index) => index));
      assert.ok(all.length >= 5, `the order's events: ${all.map((item) => item.type).join(', ')}`);
      assert.deepEqual([all[0]!.type, all.at(-1)!.type], ['OrderPlaced', 'OrderConfirmed']);
      for (const item of all) {
        assert.deepEqual(Object.keys(item).sort(), ITEM_KEYS);
        assert.equal(item.stream, `order-${orderId}`);
        assert.match(item.position, /^\d+$/);
        assert.equal(new Date(item.recordedAt).toISOString(), item.recordedAt);
        assert.equal(item.metadata.correlationId, correlationId);
        assert.equal(item.data.orderId, orderId);
      }
      assert.deepEqual([...all].sort(byPosition), all, 'positions grow with revisions');
    });

    it('pages backwards from the end, or from a revision; the cursor keeps the direction', async () => {
      const forwards = await everything(`/api/v1/streams/order-${orderId}`, 'limit=100');
      const backwards = await everything(`/api/v1/streams/order-${orderId}`, 'direction=backwards&limit=2');
      assert.deepEqual(backwards, forwards.toReversed());
      const fromTwo = await get(`/api/v1/streams/order-${orderId}?direction=backwards&fromRevision=2`);
      assert.deepEqual(fromTwo.body.items.map((item: Item) => item.revision), [2, 1, 0]);
      assert.equal(fromTwo.body.nextCursor, null);
      const fromOne = await get(`/api/v1/streams/order-${orderId}?fromRevision=1&limit=1`);
      assert.deepEqual(fromOne.body.items.map((item: Item) => item.revision), [1]);
      const next = await get(`/api/v1/streams/order-${orderId}?limit=1&direction=backwards&cursor=${encodeURIComponent(fromOne.body.nextCursor)}`);
      isProblem(next, 400);
    });

    it('answers 404 for a stream without events, and an empty page past the end of one', async () => {
      isProblem(await get(`/api/v1/streams/order-${randomUUID()}`), 404);
      const past = await get(`/api/v1/streams/order-${orderId}?fromRevision=1000`);
      assert.deepEqual([past.status, past.body.items, past.body.nextCursor], [200, [], null]);
    });

    it('never shows a secret: a password hash reads [redacted]', async () => {
      const [registered] = (await get(`/api/v1/streams/user-${ada.id}`)).body.items as Item[];
      assert.equal(registered!.type, 'UserRegistered');
      assert.equal(registered!.data.passwordHash, '[redacted]');
      assert.equal(registered!.data.name, 'Ada');
      const [placed] = (await get(`/api/v1/streams/order-${orderId}?limit=1`)).body.items as Item[];
      assert.equal(placed!.data.paymentToken, '[redacted]');
    });

    it('refuses bad parameters with 400 problem documents', async () => {
      const stream = `/api/v1/streams/order-${orderId}`;
      for (const query of ['direction=sideways', 'limit=0', 'limit=101', 'fromRevision=-1', 'fromRevision=1.5', 'fromRevision=', 'cursor=nonsense', 'colour=blue']) {
        const answer = await get(`${stream}?${query}`);
        isProblem(answer, 400);
        assert.ok(answer.body.errors.length > 0, query);
      }
      const page = await get(`${stream}?limit=1`);
      isProblem(await get(`${stream}?fromRevision=0&cursor=${encodeURIComponent(page.body.nextCursor)}`), 400);
      isProblem(await get(`/api/v1/streams/${'x'.repeat(501)}`), 400);
    });

    it('is for admins: 401 without a token, 403 for a customer', async () => {
      isProblem(await call('GET', `/api/v1/streams/order-${orderId}`), 401);
      isProblem(await get(`/api/v1/streams/order-${orderId}`, ada.token), 403);
    });
  });

  describe('GET /api/v1/events', () => {
    it('pages through $all in position order, from a position', async () => {
      const first = await get('/api/v1/events?limit=3');
      assert.equal(first.body.items.length, 3);
      assert.deepEqual([...first.body.items].sort(byPosition), first.body.items);
      const second = await get(`/api/v1/events?limit=3&cursor=${encodeURIComponent(first.body.nextCursor)}`);
      assert.ok(BigInt(second.body.items[0].position) > BigInt(first.body.items[2].position));
      const from = await get(`/api/v1/events?limit=2&fromPosition=${second.body.items[1].position}`);
      assert.deepEqual(from.body.items[0], second.body.items[1], 'fromPosition is included');
    });

    it("follows a request's correlation id across the order and its saga, a full page at a time", async () => {
      const correlated = await everything('/api/v1/events', `correlationId=${correlationId}&limit=2`);
      const types = new Set(correlated.map((item) => item.type));
      for (const type of ['OrderPlaced', 'StockReserved', 'OrderConfirmed', 'StockReservationCommitted']) assert.ok(types.has(type), `${type} in ${[...types].join(', ')}`);
      assert.ok(correlated.every((item) => item.metadata.correlationId === correlationId));
      assert.deepEqual([...correlated].sort(byPosition), correlated);
      const page = await get(`/api/v1/events?correlationId=${correlationId}&limit=2`);
      assert.equal(page.body.items.length, 2, 'a full page while more match');
    });

    it('filters by type (one or several) and by stream prefix', async () => {
      const placed = await everything('/api/v1/events', 'type=OrderPlaced&limit=100');
      assert.ok(placed.length >= 1 && placed.every((item) => item.type === 'OrderPlaced'));
      const two = await everything('/api/v1/events', `type=OrderPlaced,OrderConfirmed&streamPrefix=order-${orderId}`);
      assert.deepEqual(two.map((item) => item.type), ['OrderPlaced', 'OrderConfirmed']);
      const users = await everything('/api/v1/events', 'streamPrefix=user-&limit=100');
      assert.ok(users.some((item) => item.stream === `user-${ada.id}`) && users.every((item) => item.stream.startsWith('user-')));
    });

    it('refuses bad parameters with 400 and is for admins only', async () => {
      for (const query of ['fromPosition=-1', 'fromPosition=x', 'fromPosition=9999999999999999999', 'fromPosition=99999999999999999999', 'type=', 'type=a,,b', 'correlationId=not%20one', 'limit=0', 'cursor=x', 'streamPrefix=', 'colour=blue'])
        isProblem(await get(`/api/v1/events?${query}`), 400);
      const page = await get('/api/v1/events?limit=1');
      isProblem(await get(`/api/v1/events?fromPosition=1&cursor=${encodeURIComponent(page.body.nextCursor)}`), 400);
      isProblem(await call('GET', '/api/v1/events'), 401);
      isProblem(await get('/api/v1/events', ada.token), 403);
    });
  });

  describe('GET /api/v1/events with Accept: text/event-stream', () => {
    it('follows $all live: an event appended after connecting arrives, id its position, data the event', async () => {
      const stream = await subscribe();
      assert.equal(stream.status, 200);
      assert.match(stream.headers.get('Content-Type') ?? '', /^text\/event-stream/);
      const appended = await register('Live Lovelace');
      const userId = appended.body.id as string;
      let message = await stream.next();
      let item = JSON.parse(message.data) as Item;
      while (item.stream !== `user-${userId}`) item = JSON.parse((message = await stream.next()).data) as Item;
      assert.equal(item.type, 'UserRegistered');
      assert.equal(message.id, item.position);
      assert.equal(item.position, appended.headers.get('X-Position'));
      assert.equal(item.data.passwordHash, '[redacted]');
    });

    it('resumes after Last-Event-ID with only the events after it', async () => {
      const first = await register('Before');
      const second = await register('After');
      const resumed = await subscribe('', { 'Last-Event-ID': first.headers.get('X-Position')! });
      const items: Item[] = [];
      while (!items.some((item) => item.position === second.headers.get('X-Position'))) items.push(JSON.parse((await resumed.next()).data) as Item);
      assert.ok(items.every((item) => BigInt(item.position) > BigInt(first.headers.get('X-Position')!)), 'nothing at or before Last-Event-ID');
      assert.equal(items[0]!.type, 'UniqueValueClaimed', 'the first event after it: the next registration begins with its email claim');
    });

    it('keeps to its filters, and starts at fromPosition when given', async () => {
      const stream = await subscribe(`?type=UserRegistered&fromPosition=1`);
      const first = JSON.parse((await stream.next()).data) as Item;
      assert.equal(first.type, 'UserRegistered');
      assert.equal(first.data.email, 'admin@example.com', 'from the start of $all: the admin ensured at boot');
      const renamed = await call('PATCH', `/api/v1/users/${ada.id}`, { token: ada.token, body: { name: 'Ada Byron' } });
      assert.equal(renamed.status, 200);
      const later = await register('Filtered');
      let item = first;
      while (item.data.userId !== later.body.id) {
        item = JSON.parse((await stream.next()).data) as Item;
        assert.equal(item.type, 'UserRegistered', 'UserRenamed is filtered out');
      }
    });

    it('answers a bad request, anonymous or a customer with a problem document, not a stream', async () => {
      for (const [headers, status] of [
        [{ Authorization: `Bearer ${admin}`, 'Last-Event-ID': 'yesterday' }, 400],
        [{}, 401],
        [{ Authorization: `Bearer ${ada.token}` }, 403],
      ] as const) {
        const answer = await openSse(`${platform.url}/api/v1/events`, headers);
        assert.equal(answer.status, status);
        assert.match(answer.headers.get('Content-Type') ?? '', /^application\/problem\+json/);
        assert.equal(JSON.parse(await answer.text()).status, status);
      }
    });

    it('lets go of a client that leaves, and keeps serving the others', async () => {
      const leaving = await subscribe();
      const staying = await subscribe();
      leaving.close();
      await leaving.ended;
      const appended = await register('Still Served');
      let item = JSON.parse((await staying.next()).data) as Item;
      while (item.stream !== `user-${appended.body.id}`) item = JSON.parse((await staying.next()).data) as Item;
      const page = await get('/api/v1/events?limit=1', admin);
      assert.equal(page.status, 200);
    });
  });
});

describe('event browser API: a live stream does not hold up a shutdown', function () {
  this.timeout(60_000);

  it('ends every open stream when the platform stops, and the stop is prompt', async () => {
    const platform = await startTestPlatform();
    const admin = await platform.adminToken();
    const stream = await openSse(`${platform.url}/api/v1/events?fromPosition=1`, { Authorization: `Bearer ${admin}` });
    await stream.next();
    const started = Date.now();
    await platform.stop();
    assert.ok(Date.now() - started < 5_000, `stopped in ${Date.now() - started} ms`);
    await stream.ended;
    await assert.rejects(fetch(`${platform.url}/health/live`), 'the server no longer answers');
  });

  it('SIGTERM stops the server process promptly (exit 0) while a client follows $all', async () => {
    const server = await startServerProcess({ EVENTSTORE_URL: 'memory:', ADMIN_EMAIL: TEST_ADMIN.email, ADMIN_PASSWORD: TEST_ADMIN.password });
    try {
      const signIn = await httpClient(server.url)('POST', '/api/v1/auth/token', { body: TEST_ADMIN });
      const stream = await openSse(`${server.url}/api/v1/events?fromPosition=1`, { Authorization: `Bearer ${signIn.body.accessToken}` });
      await stream.next();
      const signalled = Date.now();
      server.child.kill('SIGTERM');
      const code = await Promise.race([server.exited, new Promise((resolve) => setTimeout(() => resolve('still running'), 5_000))]);
      assert.equal(code, 0, `exit after ${Date.now() - signalled} ms: ${server.output()}`);
      await stream.ended;
    } finally {
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
    }
  });
});

import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { EVENT_STORES } from '../support/event-stores.js';
import { type Customer, startTestPlatform, type TestPlatform } from '../support/http-platform.js';
import { eventually, sagaFlow } from '../support/saga-flow.js';
import { type Answer, afterWrite, httpClient, isProblem } from './api-client.js';

/** An instant strictly between two answers' events (each request records its events at its own instant). */
const between = async <T>(work: () => Promise<T>): Promise<{ before: string; result: T }> => {
  await sleep(5);
  const before = new Date().toISOString();
  await sleep(5);
  return { before, result: await work() };
};

for (const store of EVENT_STORES)
describe(`time travel: ?asOf on every single-resource GET (${store.name})`, function () {
  this.timeout(60_000);
  let platform: TestPlatform;
  let call: ReturnType<typeof httpClient>;
  let admin: string;
  let ada: Customer;
  let bob: Customer;
  let flow: ReturnType<typeof sagaFlow>;

  const get = (path: string, token?: string, headers: Record<string, string> = {}): Promise<Answer> => call('GET', path, { token, headers });
  const answerAt = async (path: string, asOf: string | number, token?: string) => {
    const answer = await get(`${path}?asOf=${encodeURIComponent(String(asOf))}`, token);
    assert.equal(answer.status, 200, `${path}?asOf=${asOf}: ${JSON.stringify(answer.body)}`);
    return answer;
  };

  before(async () => {
    platform = await startTestPlatform(store.env());
    call = httpClient(platform.url);
    admin = await platform.adminToken();
    ada = await platform.registerCustomer('Ada');
    bob = await platform.registerCustomer('Bob');
    flow = sagaFlow(call, admin);
  });
  after(async () => {
    await platform.stop();
    store.dispose();
  });

  describe('a user', () => {
    it('as they stood at each revision and at an instant, with that revision as ETag', async () => {
      const { before: beforeRename, result: renamed } = await between(() => call('PATCH', `/api/v1/users/${ada.id}`, { token: ada.token, body: { name: 'Ada Lovelace' } }));
      assert.equal(renamed.status, 200);
      const path = `/api/v1/users/${ada.id}`;
      const first = await answerAt(path, 0, ada.token);
      assert.equal(first.body.name, 'Ada');
      assert.equal(first.headers.get('ETag'), '"0"');
      const second = await answerAt(path, 1, ada.token);
      assert.equal(second.body.name, 'Ada Lovelace');
      assert.equal(second.headers.get('ETag'), '"1"');
      assert.equal((await answerAt(path, beforeRename, ada.token)).body.name, 'Ada');
      assert.equal((await answerAt('/api/v1/users/me', 0, ada.token)).body.name, 'Ada');
      const now = await get(path, ada.token, afterWrite(renamed));
      assert.deepEqual(second.body, now.body, 'at the latest revision: what the read model answers');
      assert.equal(now.headers.get('ETag'), second.headers.get('ETag'));
    });

    it('404 before they existed or at a revision not reached; who may read them today may ask', async () => {
      const path = `/api/v1/users/${bob.id}`;
      isProblem(await get(`${path}?asOf=7`, bob.token), 404);
      isProblem(await get(`${path}?asOf=2000-01-01T00:00:00Z`, bob.token), 404);
      isProblem(await get(`${path}?asOf=0`, ada.token), 404);
      isProblem(await get(`${path}?asOf=0`), 401);
      assert.equal((await answerAt(path, 0, admin)).body.name, 'Bob');
    });
  });

  describe('a product', () => {
    it('its price and stock as they stood, for anyone', async () => {
      const id = await flow.product(5, 1000);
      const path = `/api/v1/products/${id}`;
      const { before: beforePrice } = await between(async () => {
        assert.equal((await call('PUT', `${path}/price`, { token: admin, body: { price: { amount: 1500, currency: 'EUR' } } })).status, 200);
      });
      const adjusted = await call('POST', `${path}/stock-adjustments`, { token: admin, body: { delta: 3, reason: 'count' } });
      assert.equal(adjusted.status, 200);
      const created = await answerAt(path, 0);
      assert.deepEqual([created.body.price.amount, created.body.stock], [1000, { onHand: 5, reserved: 0, available: 5 }]);
      assert.equal(created.headers.get('ETag'), '"0"');
      assert.equal((await answerAt(path, beforePrice)).body.price.amount, 1000);
      const repriced = await answerAt(path, 1);
      assert.deepEqual([repriced.body.price.amount, repriced.body.stock.onHand], [1500, 5]);
      const latest = await answerAt(path, 2);
      assert.deepEqual(latest.body, (await get(path, undefined, afterWrite(adjusted))).body);
      assert.equal(latest.body.createdBy.id, (await get('/api/v1/users/me', admin)).body.id, 'createdBy: who created it, by name as they are now');
      isProblem(await get(`${path}?asOf=3`), 404);
    });
  });

  describe('an order and its saga', () => {
    let id: string;
    let placedAt: string;
    let settled: { order: Record<string, unknown>; saga: Record<string, unknown> & { steps: { name: string; status: string }[] } };

    before(async () => {
      const mug = await flow.product(10, 1250);
      const { before, result } = await between(() => flow.place(ada.token, [{ productId: mug, quantity: 2 }], 'tok_visa'));
      placedAt = before;
      id = result;
      settled = (await flow.settled(id)) as typeof settled;
      assert.equal(settled.order.status, 'confirmed');
    });

    it('the order pending when placed, confirmed at its latest revision, ETag the revision', async () => {
      const path = `/api/v1/orders/${id}`;
      const placed = await answerAt(path, 0, ada.token);
      assert.deepEqual([placed.body.status, placed.body.version, placed.headers.get('ETag')], ['pending', 0, '"0"']);
      assert.deepEqual(placed.body.customer, { id: ada.id, name: (await get('/api/v1/users/me', ada.token)).body.name });
      const version = settled.order.version as number;
      const latest = await answerAt(path, version, ada.token);
      assert.deepEqual(latest.body, settled.order);
      assert.equal(latest.headers.get('ETag'), `"${version}"`);
      assert.deepEqual((await answerAt(path, new Date().toISOString(), admin)).body, settled.order);
      isProblem(await get(`${path}?asOf=${encodeURIComponent(placedAt)}`, ada.token), 404);
      isProblem(await get(`${path}?asOf=${version + 1}`, ada.token), 404);
    });

    it('is for who may read the order today: its owner or an admin; 404 for another customer', async () => {
      isProblem(await get(`/api/v1/orders/${id}?asOf=0`, bob.token), 404);
      isProblem(await get(`/api/v1/orders/${id}?asOf=0`), 401);
      assert.equal((await answerAt(`/api/v1/orders/${id}`, 0, admin)).body.status, 'pending');
    });

    it("the saga from its first step to the last, folded from the order's, its product's and its own streams", async () => {
      const path = `/api/v1/sagas/${id}`;
      const now = await eventually('the saga view', () => get(path, admin), (answer) => answer.body?.status === 'completed');
      const version = Number(JSON.parse(now.headers.get('ETag')!));
      const started = await answerAt(path, 1, admin);
      assert.equal(started.headers.get('ETag'), '"1"');
      assert.deepEqual(
        [started.body.status, started.body.steps.map((step: { name: string; status: string }) => `${step.name} ${step.status}`)],
        ['running', [`reserve-stock:${settled.order.items && (settled.order.items as { productId: string }[])[0]!.productId} pending`]],
      );
      const latest = await answerAt(path, version, admin);
      assert.deepEqual(latest.body, now.body);
      assert.equal(latest.headers.get('ETag'), now.headers.get('ETag'));
      const middle = await answerAt(path, Math.ceil(version / 2), admin);
      assert.ok(middle.body.steps.length > 1 && middle.body.steps.length <= latest.body.steps.length);
      isProblem(await get(`${path}?asOf=${encodeURIComponent(placedAt)}`, admin), 404);
      isProblem(await get(`${path}?asOf=${version + 1}`, admin), 404);
      isProblem(await get(`${path}?asOf=1`, ada.token), 403);
    });
  });

  describe('a market and its settlement', () => {
    it('its pools as they stood, and the settlement saga at each of its revisions', async () => {
      const closesAt = new Date(Date.now() + 60 * 60 * 1000).toISOString();
      const created = await call('POST', '/api/v1/markets', { token: admin, body: { question: 'Rain?', outcomes: ['yes', 'no'], closesAt } });
      assert.equal(created.status, 201);
      const id = created.body.id as string;
      const path = `/api/v1/markets/${id}`;
      assert.equal((await call('POST', `${path}/positions`, { token: ada.token, body: { outcome: 'yes', stake: 10 } })).status, 201);
      assert.equal((await call('POST', `${path}/close`, { token: admin, body: {} })).status, 200);
      const resolved = await call('POST', `${path}/resolve`, { token: admin, body: { winningOutcome: 'yes' } });
      assert.equal(resolved.status, 200);
      const open = await answerAt(path, 0);
      assert.deepEqual([open.body.status, open.body.totalPool, open.body.positions], ['open', 0, 0]);
      const staked = await answerAt(path, 1);
      assert.deepEqual([staked.body.status, staked.body.totalPool, staked.body.outcomes[0].pool], ['open', 10, 10]);
      assert.equal((await answerAt(path, 2)).body.status, 'closed');
      assert.equal((await answerAt(path, 3)).body.winningOutcome, 'yes');

      const saga = await eventually('the settlement saga', () => get(`/api/v1/sagas/${id}`, admin), (answer) => answer.body?.status === 'completed');
      const begun = await answerAt(`/api/v1/sagas/${id}`, 1, admin);
      assert.deepEqual([begun.body.type, begun.body.status, begun.body.steps[0].status], ['market-settlement', 'running', 'pending']);
      assert.deepEqual((await answerAt(`/api/v1/sagas/${id}`, Number(JSON.parse(saga.headers.get('ETag')!)), admin)).body, saga.body);
    });
  });

  describe('bad values', () => {
    it('400 for anything that is neither a revision nor an instant with its offset, and for any other parameter', async () => {
      const paths = [`/api/v1/users/${ada.id}`, '/api/v1/users/me', `/api/v1/orders/${ada.id}`, `/api/v1/products/${ada.id}`, `/api/v1/markets/${ada.id}`, `/api/v1/sagas/${ada.id}`];
      for (const path of paths)
        for (const query of ['asOf=', 'asOf=yesterday', 'asOf=-1', 'asOf=1.5', 'asOf=2025-05-01', 'asOf=2025-05-01T12:00:00', 'asOf=2025-02-30T00:00:00Z', 'asOf=1&asOf=2', 'asof=1', 'colour=blue']) {
          const answer = await get(`${path}?${query}`, admin);
          isProblem(answer, 400);
          assert.equal(answer.body.errors[0].path, query.startsWith('asOf') ? 'asOf' : '', `${path}?${query}: ${JSON.stringify(answer.body)}`);
        }
    });
  });
});

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { type PaymentSimulator, startPaymentSimulator } from '../../src/infrastructure/payment-gateway/simulator/payment-simulator.js';
import { GatewayFront } from '../support/gateway-front.js';
import { pendingByDesign } from '../support/pending-by-design.js';
import { type Customer, startTestPlatform, type TestPlatform } from '../support/http-platform.js';
import { chargesOf, eventually, sagaFlow } from '../support/saga-flow.js';
import { httpClient, isProblem } from './api-client.js';

/** Long enough that a loaded machine does not time out a payment that succeeds; short enough to wait for once. */
const PAYMENT_TIMEOUT_MS = 4000;

const profiles: { name: string; env: () => Record<string, string> }[] = [{ name: 'in-process jobs', env: () => ({}) }];
const redisUrl = process.env.REDIS_URL;
const redisTitle = 'sagas API on BullMQ and Redis';
if (redisUrl) profiles.push({ name: 'BullMQ and Redis', env: () => ({ REDIS_URL: redisUrl, SAGA_QUEUE: `sagas-spec-${randomUUID()}` }) });
else pendingByDesign(redisTitle, { needs: 'REDIS_URL', reason: 'no Redis server: set REDIS_URL (CI starts redis-server) to run' })!.add('every saga path, as with in-process jobs');

for (const profile of profiles)
/** The sagas over real HTTP, with the bundled simulator behind a gateway front the spec steers. */
describe(`sagas API (${profile.name}): order fulfilment and market settlement`, function () {
  this.timeout(60_000);
  let simulator: PaymentSimulator;
  let front: GatewayFront;
  let platform: TestPlatform;
  let call: ReturnType<typeof httpClient>;
  let admin: string;
  let ada: Customer;
  let flow: ReturnType<typeof sagaFlow>;

  before(async () => {
    simulator = await startPaymentSimulator();
    front = await new GatewayFront(simulator.url).start();
    platform = await startTestPlatform({
      ...profile.env(),
      PAYMENT_GATEWAY_URL: front.url,
      PAYMENT_TIMEOUT_MS: String(PAYMENT_TIMEOUT_MS),
      PAYMENT_GATEWAY_TIMEOUT_MS: '2000',
      SAGA_ATTEMPTS: '3',
      SAGA_BACKOFF_MS: '20',
      SAGA_BACKOFF_MAX_MS: '200',
    });
    call = httpClient(platform.url);
    admin = await platform.adminToken();
    ada = await platform.registerCustomer('Ada');
    flow = sagaFlow(call, admin);
  });
  after(async () => {
    await platform.stop();
    await front.stop();
    await simulator.stop();
  });

  it('confirms an order paid with tok_visa and commits its stock', async () => {
    const mug = await flow.product(10, 1250);
    const id = await flow.place(ada.token, [{ productId: mug, quantity: 2 }], 'tok_visa');
    const { order, saga } = await flow.settled(id);
    assert.equal(order.status, 'confirmed');
    assert.equal(order.cancellationReason, null);
    assert.deepEqual(await flow.stock(mug), { onHand: 8, reserved: 0, available: 8 });
    assert.equal(saga.type, 'order-fulfilment');
    assert.equal(saga.status, 'completed');
    assert.deepEqual(flow.stepsOf(saga), {
      [`reserve-stock:${mug}`]: 'succeeded',
      'charge-payment': 'succeeded',
      'confirm-order': 'succeeded',
      [`commit-stock:${mug}`]: 'succeeded',
    });
    assert.ok(saga.steps.every((step: { attempts: number; error: unknown; at: string }) => step.attempts === 1 && step.error === null && !Number.isNaN(Date.parse(step.at))));
    assert.equal(saga.pendingTimeout, null);
    const charges = await chargesOf(simulator.url, id);
    assert.deepEqual(charges.map(({ amount, refunded }) => ({ amount, refunded })), [{ amount: 2500, refunded: false }]);
  });

  it('cancels a declined payment (payment_declined) and releases the stock', async () => {
    const mug = await flow.product(10);
    const id = await flow.place(ada.token, [{ productId: mug, quantity: 3 }], 'tok_declined');
    const { order, saga } = await flow.settled(id);
    assert.equal(order.status, 'cancelled');
    assert.equal(order.cancellationReason, 'payment_declined');
    assert.deepEqual(await flow.stock(mug), { onHand: 10, reserved: 0, available: 10 });
    assert.equal(saga.status, 'compensated');
    const charge = saga.steps.find((step: { name: string }) => step.name === 'charge-payment');
    assert.deepEqual({ status: charge.status, error: charge.error }, { status: 'rejected', error: 'card_declined' });
    assert.equal(flow.stepsOf(saga)[`release-stock:${mug}`], 'succeeded');
    assert.deepEqual(await chargesOf(simulator.url, id), []);
  });

  it('cancels for insufficient stock and releases the items it did reserve, charging nothing', async () => {
    const plenty = await flow.product(10);
    const scarce = await flow.product(1);
    const id = await flow.place(ada.token, [{ productId: plenty, quantity: 4 }, { productId: scarce, quantity: 2 }], 'tok_visa');
    const { order, saga } = await flow.settled(id);
    assert.equal(order.status, 'cancelled');
    assert.equal(order.cancellationReason, 'insufficient_stock');
    await eventually('the released stock', () => flow.stock(plenty), (stock) => stock.reserved === 0);
    assert.deepEqual(await flow.stock(plenty), { onHand: 10, reserved: 0, available: 10 });
    assert.deepEqual(await flow.stock(scarce), { onHand: 1, reserved: 0, available: 1 });
    assert.equal(saga.status, 'compensated');
    const steps = flow.stepsOf(saga);
    assert.equal(steps[`reserve-stock:${scarce}`], 'rejected');
    assert.equal(steps['cancel-order:insufficient_stock'], 'succeeded');
    assert.equal(steps[`release-stock:${plenty}`], 'succeeded');
    assert.deepEqual(await chargesOf(simulator.url, id), []);
  });

  it('retries a flaky gateway (503, 503, 201) and confirms, charged once', async () => {
    const mug = await flow.product(10);
    const id = await flow.place(ada.token, [{ productId: mug, quantity: 1 }], 'tok_flaky');
    const { order, saga } = await flow.settled(id);
    assert.equal(order.status, 'confirmed');
    assert.equal(saga.status, 'completed');
    assert.equal((await chargesOf(simulator.url, id)).length, 1);
  });

  it('cancels when no payment outcome comes before PAYMENT_TIMEOUT_MS (payment_timeout), showing the timeout while it waits', async () => {
    const mug = await flow.product(10);
    const id = await flow.place(ada.token, [{ productId: mug, quantity: 1 }], 'tok_timeout');
    const waiting = await eventually('the pending timeout', () => flow.saga(id), (answer) => answer.status === 200 && answer.body.pendingTimeout !== null);
    const placedAt = Date.parse(waiting.body.startedAt);
    const dueAt = Date.parse(waiting.body.pendingTimeout.dueAt);
    assert.ok(Math.abs(dueAt - placedAt - PAYMENT_TIMEOUT_MS) < 1000, `due ${dueAt - placedAt} ms after the start`);
    assert.equal(waiting.body.status, 'running');
    const { order, saga } = await flow.settled(id);
    assert.equal(order.cancellationReason, 'payment_timeout');
    assert.equal(saga.status, 'compensated');
    assert.equal(saga.pendingTimeout, null);
    assert.deepEqual(await flow.stock(mug), { onHand: 10, reserved: 0, available: 10 });
    assert.deepEqual(await chargesOf(simulator.url, id), []);
  });

  it('refunds a payment captured after the order was cancelled', async () => {
    const mug = await flow.product(10);
    // This order's charge (tok_visa), not a last retry of the tok_timeout order before, which may still come.
    const held = front.holdNextCharge((charge) => charge.token === 'tok_visa');
    const id = await flow.place(ada.token, [{ productId: mug, quantity: 1 }], 'tok_visa');
    await held.arrived;
    const cancelled = await call('POST', `/api/v1/orders/${id}/cancel`, { token: ada.token });
    assert.equal(cancelled.status, 202);
    held.release();
    const refunded = await eventually('the refund', () => chargesOf(simulator.url, id), (charges) => charges.length === 1 && charges[0]!.refunded);
    assert.equal(refunded.length, 1);
    const { order, saga } = await flow.settled(id);
    assert.equal(order.cancellationReason, 'customer_request');
    assert.equal(saga.status, 'compensated');
    assert.equal(flow.stepsOf(saga)['refund-payment'], 'succeeded');
    assert.deepEqual(await flow.stock(mug), { onHand: 10, reserved: 0, available: 10 });
  });

  it('refunds and restocks a confirmed order the customer cancels', async () => {
    const mug = await flow.product(10);
    const id = await flow.place(ada.token, [{ productId: mug, quantity: 3 }], 'tok_visa');
    assert.equal((await flow.settled(id)).order.status, 'confirmed');
    assert.equal((await flow.stock(mug)).onHand, 7);
    const cancelled = await call('POST', `/api/v1/orders/${id}/cancel`, { token: ada.token });
    assert.equal(cancelled.status, 202);
    assert.equal(cancelled.body.status, 'cancelled');
    const saga = await eventually('the compensation', () => flow.saga(id), (answer) => answer.body.status === 'compensated');
    const steps = flow.stepsOf(saga.body);
    assert.equal(steps[`return-stock:${mug}`], 'succeeded');
    assert.equal(steps['refund-payment'], 'succeeded');
    assert.deepEqual(await flow.stock(mug), { onHand: 10, reserved: 0, available: 10 });
    const charges = await chargesOf(simulator.url, id);
    assert.deepEqual(charges.map(({ refunded }) => refunded), [true]);
  });

  it('records the payouts of a resolved market, shown in positions/me, and completes the settlement saga', async () => {
    const closesAt = new Date(Date.now() + 3_600_000).toISOString();
    const market = await call('POST', '/api/v1/markets', { token: admin, body: { question: 'Rain tomorrow?', outcomes: ['yes', 'no'], closesAt } });
    assert.equal(market.status, 201);
    const id = market.body.id as string;
    const bob = await platform.registerCustomer('Bob');
    assert.equal((await call('POST', `/api/v1/markets/${id}/positions`, { token: ada.token, body: { outcome: 'yes', stake: 100 } })).status, 201);
    assert.equal((await call('POST', `/api/v1/markets/${id}/positions`, { token: bob.token, body: { outcome: 'no', stake: 300 } })).status, 201);
    assert.equal((await call('POST', `/api/v1/markets/${id}/resolve`, { token: admin, body: { winningOutcome: 'yes' } })).status, 200);
    const saga = await eventually('the settlement', () => flow.saga(id), (answer) => answer.status === 200 && answer.body.status === 'completed');
    assert.equal(saga.body.type, 'market-settlement');
    assert.equal(saga.body.steps.length, 2);
    assert.ok(saga.body.steps.every((step: { name: string; status: string }) => step.name.startsWith('record-payout:') && step.status === 'succeeded'));
    const mine = await call('GET', `/api/v1/markets/${id}/positions/me`, { token: ada.token });
    assert.deepEqual(mine.body.items, [{ outcome: 'yes', stake: 100, payout: 400 }]);
    const market2 = await call('GET', `/api/v1/markets/${id}`);
    assert.equal(market2.headers.get('ETag'), '"6"', 'created, two positions, closed and resolved, two payouts recorded');
  });

  it('re-runs no reaction when every read model is rebuilt', async () => {
    const mug = await flow.product(10);
    const id = await flow.place(ada.token, [{ productId: mug, quantity: 1 }], 'tok_visa');
    const before = await flow.settled(id);
    const projections = async () => (await call('GET', '/api/v1/projections', { token: admin })).body.items as { name: string; position: string; lag: string; status: string }[];
    const head = async () => Math.max(...(await projections()).map((item) => Number(item.position) + Number(item.lag)));
    const headBefore = await head();
    for (const { name } of await projections()) assert.equal((await call('POST', `/api/v1/projections/${name}/rebuild`, { token: admin })).status, 202);
    await eventually('the rebuilt read models', projections, (items) => items.every((item) => item.status === 'live' && item.lag === '0'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(await head(), headBefore, 'nothing was appended');
    assert.deepEqual((await flow.saga(id)).body, before.saga);
    assert.equal((await chargesOf(simulator.url, id)).length, 1);
  });

  describe('the saga view', () => {
    it('lists sagas by type and status', async () => {
      const mug = await flow.product(10);
      const id = await flow.place(ada.token, [{ productId: mug, quantity: 1 }], 'tok_visa');
      await flow.settled(id);
      const completed = await call('GET', '/api/v1/sagas?type=order-fulfilment&status=completed&limit=100', { token: admin });
      assert.equal(completed.status, 200);
      assert.ok(completed.body.items.some((saga: { id: string }) => saga.id === id));
      assert.ok(completed.body.items.every((saga: { type: string; status: string }) => saga.type === 'order-fulfilment' && saga.status === 'completed'));
      const settlements = await call('GET', '/api/v1/sagas?type=market-settlement', { token: admin });
      assert.ok(settlements.body.items.every((saga: { type: string }) => saga.type === 'market-settlement'));
      isProblem(await call('GET', '/api/v1/sagas?status=finished', { token: admin }), 400);
    });
    it('answers a saga with its ETag', async () => {
      const mug = await flow.product(10);
      const id = await flow.place(ada.token, [{ productId: mug, quantity: 1 }], 'tok_visa');
      await flow.settled(id);
      const answer = await flow.saga(id);
      assert.match(answer.headers.get('ETag') ?? '', /^"\d+"$/);
      assert.deepEqual(Object.keys(answer.body).sort(), ['id', 'pendingTimeout', 'startedAt', 'status', 'steps', 'type', 'updatedAt']);
    });
    it('answers 404 for an unknown saga, and for an id that is no id', async () => {
      isProblem(await flow.saga(randomUUID()), 404);
      isProblem(await flow.saga('not-an-id'), 404);
    });
    it('is for admins only (403 for a customer, 401 without a token)', async () => {
      isProblem(await call('GET', '/api/v1/sagas', { token: ada.token }), 403);
      isProblem(await call('GET', '/api/v1/sagas'), 401);
      isProblem(await call('POST', `/api/v1/sagas/${randomUUID()}/retry`, { token: ada.token }), 403);
    });
    it('refuses to retry a saga with no failed step (409), or an unknown one (404)', async () => {
      const mug = await flow.product(10);
      const id = await flow.place(ada.token, [{ productId: mug, quantity: 1 }], 'tok_visa');
      await flow.settled(id);
      isProblem(await call('POST', `/api/v1/sagas/${id}/retry`, { token: admin }), 409, 'no_failed_step');
      isProblem(await call('POST', `/api/v1/sagas/${randomUUID()}/retry`, { token: admin }), 404);
    });
  });

  // A platform whose payments never time out: what these specs count must not depend on how loaded the machine is.
  describe('with a far payment deadline', () => {
    let patient: TestPlatform;
    let patientCall: ReturnType<typeof httpClient>;
    let patientFlow: ReturnType<typeof sagaFlow>;
    before(async () => {
      patient = await startTestPlatform({ ...profile.env(), PAYMENT_GATEWAY_URL: front.url, PAYMENT_TIMEOUT_MS: '600000', SAGA_ATTEMPTS: '2', SAGA_BACKOFF_MS: '20' });
      patientCall = httpClient(patient.url);
      patientFlow = sagaFlow(patientCall, await patient.adminToken());
    });
    after(async () => {
      front.mode = 'forward';
      await patient.stop();
    });

    it('confirms exactly as many of 25 competing orders as there are units (10), and never goes below 0', async () => {
      const last = await patientFlow.product(10);
      const customers = await Promise.all(Array.from({ length: 5 }, (_, index) => patient.registerCustomer(`Buyer ${index}`)));
      const ids = await Promise.all(Array.from({ length: 25 }, (_, index) => patientFlow.place(customers[index % 5]!.token, [{ productId: last, quantity: 1 }], 'tok_visa')));
      const finals = await Promise.all(ids.map((id) => patientFlow.settled(id)));
      const confirmed = finals.filter(({ order }) => order.status === 'confirmed');
      const cancelled = finals.filter(({ order }) => order.status === 'cancelled');
      assert.equal(confirmed.length, 10);
      assert.equal(cancelled.length, 15);
      assert.ok(cancelled.every(({ order }) => order.cancellationReason === 'insufficient_stock'));
      assert.deepEqual(await patientFlow.stock(last), { onHand: 0, reserved: 0, available: 0 });
    });

    it('fails the saga when a step runs out of attempts, shows it, and an admin retry runs it to a final state', async () => {
      const customer = await patient.registerCustomer('Cy');
      const mug = await patientFlow.product(10);
      front.mode = 'fail';
      const id = await patientFlow.place(customer.token, [{ productId: mug, quantity: 1 }], 'tok_visa');
      const failed = await eventually('the dead letter', () => patientFlow.saga(id), (answer) => answer.body?.status === 'failed');
      const charge = failed.body.steps.find((step: { name: string }) => step.name === 'charge-payment');
      assert.equal(charge.status, 'failed');
      assert.equal(charge.attempts, 2);
      assert.match(charge.error, /400/);
      assert.equal((await patientFlow.order(id)).body.status, 'pending');
      front.mode = 'forward';
      const admin2 = await patient.adminToken();
      const retried = await patientCall('POST', `/api/v1/sagas/${id}/retry`, { token: admin2 });
      assert.equal(retried.status, 202, JSON.stringify(retried.body));
      assert.deepEqual(retried.body, { id, retried: ['charge-payment'] });
      const { order, saga } = await patientFlow.settled(id);
      assert.equal(order.status, 'confirmed');
      assert.equal(saga.status, 'completed');
      const after = saga.steps.find((step: { name: string }) => step.name === 'charge-payment');
      assert.deepEqual({ status: after.status, attempts: after.attempts, error: after.error }, { status: 'succeeded', attempts: 3, error: null });
      isProblem(await patientCall('POST', `/api/v1/sagas/${id}/retry`, { token: admin2 }), 409);
    });
  });
});

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PaymentSimulator, startPaymentSimulator } from '../../src/infrastructure/payment-gateway/simulator/payment-simulator.js';
import { GatewayFront } from '../support/gateway-front.js';
import { pendingByDesign } from '../support/pending-by-design.js';
import { type Customer, startTestPlatform, type TestPlatform } from '../support/http-platform.js';
import { chargesOf, eventually, sagaFlow } from '../support/saga-flow.js';
import { httpClient } from './api-client.js';

/** Long enough for the tries below to outlast the step's attempts several times over on a loaded machine. */
const PAYMENT_TIMEOUT_MS = 8000;
const SAGA_ATTEMPTS = 3;

const profiles: { name: string; env: () => Record<string, string> }[] = [{ name: 'in-process jobs', env: () => ({}) }];
const redisUrl = process.env.REDIS_URL;
const redisTitle = 'the payment step on BullMQ and Redis';
if (redisUrl) profiles.push({ name: 'BullMQ and Redis', env: () => ({ REDIS_URL: redisUrl, SAGA_QUEUE: `sagas-payments-spec-${randomUUID()}` }) });
else pendingByDesign(redisTitle, { needs: 'REDIS_URL', reason: 'no Redis server: set REDIS_URL (CI starts redis-server) to run' })!.add('every payment path, as with in-process jobs');

const env = {
  PAYMENT_TIMEOUT_MS: String(PAYMENT_TIMEOUT_MS),
  // Short enough for cards that never answer to make many calls, long enough for one that answers through the front.
  PAYMENT_GATEWAY_TIMEOUT_MS: '500',
  SAGA_ATTEMPTS: String(SAGA_ATTEMPTS),
  SAGA_BACKOFF_MS: '50',
  SAGA_BACKOFF_MAX_MS: '300',
};

const chargeStep = (saga: { steps: { name: string; status: string; attempts: number; error: string | null }[] }) => saga.steps.find((step) => step.name === 'charge-payment');

for (const profile of profiles)
/**
 * The payment step over real HTTP, with the bundled simulator behind a gateway front the spec steers: a charge that
 * gets no answer is tried until its deadline, never a dead letter; a capture whose answer was lost is found and
 * noted; cards that never answer neither open the gateway's circuit nor hold the other steps up; and the deadline
 * of a failed saga survives a restart that empties the queue.
 */
describe(`sagas API (${profile.name}): the payment step`, function () {
  this.timeout(90_000);
  let simulator: PaymentSimulator;
  let front: GatewayFront;
  let platform: TestPlatform;
  let call: ReturnType<typeof httpClient>;
  let ada: Customer;
  let flow: ReturnType<typeof sagaFlow>;

  before(async () => {
    simulator = await startPaymentSimulator();
    front = await new GatewayFront(simulator.url).start();
    platform = await startTestPlatform({ ...profile.env(), ...env, PAYMENT_GATEWAY_URL: front.url });
    call = httpClient(platform.url);
    ada = await platform.registerCustomer('Ada');
    flow = sagaFlow(call, await platform.adminToken());
  });
  afterEach(() => (front.mode = 'forward'));
  after(async () => {
    await platform.stop();
    await front.stop();
    await simulator.stop();
  });

  it('tries a charge the gateway answers 503 to for longer than the step has attempts, never a dead letter, and confirms it once the gateway answers', async () => {
    const mug = await flow.product(10);
    front.mode = 'unavailable';
    const id = await flow.place(ada.token, [{ productId: mug, quantity: 1 }], 'tok_visa');
    const trying = await eventually(
      'more tries than attempts',
      () => flow.saga(id),
      (answer) => answer.status === 200 && (chargeStep(answer.body)?.attempts ?? 0) > SAGA_ATTEMPTS,
    );
    assert.equal(chargeStep(trying.body)!.status, 'retrying');
    assert.equal(trying.body.status, 'running');
    front.mode = 'forward';
    const { order, saga } = await flow.settled(id);
    assert.equal(order.status, 'confirmed');
    assert.equal(saga.status, 'completed');
    assert.equal((await chargesOf(simulator.url, id)).length, 1);
  });

  it('confirms a tok_visa order placed right after a burst of cards that never answer: their timeouts do not open the circuit', async () => {
    const mug = await flow.product(100);
    const hanging = await Promise.all(Array.from({ length: 16 }, () => flow.place(ada.token, [{ productId: mug, quantity: 1 }], 'tok_timeout')));
    // Two tries of each: some 100 calls timed out, every one of them a failure the circuit could count.
    const tries = async () => (await Promise.all(hanging.map(async (id) => {
      const answer = await flow.saga(id);
      return answer.status === 200 ? (chargeStep(answer.body)?.attempts ?? 0) : 0;
    }))).reduce((sum, attempts) => sum + attempts, 0);
    await eventually('two tries of each hanging charge', tries, (count) => count >= 2 * hanging.length);
    const metrics = await (await fetch(`${platform.url}/metrics`)).text();
    assert.match(metrics, /^ledgerflow_circuit_breaker_state\{remote="payment gateway",state="closed"\} 1$/m, 'the circuit is closed');
    const paid = await flow.place(ada.token, [{ productId: mug, quantity: 1 }], 'tok_visa');
    const { order, saga } = await flow.settled(paid);
    assert.equal(order.status, 'confirmed', JSON.stringify(chargeStep(saga)));
    const timedOut = await Promise.all(hanging.map((id) => flow.settled(id)));
    assert.deepEqual(new Set(timedOut.map(({ order: held }) => held.cancellationReason)), new Set(['payment_timeout']));
    assert.ok(timedOut.every(({ saga: held }) => held.status === 'compensated'), 'none failed');
  });

  it('notes at the deadline a capture whose answers were all lost: the order is confirmed, charged once', async () => {
    const mug = await flow.product(10);
    front.mode = 'lose answers';
    const id = await flow.place(ada.token, [{ productId: mug, quantity: 1 }], 'tok_visa');
    await eventually('a lost answer', async () => front.answersLostFor(id), (lost) => lost > 0);
    const { order, saga } = await flow.settled(id);
    assert.equal(order.status, 'confirmed');
    assert.equal(saga.status, 'completed');
    assert.deepEqual((await chargesOf(simulator.url, id)).map(({ refunded }) => refunded), [false]);
    assert.deepEqual(await flow.stock(mug), { onHand: 9, reserved: 0, available: 9 });
  });

  it('finds and refunds a capture whose answer was lost, once the customer has cancelled the order', async () => {
    const mug = await flow.product(10);
    front.mode = 'lose answers';
    const id = await flow.place(ada.token, [{ productId: mug, quantity: 1 }], 'tok_visa');
    await eventually('a lost answer', async () => front.answersLostFor(id), (lost) => lost > 0);
    assert.equal((await call('POST', `/api/v1/orders/${id}/cancel`, { token: ada.token })).status, 202);
    const refunded = await eventually('the refund', () => chargesOf(simulator.url, id), (charges) => charges.length === 1 && charges[0]!.refunded);
    assert.equal(refunded.length, 1);
    const { order, saga } = await flow.settled(id);
    assert.equal(order.cancellationReason, 'customer_request');
    assert.equal(saga.status, 'compensated');
    assert.equal(flow.stepsOf(saga)['refund-payment'], 'succeeded');
  });

  /**
   * A server on a data directory of its own behind a gateway front of its own (nothing the earlier cases left with
   * the shared one, answers held back, reaches it), stopped, and started again with an empty queue: as empty as a
   * Redis restarted without its data, or the in-process queue after a restart.
   */
  const acrossARestart = async (
    scenario: (parts: { front: GatewayFront; first: TestPlatform; restart: () => Promise<TestPlatform> }) => Promise<void>,
    extraEnv: Record<string, string> = {},
  ): Promise<void> => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ledgerflow-sagas-payments-'));
    const ownFront = await new GatewayFront(simulator.url).start();
    const durable = { ...profile.env(), ...env, PAYMENT_GATEWAY_URL: ownFront.url, EVENTSTORE_URL: '', DATA_DIR: dataDir, PAYMENT_TIMEOUT_MS: '6000', ...extraEnv };
    const first = await startTestPlatform(durable);
    let second: TestPlatform | undefined;
    const restart = async () => {
      await first.stop();
      second = await startTestPlatform({ ...durable, ...(profile.env().SAGA_QUEUE ? { SAGA_QUEUE: `sagas-payments-spec-${randomUUID()}` } : {}) });
      return second;
    };
    try {
      await scenario({ front: ownFront, first, restart });
    } finally {
      await first.stop();
      await second?.stop();
      await ownFront.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  };

  it('cancels at its deadline an order whose charge was dead-lettered, after a restart that emptied the queue; an admin can still retry the step', () =>
    acrossARestart(
      async ({ front, first, restart }) => {
        const firstFlow = sagaFlow(httpClient(first.url), await first.adminToken());
        const customer = await first.registerCustomer('Cy');
        const mug = await firstFlow.product(10);
        front.mode = 'fail';
        const id = await firstFlow.place(customer.token, [{ productId: mug, quantity: 1 }], 'tok_visa');
        const failed = await eventually('the dead letter', () => firstFlow.saga(id), (answer) => answer.body?.status === 'failed');
        assert.equal(chargeStep(failed.body)!.status, 'failed');
        assert.equal((await firstFlow.order(id)).body.status, 'pending');
        // The front still fails charges: a try of the first server that reaches it late is refused, not forwarded.
        const second = await restart();
        const admin = await second.adminToken();
        const secondCall = httpClient(second.url);
        const secondFlow = sagaFlow(secondCall, admin);
        const { order, saga } = await secondFlow.settled(id);
        assert.equal(order.status, 'cancelled');
        assert.equal(order.cancellationReason, 'payment_timeout');
        assert.equal(saga.status, 'compensated');
        assert.deepEqual(await secondFlow.stock(mug), { onHand: 10, reserved: 0, available: 10 });
        const seenAtRetry = front.seen.length;
        const retried = await secondCall('POST', `/api/v1/sagas/${id}/retry`, { token: admin });
        assert.equal(retried.status, 202, JSON.stringify(retried.body));
        assert.deepEqual(retried.body, { id, retried: ['charge-payment'] });
        // The retried step, the order cancelled, only asks the gateway what it holds.
        await eventually('the retried step’s look-up', async () => front.seen.slice(seenAtRetry), (seen) =>
          seen.some(({ method, url }) => method === 'GET' && url.startsWith('/v1/charges?')),
        );
        const charges = front.seen.slice(seenAtRetry).filter(({ method, url }) => method === 'POST' && url === '/v1/charges');
        assert.deepEqual(charges, [], 'the retried step, past the deadline, charges nothing');
        assert.deepEqual(await chargesOf(simulator.url, id), []);
        assert.equal((await secondFlow.order(id)).body.cancellationReason, 'payment_timeout');
      },
      // A client that waits long enough for the front (on this spec's thread, busy starting servers) to answer every
      // try: a try that timed out would not count towards the dead letter.
      { PAYMENT_GATEWAY_TIMEOUT_MS: '4000' },
    ));

  it('cancels at its deadline an order whose charge was dead-lettered, after a restart that emptied the queue, though what came last was nothing the saga view follows', () =>
    acrossARestart(async ({ front, first, restart }) => {
      const firstFlow = sagaFlow(httpClient(first.url), await first.adminToken());
      const customer = await first.registerCustomer('Di');
      const mug = await firstFlow.product(10);
      front.mode = 'fail';
      const id = await firstFlow.place(customer.token, [{ productId: mug, quantity: 1 }], 'tok_visa');
      await eventually('the dead letter', () => firstFlow.saga(id), (answer) => answer.body?.status === 'failed');
      // The last events before the restart are ones the saga view does not follow (its last saved checkpoint is behind
      // them), and nothing after the restart brings it one: the recovery, which waits for the view to reach the head,
      // must not wait for a saga event.
      await firstFlow.product(5);
      await first.registerCustomer('Ed');
      const second = await restart();
      const secondFlow = sagaFlow(httpClient(second.url), await second.adminToken());
      const { order, saga } = await secondFlow.settled(id);
      assert.equal(order.status, 'cancelled');
      assert.equal(order.cancellationReason, 'payment_timeout');
      assert.equal(saga.status, 'compensated');
      assert.deepEqual(await secondFlow.stock(mug), { onHand: 10, reserved: 0, available: 10 });
      assert.deepEqual(await chargesOf(simulator.url, id), []);
    }));
});

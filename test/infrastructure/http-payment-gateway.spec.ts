import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { PaymentGatewayUnavailableError } from '../../src/application/ports/payment-gateway.js';
import { HttpPaymentGateway, type HttpPaymentGatewayOptions } from '../../src/infrastructure/payment-gateway/http-payment-gateway.js';
import { type PaymentSimulator, startPaymentSimulator } from '../../src/infrastructure/payment-gateway/simulator/payment-simulator.js';

const amount = { amount: 1_999, currency: 'EUR' };
const newOrderId = () => `order-${randomUUID()}`;

const isUnavailable = (error: unknown) => {
  assert.ok(error instanceof PaymentGatewayUnavailableError, String(error));
  return true;
};

describe('HttpPaymentGateway against the simulator', () => {
  let simulator: PaymentSimulator;
  const gateway = (options: Partial<HttpPaymentGatewayOptions> = {}) => new HttpPaymentGateway({ baseUrl: simulator.url, timeoutMs: 200, ...options });

  beforeEach(async () => (simulator = await startPaymentSimulator()));
  afterEach(() => simulator.stop());

  it('captures tok_visa, and the ledger shows the charge', async () => {
    const orderId = newOrderId();
    const outcome = await gateway().charge({ orderId, amount, token: 'tok_visa' });
    assert.equal(outcome.outcome, 'captured');
    const chargeId = outcome.outcome === 'captured' ? outcome.chargeId : '';
    assert.deepEqual(await gateway().charges(orderId), [{ id: chargeId, orderId, amount: 1_999, currency: 'EUR', status: 'succeeded', refunded: false }]);
  });

  it('answers the first outcome when asked to charge the same order again', async () => {
    const orderId = newOrderId();
    const first = await gateway().charge({ orderId, amount, token: 'tok_visa' });
    assert.deepEqual(await gateway().charge({ orderId, amount, token: 'tok_visa' }), first);
    assert.equal((await gateway().charges(orderId)).length, 1);
  });

  it('reports tok_declined as declined, with its code', async () => {
    const orderId = newOrderId();
    assert.deepEqual(await gateway().charge({ orderId, amount, token: 'tok_declined' }), { outcome: 'declined', code: 'card_declined' });
    assert.deepEqual(await gateway().charges(orderId), []);
  });

  it('captures tok_flaky thanks to its retries, charging once', async () => {
    const orderId = newOrderId();
    assert.equal((await gateway({ retries: 2 }).charge({ orderId, amount, token: 'tok_flaky' })).outcome, 'captured');
    assert.equal((await gateway().charges(orderId)).length, 1);
  });

  it('gives up on tok_timeout after its timeout, and nothing is charged', async () => {
    const orderId = newOrderId();
    const started = Date.now();
    await assert.rejects(gateway({ retries: 1 }).charge({ orderId, amount, token: 'tok_timeout' }), isUnavailable);
    assert.ok(Date.now() - started >= 2 * 200, 'two attempts of 200 ms each');
    assert.deepEqual(await gateway().charges(orderId), []);
  });

  it('refunds a charge once: refunding it again answers the same refund', async () => {
    const orderId = newOrderId();
    const outcome = await gateway().charge({ orderId, amount, token: 'tok_visa' });
    assert.ok(outcome.outcome === 'captured');
    const refund = await gateway().refund({ orderId, chargeId: outcome.chargeId });
    assert.match(refund.refundId, /^re_/);
    assert.deepEqual(await gateway().refund({ orderId, chargeId: outcome.chargeId }), refund);
    assert.equal((await gateway().charges(orderId))[0]?.refunded, true);
  });

  it('throws a plain error, without retrying, for an answer that is a bug (404 for an unknown charge)', async () => {
    await assert.rejects(gateway().refund({ orderId: newOrderId(), chargeId: 'ch_unknown' }), (error) => {
      assert.ok(!(error instanceof PaymentGatewayUnavailableError));
      assert.match((error as Error).message, /404/);
      return true;
    });
  });

  it('is unavailable while its URL is unknown or nothing listens there', async () => {
    await assert.rejects(gateway({ baseUrl: () => undefined }).charge({ orderId: newOrderId(), amount, token: 'tok_visa' }), isUnavailable);
    await simulator.stop();
    await assert.rejects(gateway({ retries: 1 }).charge({ orderId: newOrderId(), amount, token: 'tok_visa' }), (error) => {
      assert.ok(isUnavailable(error));
      assert.match((error as Error).message, /ECONNREFUSED/);
      return true;
    });
  });

  it('opens its circuit after consecutive failures, fails fast while open, and closes after halfOpenAfter', async () => {
    const payments = gateway({ timeoutMs: 100, retries: 0, breakAfter: 3, halfOpenAfterMs: 300 });
    for (let i = 0; i < 3; i++) await assert.rejects(payments.charge({ orderId: newOrderId(), amount, token: 'tok_timeout' }), isUnavailable);
    const opened = Date.now();
    const orderId = newOrderId();
    await assert.rejects(payments.charge({ orderId, amount, token: 'tok_visa' }), (error) => {
      assert.ok(isUnavailable(error));
      assert.match((error as Error).message, /circuit is open/);
      return true;
    });
    assert.ok(Date.now() - opened < 100, 'it failed fast, without waiting for a timeout');
    assert.deepEqual(await gateway().charges(orderId), [], 'the open circuit did not call the gateway');

    await eventually(async () => assert.equal((await payments.charge({ orderId, amount, token: 'tok_visa' })).outcome, 'captured'));
    assert.ok(Date.now() - opened >= 290, 'it stayed open for halfOpenAfterMs');
    assert.equal((await payments.charge({ orderId: newOrderId(), amount, token: 'tok_visa' })).outcome, 'captured');
  });
});

/** Retries `check` until it passes (or gives up after `timeoutMs`). */
const eventually = async (check: () => Promise<void>, timeoutMs = 3_000) => {
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

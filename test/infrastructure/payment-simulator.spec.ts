import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PaymentSimulator, startPaymentSimulator } from '../../src/infrastructure/payment-gateway/simulator/payment-simulator.js';

interface Answer {
  status: number;
  body: any;
}

const call = async (url: string, init: RequestInit = {}): Promise<Answer> => {
  const response = await fetch(url, init);
  return { status: response.status, body: await response.json() };
};

const post = (url: string, body: unknown, idempotencyKey?: string, signal?: AbortSignal): Promise<Answer> =>
  call(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(idempotencyKey === undefined ? {} : { 'Idempotency-Key': idempotencyKey }) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });

const newOrderId = () => `order-${randomUUID()}`;

const chargeOf = (token: string, orderId = newOrderId()) => ({ orderId, amount: 4_250, currency: 'EUR', token });

for (const ledger of ['memory', 'sqlite'] as const) {
  describe(`payment gateway simulator (${ledger} ledger)`, () => {
    let dir: string;
    let simulator: PaymentSimulator;
    const charge = (body: ReturnType<typeof chargeOf>, key = body.orderId, signal?: AbortSignal) => post(`${simulator.url}/v1/charges`, body, key, signal);
    const refund = (chargeId: string, key = `refund-${chargeId}`) => post(`${simulator.url}/v1/refunds`, { chargeId }, key);
    const ledgerOf = async (orderId: string) => (await call(`${simulator.url}/v1/charges?orderId=${encodeURIComponent(orderId)}`)).body.items;

    beforeEach(async () => {
      dir = mkdtempSync(join(tmpdir(), 'ledgerflow-payments-'));
      simulator = await startPaymentSimulator({ dataDir: ledger === 'sqlite' ? dir : undefined });
    });
    afterEach(async () => {
      await simulator.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('charges tok_visa: 201 with the charge, which the ledger lists', async () => {
      const request = chargeOf('tok_visa');
      const answer = await charge(request);
      assert.equal(answer.status, 201);
      assert.match(answer.body.id, /^ch_/);
      assert.deepEqual(answer.body, { id: answer.body.id, orderId: request.orderId, amount: 4_250, currency: 'EUR', status: 'succeeded' });
      assert.deepEqual(await ledgerOf(request.orderId), [{ ...answer.body, refunded: false }]);
    });

    it('declines tok_declined (402 card_declined) and an unknown token (402 invalid_token), charging nothing', async () => {
      const declined = chargeOf('tok_declined');
      assert.deepEqual(await charge(declined), { status: 402, body: { error: { code: 'card_declined' } } });
      const unknown = chargeOf('tok_whatever');
      assert.deepEqual(await charge(unknown), { status: 402, body: { error: { code: 'invalid_token' } } });
      assert.deepEqual(await ledgerOf(declined.orderId), []);
      assert.deepEqual(await ledgerOf(unknown.orderId), []);
    });

    it('answers the same key again with the first outcome and charges once', async () => {
      const visa = chargeOf('tok_visa');
      const first = await charge(visa);
      assert.deepEqual(await charge(visa), first);
      assert.equal((await ledgerOf(visa.orderId)).length, 1);

      const declined = chargeOf('tok_declined');
      const refused = await charge(declined);
      assert.deepEqual(await charge(declined), refused);
    });

    it('fails tok_flaky with 503 twice per order, then charges it', async () => {
      const flaky = chargeOf('tok_flaky');
      assert.equal((await charge(flaky)).status, 503);
      assert.equal((await charge(flaky)).status, 503);
      const captured = await charge(flaky);
      assert.equal(captured.status, 201);
      assert.deepEqual(await charge(flaky), captured);
      assert.equal((await ledgerOf(flaky.orderId)).length, 1);

      assert.equal((await charge(chargeOf('tok_flaky'))).status, 503, 'another order fails on its own count');
    });

    it('never answers tok_timeout, and charges nothing', async () => {
      const slow = chargeOf('tok_timeout');
      const started = Date.now();
      await assert.rejects(charge(slow, slow.orderId, AbortSignal.timeout(500)), { name: 'TimeoutError' });
      assert.ok(Date.now() - started >= 450);
      assert.deepEqual(await ledgerOf(slow.orderId), []);
    });

    it('releases the requests it holds when it stops', async () => {
      const held = charge(chargeOf('tok_timeout')).then(
        () => 'answered',
        () => 'dropped',
      );
      await waitUntil(async () => (await call(`${simulator.url}/health`)).status === 200);
      await simulator.stop();
      assert.equal(await held, 'dropped');
      simulator = await startPaymentSimulator({ dataDir: ledger === 'sqlite' ? dir : undefined });
    });

    it('charges an order once when 20 identical requests arrive at the same moment', async () => {
      const visa = chargeOf('tok_visa');
      const answers = await Promise.all(Array.from({ length: 20 }, () => charge(visa)));
      assert.deepEqual(new Set(answers.map((answer) => answer.status)), new Set([201]));
      assert.equal(new Set(answers.map((answer) => answer.body.id)).size, 1);
      assert.equal((await ledgerOf(visa.orderId)).length, 1);
    });

    it('refunds a charge once: asking again, under any key, answers the first refund', async () => {
      const visa = chargeOf('tok_visa');
      const { body: captured } = await charge(visa);
      const first = await refund(captured.id);
      assert.equal(first.status, 201);
      assert.match(first.body.id, /^re_/);
      assert.deepEqual(first.body, { id: first.body.id, chargeId: captured.id, amount: 4_250, status: 'succeeded' });
      assert.deepEqual(await refund(captured.id), first);
      assert.deepEqual(await refund(captured.id, 'another-key'), first);
      assert.deepEqual(await ledgerOf(visa.orderId), [{ ...captured, refunded: true }]);
    });

    it('answers 404 to a refund of an unknown charge', async () => {
      assert.deepEqual(await refund('ch_unknown'), { status: 404, body: { error: { code: 'no_such_charge' } } });
    });

    it('answers 400 to a bad body, a missing Idempotency-Key, or a key that is not the order id', async () => {
      const url = `${simulator.url}/v1/charges`;
      const visa = chargeOf('tok_visa');
      for (const bad of [
        { ...visa, amount: -1 },
        { ...visa, amount: 12.5 },
        { ...visa, currency: 'eur' },
        { ...visa, token: 42 },
        { amount: 100, currency: 'EUR', token: 'tok_visa' },
      ]) {
        const answer = await post(url, bad, visa.orderId);
        assert.equal(answer.status, 400, JSON.stringify(bad));
        assert.equal(answer.body.error.code, 'invalid_request');
        assert.equal(typeof answer.body.error.message, 'string');
      }
      assert.equal((await post(url, '{"orderId":', visa.orderId)).status, 400);
      assert.equal((await post(url, visa)).status, 400);
      assert.equal((await post(url, visa, 'another-order')).status, 400);
      assert.equal((await post(`${simulator.url}/v1/refunds`, { chargeId: 'ch_1' })).status, 400);
      assert.equal((await post(`${simulator.url}/v1/refunds`, {}, 'key')).status, 400);
      assert.deepEqual(await ledgerOf(visa.orderId), []);
    });

    it('answers 409 when a key comes back with another body', async () => {
      const visa = chargeOf('tok_visa');
      await charge(visa);
      assert.deepEqual(await charge({ ...visa, amount: 1 }), { status: 409, body: { error: { code: 'idempotency_key_reused' } } });
      const { body: captured } = await charge(visa);
      await refund(captured.id, 'refund-key');
      assert.equal((await refund('ch_other', 'refund-key')).status, 409);
      assert.equal((await ledgerOf(visa.orderId)).length, 1);
    });
  });
}

describe('payment gateway simulator restarted on the same DATA_DIR', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ledgerflow-payments-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps its charges, refunds, remembered answers and flaky counts', async () => {
    let simulator = await startPaymentSimulator({ dataDir: dir });
    const visa = chargeOf('tok_visa');
    const declined = chargeOf('tok_declined');
    const flaky = chargeOf('tok_flaky');
    const captured = await post(`${simulator.url}/v1/charges`, visa, visa.orderId);
    const refunded = await post(`${simulator.url}/v1/refunds`, { chargeId: captured.body.id }, `refund-${captured.body.id}`);
    await post(`${simulator.url}/v1/charges`, declined, declined.orderId);
    assert.equal((await post(`${simulator.url}/v1/charges`, flaky, flaky.orderId)).status, 503);
    await simulator.stop();

    simulator = await startPaymentSimulator({ dataDir: dir });
    try {
      assert.deepEqual(await post(`${simulator.url}/v1/charges`, visa, visa.orderId), captured);
      assert.deepEqual(await post(`${simulator.url}/v1/refunds`, { chargeId: captured.body.id }, 'a-new-key'), refunded);
      assert.equal((await post(`${simulator.url}/v1/charges`, declined, declined.orderId)).status, 402);
      assert.equal((await post(`${simulator.url}/v1/charges`, flaky, flaky.orderId)).status, 503, 'the second failure, not the first again');
      assert.equal((await post(`${simulator.url}/v1/charges`, flaky, flaky.orderId)).status, 201);
      const { body } = await call(`${simulator.url}/v1/charges`);
      assert.deepEqual(
        body.items.map((item: { orderId: string; refunded: boolean }) => [item.orderId, item.refunded]),
        [
          [visa.orderId, true],
          [flaky.orderId, false],
        ],
      );
    } finally {
      await simulator.stop();
    }
  });
});

const waitUntil = async (condition: () => Promise<boolean>, timeoutMs = 2_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('the condition did not hold in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

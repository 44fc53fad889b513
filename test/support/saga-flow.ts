import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Answer, httpClient } from '../api/api-client.js';

type Call = ReturnType<typeof httpClient>;

/** Polls until `check` answers something, or fails after `timeoutMs` with what it saw last. */
export const eventually = async <T>(what: string, probe: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 20_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (check(value)) return value;
    if (Date.now() > deadline) assert.fail(`${what}: still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

/** The calls a saga spec makes, as an admin unless told otherwise. */
export const sagaFlow = (call: Call, admin: string) => {
  const product = async (initialStock: number, amount = 1000): Promise<string> => {
    const answer = await call('POST', '/api/v1/products', {
      token: admin,
      body: { sku: `SKU-${randomUUID()}`, name: 'A product', price: { amount, currency: 'EUR' }, initialStock },
    });
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    return answer.body.id as string;
  };
  const place = async (token: string, items: { productId: string; quantity: number }[], paymentToken: string): Promise<string> => {
    const answer = await call('POST', '/api/v1/orders', { token, body: { items, paymentToken } });
    assert.equal(answer.status, 202, JSON.stringify(answer.body));
    return answer.body.id as string;
  };
  const order = (id: string): Promise<Answer> => call('GET', `/api/v1/orders/${id}`, { token: admin });
  const saga = (id: string): Promise<Answer> => call('GET', `/api/v1/sagas/${id}`, { token: admin });
  const stock = async (productId: string) => (await call('GET', `/api/v1/products/${productId}`)).body.stock as { onHand: number; reserved: number; available: number };
  /** The order once it is confirmed or cancelled, and its saga once that is done too. */
  const settled = async (id: string) => {
    const final = await eventually(`order ${id}`, () => order(id), (answer) => answer.status === 200 && answer.body.status !== 'pending');
    const view = await eventually(`saga ${id}`, () => saga(id), (answer) => answer.status === 200 && answer.body.status !== 'running');
    return { order: final.body, saga: view.body };
  };
  const stepsOf = (view: { steps: { name: string; status: string }[] }) => Object.fromEntries(view.steps.map((step) => [step.name, step.status]));
  return { product, place, order, saga, stock, settled, stepsOf };
};

/** The gateway's ledger for an order. */
export const chargesOf = async (gatewayUrl: string, orderId: string) =>
  ((await (await fetch(`${gatewayUrl}/v1/charges?orderId=${orderId}`)).json()) as { items: { id: string; amount: number; refunded: boolean }[] }).items;

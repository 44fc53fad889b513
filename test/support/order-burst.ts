import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';

export const TOKENS = ['tok_visa', 'tok_declined', 'tok_flaky', 'tok_timeout'] as const;
type Token = (typeof TOKENS)[number];

const json = (token?: string) => ({ 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) });

export const signIn = async (url: string, credentials: { email: string; password: string }): Promise<string> => {
  const response = await fetch(`${url}/api/v1/auth/token`, { method: 'POST', headers: json(), body: JSON.stringify(credentials) });
  assert.equal(response.status, 200);
  return ((await response.json()) as { accessToken: string }).accessToken;
};

export const createProducts = async (url: string, admin: string, count: number, initialStock: number): Promise<string[]> => {
  const ids: string[] = [];
  for (let index = 0; index < count; index++) {
    const response = await fetch(`${url}/api/v1/products`, {
      method: 'POST',
      headers: json(admin),
      body: JSON.stringify({ sku: `SKU-${randomUUID()}`, name: `Product ${index}`, price: { amount: 100 + index, currency: 'EUR' }, initialStock }),
    });
    assert.equal(response.status, 201);
    ids.push(((await response.json()) as { id: string }).id);
  }
  return ids;
};

export interface PlacedOrder {
  id: string;
  token: Token;
  productId: string;
}

/**
 * Places `count` one-item orders at once, cycling through the payment tokens and the products; `onAcknowledged`
 * sees each 202 as it comes (a spec kills something there). Answers the acknowledged orders and how many got no answer.
 */
export const placeBurst = async (
  url: string,
  customer: string,
  productIds: readonly string[],
  count: number,
  onAcknowledged: (acknowledged: number) => void,
): Promise<{ placed: PlacedOrder[]; unanswered: number }> => {
  const placed: PlacedOrder[] = [];
  let unanswered = 0;
  await Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const token = TOKENS[index % TOKENS.length]!;
      const productId = productIds[index % productIds.length]!;
      try {
        const response = await fetch(`${url}/api/v1/orders`, {
          method: 'POST',
          headers: json(customer),
          body: JSON.stringify({ items: [{ productId, quantity: 1 }], paymentToken: token }),
        });
        if (response.status !== 202) throw new Error(`order ${index}: ${response.status} ${await response.text()}`);
        placed.push({ id: ((await response.json()) as { id: string }).id, token, productId });
        onAcknowledged(placed.length);
      } catch (error) {
        if (error instanceof Error && error.message.startsWith('order ')) throw error;
        unanswered++;
      }
    }),
  );
  return { placed, unanswered };
};

interface OrderAnswer {
  id: string;
  status: string;
  cancellationReason: string | null;
  items: { productId: string; quantity: number }[];
}

/** Every order the server knows (an admin sees all), once none is pending any more and no saga is running. */
export const allOrdersFinal = async (url: string, admin: string, timeoutMs: number): Promise<OrderAnswer[]> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const orders: OrderAnswer[] = [];
    let cursor: string | null = null;
    do {
      const response = await fetch(`${url}/api/v1/orders?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { headers: json(admin) });
      const page = (await response.json()) as { items: OrderAnswer[]; nextCursor: string | null };
      orders.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    const pending = orders.filter((order) => order.status === 'pending');
    const running = (await (await fetch(`${url}/api/v1/sagas?status=running&limit=100`, { headers: json(admin) })).json()) as { items: unknown[] };
    if (pending.length === 0 && running.items.length === 0) return orders;
    if (Date.now() > deadline)
      assert.fail(`${pending.length} of ${orders.length} orders still pending, ${running.items.length} sagas still running after ${timeoutMs} ms: ${JSON.stringify(running.items[0])}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
};

/** The outcome each token allows: a declined or unanswered payment never confirms; any order may lack stock. */
export const allowedOutcomes: Record<Token, readonly string[]> = {
  tok_visa: ['confirmed', 'insufficient_stock'],
  tok_flaky: ['confirmed', 'insufficient_stock'],
  tok_declined: ['payment_declined', 'insufficient_stock'],
  tok_timeout: ['payment_timeout', 'insufficient_stock'],
};

/**
 * What must hold once every order is final: each order's outcome fits its token, each product's stock adds up
 * (on hand = initial − confirmed, nothing left reserved), no order was charged twice, every confirmed order was
 * charged once and not refunded, and every cancelled order was charged nothing or refunded.
 */
export const assertSettled = async (
  url: string,
  admin: string,
  gatewayUrl: string,
  orders: readonly OrderAnswer[],
  placed: readonly PlacedOrder[],
  productIds: readonly string[],
  initialStock: number,
): Promise<void> => {
  const tokens = new Map(placed.map((order) => [order.id, order.token]));
  for (const order of orders) {
    const token = tokens.get(order.id);
    const outcome = order.status === 'confirmed' ? 'confirmed' : order.cancellationReason!;
    if (token) assert.ok(allowedOutcomes[token].includes(outcome), `order ${order.id} (${token}) ended ${outcome}`);
    else assert.ok(['confirmed', ...Object.values(allowedOutcomes).flat()].includes(outcome));
  }
  for (const { id } of placed) assert.ok(orders.some((order) => order.id === id), `acknowledged order ${id} is kept`);
  const failed = await fetch(`${url}/api/v1/sagas?status=failed&limit=100`, { headers: json(admin) });
  assert.deepEqual(((await failed.json()) as { items: unknown[] }).items, [], 'no saga failed');
  for (const productId of productIds) {
    const confirmed = orders.filter((order) => order.status === 'confirmed' && order.items[0]!.productId === productId).length;
    const response = await fetch(`${url}/api/v1/products/${productId}`);
    const { stock } = (await response.json()) as { stock: { onHand: number; reserved: number; available: number } };
    assert.deepEqual(stock, { onHand: initialStock - confirmed, reserved: 0, available: initialStock - confirmed }, `product ${productId}`);
  }
  const ledger = ((await (await fetch(`${gatewayUrl}/v1/charges`)).json()) as { items: { orderId: string; refunded: boolean }[] }).items;
  const chargesPerOrder = new Map<string, { refunded: boolean }[]>();
  for (const charge of ledger) chargesPerOrder.set(charge.orderId, [...(chargesPerOrder.get(charge.orderId) ?? []), charge]);
  for (const [orderId, charges] of chargesPerOrder) assert.equal(charges.length, 1, `order ${orderId} charged ${charges.length} times`);
  for (const order of orders) {
    const charges = chargesPerOrder.get(order.id) ?? [];
    if (order.status === 'confirmed') assert.ok(charges.length === 1 && !charges[0]!.refunded, `confirmed ${order.id}: charged once, kept`);
    else assert.ok(charges.every((charge) => charge.refunded), `cancelled ${order.id} refunded`);
  }
};

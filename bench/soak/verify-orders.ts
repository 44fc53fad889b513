/**
 * The soak's checks on orders, stock and charges, from the API (orders and products as the server answers them), the
 * event store (what was recorded) and the payment simulator's ledger (what was charged), against the client's ledger.
 */
import type { RecordedEvent } from '../../src/application/ports/event-store.js';
import type { RecordedCharge } from '../../src/infrastructure/payment-gateway/simulator/charge-ledger.js';
import type { PaymentToken, SoakLedger } from './soak-ledger.js';

export interface ApiOrder {
  id: string;
  status: 'pending' | 'confirmed' | 'cancelled';
  cancellationReason: string | null;
  items: { productId: string; quantity: number }[];
  total: { amount: number; currency: string };
}

export type Stock = { onHand: number; reserved: number; available: number };

/** How an order ended: `confirmed`, or its cancellation reason. */
export const outcomeOf = (order: ApiOrder): string => (order.status === 'confirmed' ? 'confirmed' : (order.cancellationReason ?? order.status));

/** What each token allows an order to end as, unless its customer cancelled it. */
const ALLOWED: Record<PaymentToken, readonly string[]> = {
  tok_visa: ['confirmed', 'insufficient_stock'],
  tok_flaky: ['confirmed', 'insufficient_stock'],
  tok_declined: ['payment_declined', 'insufficient_stock'],
  tok_timeout: ['payment_timeout', 'insufficient_stock'],
};

export interface OrderFigures {
  /** Orders by token, then by outcome. */
  outcomes: Record<string, Record<string, number>>;
  placed: number;
  /** Orders in the store that no acknowledged request placed: a retry placed a second one. */
  doubled: number;
  cancelsAsked: number;
  charges: number;
  refunds: number;
}

/** When an event was recorded, in seconds from `since`: how a violation is lined up with the fault log. */
const secondsOf = (event: RecordedEvent, since: number) => `${((event.recordedAt.getTime() - since) / 1000).toFixed(1)} s`;

export const verifyOrders = (
  ledger: SoakLedger,
  orders: readonly ApiOrder[],
  events: readonly RecordedEvent[],
  charges: readonly RecordedCharge[],
  violations: string[],
  since: number,
): OrderFigures => {
  const historyOf = (orderId: string) =>
    events
      .filter((event) => event.streamId === `order-${orderId}`)
      .map((event) => `${event.type} ${secondsOf(event, since)}`)
      .join(', ');
  const byId = new Map(orders.map((order) => [order.id, order]));
  const figures: OrderFigures = { outcomes: {}, placed: 0, doubled: 0, cancelsAsked: 0, charges: charges.length, refunds: charges.filter((charge) => charge.refunded).length };
  const acknowledged = new Set<string>();
  for (const intent of ledger.orders) {
    if (intent.status === undefined) continue; // never answered: listed with the unanswered commands
    if (intent.status !== 202) {
      violations.push(`an order was refused ${intent.status} (${intent.token}, ${JSON.stringify(intent.items)})`);
      continue;
    }
    acknowledged.add(intent.id!);
    const order = byId.get(intent.id!);
    if (!order) {
      violations.push(`acknowledged order ${intent.id} is lost: the API does not know it`);
      continue;
    }
    const outcome = outcomeOf(order);
    (figures.outcomes[intent.token] ??= {})[outcome] = (figures.outcomes[intent.token]![outcome] ?? 0) + 1;
    if (intent.cancel !== undefined) figures.cancelsAsked++;
    if (order.status === 'pending') continue; // listed below with every order still pending
    if (outcome === 'customer_request') {
      if (intent.cancel === undefined) violations.push(`order ${order.id} (${intent.token}) was cancelled for its customer, who never asked`);
    } else if (intent.cancel === 202) violations.push(`order ${order.id} (${intent.token}): the customer's cancel was accepted, yet it ended ${outcome}`);
    else if (!ALLOWED[intent.token].includes(outcome))
      violations.push(`order ${order.id} (${intent.token}) ended ${outcome}; placed by ${intent.history?.join(', ')}; its events: ${historyOf(order.id)}`);
  }

  // Every intent is sent until it has a final answer, so an order beyond the acknowledged ones was placed twice.
  const placedEvents = events.filter((event) => event.type === 'OrderPlaced');
  const placed = placedEvents.map((event) => event.data as { orderId: string; customerId: string; paymentToken: string });
  figures.placed = placed.length;
  const customers = new Set(ledger.customers.map((customer) => customer.id));
  for (const [index, order] of placed.entries()) {
    if (acknowledged.has(order.orderId) || !customers.has(order.customerId)) continue;
    figures.doubled++;
    const sameCustomer = ledger.orders.filter((intent) => intent.customer.id === order.customerId && intent.token === order.paymentToken);
    violations.push(
      `order ${order.orderId} (${order.paymentToken}) was placed at ${secondsOf(placedEvents[index]!, since)}, though no request was acknowledged with it: ` +
        `a retry placed an order twice (that customer's ${order.paymentToken} orders were sent: ${sameCustomer.map((intent) => intent.history?.join(', ')).join(' | ')})`,
    );
  }
  for (const order of orders) if (order.status === 'pending') violations.push(`order ${order.id} is still pending`);

  const chargesOf = new Map<string, RecordedCharge[]>();
  for (const charge of charges) chargesOf.set(charge.orderId, [...(chargesOf.get(charge.orderId) ?? []), charge]);
  for (const [orderId, held] of chargesOf) {
    if (held.length > 1) violations.push(`order ${orderId} was charged ${held.length} times`);
    if (!byId.has(orderId)) violations.push(`charge ${held[0]!.id} is for order ${orderId}, which the API does not know`);
  }
  const tokens = new Map(placed.map((order) => [order.orderId, order.paymentToken]));
  for (const order of orders) {
    const held = chargesOf.get(order.id) ?? [];
    const token = tokens.get(order.id);
    if (order.status === 'confirmed') {
      if (held.length !== 1 || held[0]!.refunded) violations.push(`confirmed order ${order.id}: ${held.length} charge(s), ${held.filter((c) => c.refunded).length} refunded`);
      else if (held[0]!.amount !== order.total.amount) violations.push(`confirmed order ${order.id} was charged ${held[0]!.amount}, its total is ${order.total.amount}`);
    } else if (held.some((charge) => !charge.refunded)) violations.push(`${order.status} order ${order.id} (${token}) keeps a charge that was not refunded; its events: ${historyOf(order.id)}`);
    if ((token === 'tok_declined' || token === 'tok_timeout') && held.length > 0) violations.push(`order ${order.id} (${token}) was charged`);
  }
  return figures;
};

/**
 * Stock per product: on hand = initial + the adjustments stored − what confirmed orders hold (a confirmed order a
 * customer cancelled has its stock back), nothing left reserved; each acknowledged adjustment stored once and a
 * refused one not at all; and, replayed from the product's events, available never below 0.
 */
export const verifyStock = (
  ledger: SoakLedger,
  orders: readonly ApiOrder[],
  stocks: ReadonlyMap<string, Stock>,
  events: readonly RecordedEvent[],
  violations: string[],
  since: number,
): { adjustments: number } => {
  const stored = new Map<string, number>();
  const storedAt = new Map<string, string[]>();
  const deltas = new Map<string, number>();
  const folded = new Map<string, Stock>();
  for (const event of events) {
    if (!event.streamId.startsWith('product-')) continue;
    const data = event.data as { productId: string; initialStock?: number; delta?: number; reason?: string; quantity?: number };
    const stock = folded.get(data.productId) ?? { onHand: 0, reserved: 0, available: 0 };
    if (event.type === 'ProductCreated') stock.onHand = data.initialStock!;
    if (event.type === 'StockAdjusted') {
      stock.onHand += data.delta!;
      stored.set(data.reason!, (stored.get(data.reason!) ?? 0) + 1);
      storedAt.set(data.reason!, [...(storedAt.get(data.reason!) ?? []), secondsOf(event, since)]);
      deltas.set(data.productId, (deltas.get(data.productId) ?? 0) + data.delta!);
    }
    if (event.type === 'StockReserved') stock.reserved += data.quantity!;
    if (event.type === 'StockReservationReleased') stock.reserved -= data.quantity!;
    if (event.type === 'StockReservationCommitted') {
      stock.onHand -= data.quantity!;
      stock.reserved -= data.quantity!;
    }
    if (event.type === 'StockReturned') stock.onHand += data.quantity!;
    stock.available = stock.onHand - stock.reserved;
    if (stock.available < 0 || stock.reserved < 0) violations.push(`product ${data.productId} at position ${event.position}: ${JSON.stringify(stock)}`);
    folded.set(data.productId, stock);
  }
  for (const adjustment of ledger.adjustments) {
    const times = stored.get(adjustment.reason) ?? 0;
    const when = `at ${storedAt.get(adjustment.reason)?.join(' and ')}; sent ${adjustment.history?.join(', ')}`;
    if (times > 1) violations.push(`adjustment "${adjustment.reason}" (answered ${adjustment.status}) stored ${times} times, ${when}`);
    else if (adjustment.status === 200 && times !== 1) violations.push(`acknowledged adjustment "${adjustment.reason}" stored ${times} times`);
    if (adjustment.status !== undefined && adjustment.status !== 200 && times !== 0) violations.push(`refused adjustment "${adjustment.reason}" (${adjustment.status}) stored ${times} times`);
    if (adjustment.status !== undefined && adjustment.status !== 200 && adjustment.status !== 422) violations.push(`adjustment "${adjustment.reason}" answered ${adjustment.status}`);
  }
  for (const { id, initialStock } of ledger.products) {
    const held = orders
      .filter((order) => order.status === 'confirmed')
      .flatMap((order) => order.items)
      .filter((item) => item.productId === id)
      .reduce((sum, item) => sum + item.quantity, 0);
    const onHand = initialStock + (deltas.get(id) ?? 0) - held;
    const expected = { onHand, reserved: 0, available: onHand };
    const answered = stocks.get(id);
    if (JSON.stringify(answered) !== JSON.stringify(expected)) violations.push(`product ${id}: the API says ${JSON.stringify(answered)}, expected ${JSON.stringify(expected)}`);
    if (JSON.stringify(folded.get(id)) !== JSON.stringify(expected)) violations.push(`product ${id}: its events add up to ${JSON.stringify(folded.get(id))}, expected ${JSON.stringify(expected)}`);
  }
  return { adjustments: [...stored.values()].reduce((sum, times) => sum + times, 0) };
};

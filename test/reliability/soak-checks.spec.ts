import assert from 'node:assert/strict';
import type { RecordedEvent } from '../../src/application/ports/event-store.js';
import type { RecordedCharge } from '../../src/infrastructure/payment-gateway/simulator/charge-ledger.js';
import type { Session } from '../../bench/soak/soak-client.js';
import { type CustomerRecord, emptyLedger, type SoakLedger } from '../../bench/soak/soak-ledger.js';
import { type PositionsSeen, verifyMarkets } from '../../bench/soak/verify-markets.js';
import { type ApiOrder, type Stock, verifyOrders, verifyStock } from '../../bench/soak/verify-orders.js';

// The soak's checks must be able to fail: each case below breaks one thing in an otherwise consistent run.

let position = 0n;
const event = (streamId: string, type: string, data: Record<string, unknown>): RecordedEvent => ({
  id: `e-${++position}`,
  type,
  data,
  metadata: { correlationId: 'c', causationId: 'c' },
  streamId,
  revision: 0n,
  position,
  recordedAt: new Date(0),
});

const customer: CustomerRecord = { email: 'ada@example.com', id: 'u-1', session: {} as Session };
const price = { amount: 100, currency: 'EUR' };

/** A consistent run: a product of 10, an adjustment of +5, a confirmed visa order of 2, a declined one, a market with two positions. */
const consistentRun = () => {
  const ledger: SoakLedger = emptyLedger();
  ledger.customers.push(customer);
  ledger.products.push({ id: 'p-1', initialStock: 10 });
  ledger.adjustments.push({ productId: 'p-1', delta: 5, reason: 'soak adjustment 0', status: 200 });
  ledger.orders.push({ customer, token: 'tok_visa', items: [{ productId: 'p-1', quantity: 2 }], status: 202, id: 'o-1' });
  ledger.orders.push({ customer, token: 'tok_declined', items: [{ productId: 'p-1', quantity: 1 }], status: 202, id: 'o-2' });
  ledger.markets.push({ id: 'm-1', outcomes: ['yes', 'no'], createdAt: 0, resolve: { winningOutcome: 'yes', status: 200 } });
  ledger.positions.push({ customer, marketId: 'm-1', outcome: 'yes', stake: 30, status: 201 }, { customer, marketId: 'm-1', outcome: 'no', stake: 70, status: 201 });
  const orders: ApiOrder[] = [
    { id: 'o-1', status: 'confirmed', cancellationReason: null, items: [{ productId: 'p-1', quantity: 2 }], total: { amount: 200, currency: 'EUR' } },
    { id: 'o-2', status: 'cancelled', cancellationReason: 'payment_declined', items: [{ productId: 'p-1', quantity: 1 }], total: { amount: 100, currency: 'EUR' } },
  ];
  const events = [
    event('product-p-1', 'ProductCreated', { productId: 'p-1', initialStock: 10, price }),
    event('product-p-1', 'StockAdjusted', { productId: 'p-1', delta: 5, reason: 'soak adjustment 0' }),
    event('order-o-1', 'OrderPlaced', { orderId: 'o-1', customerId: 'u-1', paymentToken: 'tok_visa' }),
    event('order-o-2', 'OrderPlaced', { orderId: 'o-2', customerId: 'u-1', paymentToken: 'tok_declined' }),
    event('product-p-1', 'StockReserved', { productId: 'p-1', orderId: 'o-1', quantity: 2 }),
    event('product-p-1', 'StockReserved', { productId: 'p-1', orderId: 'o-2', quantity: 1 }),
    event('product-p-1', 'StockReservationCommitted', { productId: 'p-1', orderId: 'o-1', quantity: 2 }),
    event('product-p-1', 'StockReservationReleased', { productId: 'p-1', orderId: 'o-2', quantity: 1 }),
    event('market-m-1', 'PositionPlaced', { marketId: 'm-1', positionId: 'pos-1', userId: 'u-1', outcome: 'yes', stake: 30 }),
    event('market-m-1', 'PositionPlaced', { marketId: 'm-1', positionId: 'pos-2', userId: 'u-1', outcome: 'no', stake: 70 }),
    event('market-m-1', 'MarketResolved', { marketId: 'm-1', winningOutcome: 'yes' }),
    event('market-m-1', 'PayoutRecorded', { marketId: 'm-1', positionId: 'pos-1', amount: 100 }),
    event('market-m-1', 'PayoutRecorded', { marketId: 'm-1', positionId: 'pos-2', amount: 0 }),
  ];
  const charges: RecordedCharge[] = [{ id: 'ch-1', orderId: 'o-1', amount: 200, currency: 'EUR', status: 'succeeded', refunded: false, refundId: null }];
  const stocks = new Map<string, Stock>([['p-1', { onHand: 13, reserved: 0, available: 13 }]]);
  const seen: PositionsSeen = new Map([
    ['m-1', new Map([[customer.email, [{ outcome: 'yes', stake: 30, payout: 100 }, { outcome: 'no', stake: 70, payout: 0 }]]])],
  ]);
  return { ledger, orders, events, charges, stocks, seen };
};

type Run = ReturnType<typeof consistentRun>;

const violationsOf = (run: Run): string[] => {
  const violations: string[] = [];
  verifyOrders(run.ledger, run.orders, run.events, run.charges, violations, 0);
  verifyStock(run.ledger, run.orders, run.stocks, run.events, violations, 0);
  verifyMarkets(run.ledger, run.events, run.seen, violations);
  return violations;
};

const breaks = (title: string, change: (run: Run) => void, expected: RegExp) =>
  it(`finds ${title}`, () => {
    const run = consistentRun();
    change(run);
    const violations = violationsOf(run);
    assert.ok(violations.some((violation) => expected.test(violation)), violations.join('\n') || 'no violation');
  });

describe('the soak’s checks', () => {
  it('find nothing wrong in a consistent run', () => assert.deepEqual(violationsOf(consistentRun()), []));

  breaks('an acknowledged order the API does not know', (run) => run.orders.shift(), /acknowledged order o-1 is lost/);
  breaks('a visa order that ended otherwise than confirmed', (run) => Object.assign(run.orders[0]!, { status: 'cancelled', cancellationReason: 'payment_timeout' }), /o-1 \(tok_visa\) ended payment_timeout/);
  breaks('a cancellation for a customer who never asked', (run) => Object.assign(run.orders[1]!, { cancellationReason: 'customer_request' }), /never asked/);
  breaks('an order placed twice by a retry', (run) => run.events.push(event('order-o-3', 'OrderPlaced', { orderId: 'o-3', customerId: 'u-1', paymentToken: 'tok_visa' })), /placed an order twice/);
  breaks('an order still pending', (run) => Object.assign(run.orders[1]!, { status: 'pending', cancellationReason: null }), /o-2 is still pending/);
  breaks('an order charged twice', (run) => run.charges.push({ ...run.charges[0]!, id: 'ch-2' }), /charged 2 times/);
  breaks('a confirmed order never charged', (run) => run.charges.pop(), /confirmed order o-1: 0 charge/);
  breaks('a cancelled order that keeps its charge', (run) => run.charges.push({ id: 'ch-2', orderId: 'o-2', amount: 100, currency: 'EUR', status: 'succeeded', refunded: false, refundId: null }), /o-2 .* keeps a charge/);
  breaks('an adjustment stored twice', (run) => run.events.push(event('product-p-1', 'StockAdjusted', { productId: 'p-1', delta: 5, reason: 'soak adjustment 0' })), /stored 2 times/);
  breaks('an acknowledged adjustment that is not stored', (run) => run.ledger.adjustments.push({ productId: 'p-1', delta: 1, reason: 'soak adjustment 1', status: 200 }), /soak adjustment 1" stored 0 times/);
  breaks('stock the API answers wrong', (run) => run.stocks.set('p-1', { onHand: 14, reserved: 0, available: 14 }), /the API says/);
  breaks('available below 0 in the events', (run) => run.events.push(event('product-p-1', 'StockReserved', { productId: 'p-1', orderId: 'o-9', quantity: 20 })), /"available":-/);
  breaks('a position paid more than the parimutuel rule', (run) => Object.assign(run.events.find((each) => each.type === 'PayoutRecorded')!.data as object, { amount: 101 }), /pos-1 on m-1: paid \[101\], owed 100/);
  breaks('a position paid twice', (run) => run.events.push(event('market-m-1', 'PayoutRecorded', { marketId: 'm-1', positionId: 'pos-2', amount: 0 })), /pos-2 on m-1: paid \[0,0\]/);
  breaks('a market never resolved', (run) => run.events.splice(run.events.findIndex((each) => each.type === 'MarketResolved'), 1), /m-1 was never resolved/);
  breaks('an acknowledged position that is not recorded', (run) => run.ledger.positions.push({ customer, marketId: 'm-1', outcome: 'yes', stake: 5, status: 201 }), /3 positions acknowledged, 2 recorded/);
  breaks('payouts the API shows otherwise', (run) => run.seen.get('m-1')!.set(customer.email, [{ outcome: 'yes', stake: 30, payout: 99 }, { outcome: 'no', stake: 70, payout: 0 }]), /the API shows/);
});

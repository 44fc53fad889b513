import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { MarketCommand } from '../../src/domain/markets/commands.js';
import type { MarketEvent } from '../../src/domain/markets/events.js';
import { marketDecider } from '../../src/domain/markets/market.js';
import { settle } from '../../src/domain/markets/parimutuel.js';
import type { OrderCommand } from '../../src/domain/orders/commands.js';
import type { OrderEvent } from '../../src/domain/orders/events.js';
import { orderDecider } from '../../src/domain/orders/order.js';
import type { ProductCommand } from '../../src/domain/products/commands.js';
import type { ProductEvent } from '../../src/domain/products/events.js';
import { available, productDecider } from '../../src/domain/products/product.js';
import type { Decider, DomainEvent } from '../../src/domain/shared/decider.js';
import { DomainError } from '../../src/domain/shared/errors.js';
import { existing } from '../support/decider-spec.js';

// Seeded, so that CI runs the same cases every time; PROPERTY_SEED=<n> explores others (a failure prints its seed and path).
const runs = { seed: Number(process.env.PROPERTY_SEED ?? 20_240_612), numRuns: 400 };

/** Folds the commands through the decider as the command handler does: a refusal appends nothing. */
const run = <State, Command, Event extends DomainEvent>(
  decider: Decider<State, Command, Event>,
  commands: readonly Command[],
  after: (state: State, events: readonly Event[], history: readonly Event[]) => void = () => undefined,
): { state: State; history: Event[] } => {
  let state = decider.initialState();
  const history: Event[] = [];
  for (const command of commands) {
    let events: Event[];
    try {
      events = decider.decide(command, state);
    } catch (error) {
      if (error instanceof DomainError) continue;
      throw error;
    }
    for (const event of events) state = decider.evolve(state, event);
    history.push(...events);
    after(state, events, history);
  }
  return { state, history };
};

const orderIds = ['o-1', 'o-2', 'o-3', 'o-4', 'o-5'];

const productCommand: fc.Arbitrary<ProductCommand> = fc.oneof(
  fc
    .record({ delta: fc.integer({ min: -60, max: 60 }).filter((delta) => delta !== 0), reason: fc.constant('count') })
    .map((data) => ({ type: 'AdjustStock' as const, data })),
  fc
    .record({ orderId: fc.constantFrom(...orderIds), quantity: fc.integer({ min: 1, max: 30 }) })
    .map((data) => ({ type: 'ReserveStock' as const, data })),
  fc.constantFrom(...orderIds).map((orderId) => ({ type: 'CommitReservation' as const, data: { orderId } })),
  fc.constantFrom(...orderIds).map((orderId) => ({ type: 'ReleaseReservation' as const, data: { orderId } })),
  fc.constantFrom(...orderIds).map((orderId) => ({ type: 'ReturnStock' as const, data: { orderId } })),
);

const createProduct = (initialStock: number): ProductCommand => ({
  type: 'CreateProduct',
  data: { productId: 'p-1', sku: 'SKU-1', name: 'Mug', description: '', price: { amount: 100, currency: 'EUR' }, initialStock, createdBy: 'admin' },
});

describe('decider properties (fast-check): no command sequence breaks an invariant', () => {
  it('a product: on hand, reserved and available never go below 0, and reserved is what the held reservations add up to', () =>
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.array(productCommand, { maxLength: 60 }), (initialStock, commands) => {
        run(productDecider, [createProduct(initialStock), ...commands], (folded) => {
          const state = existing(folded);
          assert.ok(state.onHand >= 0, `onHand ${state.onHand}`);
          assert.ok(state.reserved >= 0, `reserved ${state.reserved}`);
          assert.ok(available(state) >= 0, `available ${available(state)}`);
          const held = [...state.reservations.values()].filter((r) => r.status === 'reserved').reduce((sum, r) => sum + r.quantity, 0);
          assert.equal(state.reserved, held);
        });
      }),
      runs,
    ));

  it('a product: each order reserves at most once, and commits, releases or returns only what it reserved, once each', () =>
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.array(productCommand, { maxLength: 60 }), (initialStock, commands) => {
        const { history } = run(productDecider, [createProduct(initialStock), ...commands]);
        const byOrder = (type: ProductEvent['type'], orderId: string) =>
          history.filter((event) => event.type === type && (event.data as { orderId: string }).orderId === orderId).length;
        for (const orderId of orderIds) {
          assert.ok(byOrder('StockReserved', orderId) + byOrder('StockReservationRejected', orderId) <= 1);
          const settled = byOrder('StockReservationCommitted', orderId) + byOrder('StockReservationReleased', orderId);
          assert.ok(settled <= byOrder('StockReserved', orderId), `${orderId} settled ${settled} times`);
          assert.ok(byOrder('StockReturned', orderId) <= byOrder('StockReservationCommitted', orderId));
        }
      }),
      runs,
    ));

  const outcomes = ['yes', 'no', 'maybe'];
  const users = ['u-1', 'u-2', 'u-3'];
  const closesAt = '2030-01-01T00:00:00.000Z';
  const instant = fc.constantFrom('2029-06-01T00:00:00.000Z', '2029-12-31T23:59:59.999Z', closesAt, '2030-06-01T00:00:00.000Z');
  const positionIds = Array.from({ length: 12 }, (_, index) => `pos-${index}`);
  const placePosition = (stake: fc.Arbitrary<number>, now: fc.Arbitrary<string>, outcome: fc.Arbitrary<string>): fc.Arbitrary<MarketCommand> =>
    fc
      .record({ positionId: fc.constantFrom(...positionIds), userId: fc.constantFrom(...users), outcome, stake, now })
      .map((data) => ({ type: 'PlacePosition' as const, data }));
  /** Positions the market takes, so that most markets are resolved with several winners. */
  const acceptedPosition = placePosition(fc.integer({ min: 1, max: 10_000 }), fc.constant('2029-06-01T00:00:00.000Z'), fc.constantFrom(...outcomes));
  const marketCommand: fc.Arbitrary<MarketCommand> = fc.oneof(
    { weight: 6, arbitrary: placePosition(fc.integer({ min: -5, max: 20_000 }), instant, fc.constantFrom(...outcomes, 'perhaps')) },
    { weight: 1, arbitrary: instant.map((now) => ({ type: 'CloseMarket' as const, data: { now } })) },
    { weight: 1, arbitrary: fc
      .record({ winningOutcome: fc.constantFrom(...outcomes, 'perhaps'), now: instant })
      .map((data) => ({ type: 'ResolveMarket' as const, data })) },
    { weight: 3, arbitrary: fc.constantFrom(...positionIds).map((positionId) => ({ type: 'RecordPayout' as const, data: { positionId } })) },
  );
  const createMarket: MarketCommand = {
    type: 'CreateMarket',
    data: { marketId: 'm-1', question: 'Will it?', outcomes, closesAt, createdBy: 'admin', now: '2029-01-01T00:00:00.000Z' },
  };

  it('a market: never pays out more than its pool, pays each position once, and only as the parimutuel rule says', () =>
    fc.assert(
      fc.property(fc.array(acceptedPosition, { maxLength: 30 }), fc.array(marketCommand, { maxLength: 40 }), (positions, commands) => {
        const { state, history } = run(marketDecider, [createMarket, ...positions, ...commands]);
        const resolutions = history.filter((event): event is Extract<MarketEvent, { type: 'MarketResolved' }> => event.type === 'MarketResolved');
        assert.ok(resolutions.length <= 1, 'resolved once');
        const stakes = history.flatMap((event) => (event.type === 'PositionPlaced' ? [event.data] : []));
        const pool = stakes.reduce((sum, position) => sum + position.stake, 0);
        const recorded = history.flatMap((event) => (event.type === 'PayoutRecorded' ? [event.data] : []));
        assert.equal(new Set(recorded.map((payout) => payout.positionId)).size, recorded.length, 'each payout recorded once');
        assert.ok(recorded.reduce((sum, payout) => sum + payout.amount, 0) <= pool, 'recorded payouts within the pool');
        const [resolution] = resolutions;
        if (resolution === undefined) return assert.equal(recorded.length, 0, 'nothing paid before resolution');
        const { payouts, totalPool, winningPool, winningOutcome } = resolution.data;
        assert.equal(totalPool, pool);
        assert.ok(payouts.reduce((sum, payout) => sum + payout.payout, 0) <= totalPool, 'payouts within the pool');
        for (const payout of payouts) {
          const expected =
            winningPool === 0 ? payout.stake : payout.outcome === winningOutcome ? Math.floor((payout.stake * totalPool) / winningPool) : 0;
          assert.equal(payout.payout, expected, `payout of ${payout.positionId}`);
        }
        for (const payout of recorded) assert.equal(payout.amount, existing(state).payouts.get(payout.positionId));
        assert.ok(!history.slice(history.indexOf(resolution)).some((event) => event.type === 'PositionPlaced'), 'no position after resolution');
      }),
      runs,
    ));

  it('parimutuel settlement: the payouts never exceed the pool and lose less than one unit per winner to rounding', () =>
    fc.assert(
      fc.property(
        fc.array(fc.record({ outcome: fc.constantFrom('a', 'b', 'c'), stake: fc.integer({ min: 1, max: 10_000 }) }), { maxLength: 200 }),
        fc.constantFrom('a', 'b', 'c'),
        (stakes, winner) => {
          const positions = stakes.map((stake, index) => ({ positionId: `p-${index}`, userId: 'u', ...stake }));
          const { totalPool, winningPool, payouts } = settle(positions, winner);
          const paid = payouts.reduce((sum, payout) => sum + payout.payout, 0);
          assert.ok(paid <= totalPool);
          const winners = winningPool === 0 ? 0 : payouts.filter((payout) => payout.outcome === winner).length;
          assert.ok(totalPool - paid <= Math.max(0, winners - 1) || (winners === 0 && paid === totalPool), `kept ${totalPool - paid}`);
        },
      ),
      runs,
    ));

  const products = ['p-1', 'p-2'];
  const orderCommand: fc.Arbitrary<OrderCommand> = fc.oneof(
    fc.constantFrom(...products).map((productId) => ({ type: 'NoteStockReserved' as const, data: { productId, paymentDueAt: '2030-01-01T00:00:30.000Z' } })),
    fc.constantFrom(...products).map((productId) => ({ type: 'NoteStockReservationFailed' as const, data: { productId } })),
    fc.constant({ type: 'RequestPayment' as const, data: { dueAt: '2030-01-01T00:00:30.000Z' } }),
    fc.constantFrom('ch_1', 'ch_2').map((paymentId) => ({ type: 'NotePaymentCaptured' as const, data: { paymentId } })),
    fc.constant({ type: 'NotePaymentDeclined' as const, data: { reason: 'card_declined' } }),
    fc.constant({ type: 'NotePaymentTimedOut' as const, data: {} }),
    fc.constant({ type: 'ConfirmOrder' as const, data: {} }),
    fc.constantFrom('ch_1', 'ch_2').map((paymentId) => ({ type: 'NoteRefunded' as const, data: { paymentId } })),
    fc
      .record({ reason: fc.constantFrom('insufficient_stock', 'payment_declined', 'payment_timeout', 'customer_request'), by: fc.option(fc.constant('u-1'), { nil: undefined }) })
      .map(({ reason, by }) => ({ type: 'CancelOrder' as const, data: by === undefined ? { reason } : { reason, by } })),
  );
  const placeOrder: OrderCommand = {
    type: 'PlaceOrder',
    data: {
      orderId: 'o-1',
      customerId: 'u-1',
      items: products.map((productId) => ({ productId, quantity: 2, unitPrice: { amount: 500, currency: 'EUR' } })),
      paymentToken: 'tok_visa',
      placedAt: '2030-01-01T00:00:00.000Z',
    },
  };

  /** The saga's happy path, parts of it in order, between random commands: most orders get far enough to be confirmed. */
  const happyPath: OrderCommand[] = [
    ...products.map((productId) => ({ type: 'NoteStockReserved' as const, data: { productId, paymentDueAt: '2030-01-01T00:00:30.000Z' } })),
    { type: 'RequestPayment', data: { dueAt: '2030-01-01T00:00:30.000Z' } },
    { type: 'NotePaymentCaptured', data: { paymentId: 'ch_1' } },
    { type: 'ConfirmOrder', data: {} },
  ];
  const orderCommands = fc
    .tuple(fc.array(orderCommand, { maxLength: 3 }), fc.subarray(happyPath), fc.array(orderCommand, { maxLength: 30 }))
    .map(([before, path, after]) => [...before, ...path, ...after]);

  it('an order: never both confirmed and cancelled by the saga; confirmed only when reserved and paid; charged, refunded, ended once', () =>
    fc.assert(
      fc.property(orderCommands, (commands) => {
        const { history } = run(orderDecider, [placeOrder, ...commands]);
        const types = history.map((event) => event.type);
        const count = (type: OrderEvent['type']) => types.filter((each) => each === type).length;
        assert.ok(count('OrderConfirmed') <= 1 && count('OrderCancelled') <= 1, types.join(' '));
        assert.ok(count('OrderPaymentCaptured') <= 1 && count('OrderRefunded') <= 1, types.join(' '));
        const confirmed = types.indexOf('OrderConfirmed');
        const cancelled = history.findIndex((event) => event.type === 'OrderCancelled');
        if (confirmed >= 0) {
          assert.ok(cancelled < 0 || cancelled > confirmed, 'never confirmed once cancelled');
          const before = types.slice(0, confirmed);
          assert.ok(before.includes('OrderPaymentCaptured'), 'confirmed only once paid');
          assert.equal(before.filter((type) => type === 'OrderStockReserved').length, products.length, 'confirmed only once every item is reserved');
        }
        if (cancelled >= 0 && confirmed >= 0) {
          const cancellation = history[cancelled] as Extract<OrderEvent, { type: 'OrderCancelled' }>;
          assert.equal(cancellation.data.reason, 'customer_request', 'only a person cancels a confirmed order');
          assert.equal(cancellation.data.previousStatus, 'confirmed');
        }
        if (count('OrderRefunded') === 1) {
          assert.ok(count('OrderPaymentCaptured') === 1 && cancelled >= 0 && types.indexOf('OrderRefunded') > cancelled, 'refunds a captured, cancelled order');
        }
      }),
      runs,
    ));
});

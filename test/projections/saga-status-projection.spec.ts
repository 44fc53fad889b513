import type { MarketEvent } from '../../src/domain/markets/events.js';
import type { OrderEvent } from '../../src/domain/orders/events.js';
import type { ProductEvent } from '../../src/domain/products/events.js';
import type { SagaEvent } from '../../sagas/saga-log/events.js';
import type { SagaDocument, SagaStep } from '../../sagas/saga-status/saga-document.js';
import { sagaStatusProjection } from '../../sagas/saga-status/saga-status-projection.js';
import { projectionSpec, RECORDED_AT, recorder } from '../support/projection-spec.js';

const { given } = projectionSpec(sagaStatusProjection);
const orderId = 'o-1';
const at = RECORDED_AT.toISOString();
const eur = (amount: number) => ({ amount, currency: 'EUR' });
const dueAt = '2025-01-01T10:00:30.000Z';

type Event = OrderEvent | ProductEvent | MarketEvent | SagaEvent;
const events = () => {
  const record = recorder<Event>((event) => ('productId' in event.data && event.type.startsWith('Stock') ? `product-${event.data.productId}` : `order-${orderId}`));
  return {
    placed: record({
      type: 'OrderPlaced',
      data: { orderId, customerId: 'u-1', items: [{ productId: 'p-mug', quantity: 2, unitPrice: eur(1250) }], total: eur(2500), paymentToken: 'tok_visa', placedAt: at },
    }),
    reserved: record({ type: 'StockReserved', data: { productId: 'p-mug', orderId, quantity: 2 } }),
    requested: record({ type: 'OrderPaymentRequested', data: { orderId, amount: eur(2500), dueAt } }),
    attemptFailed: record({ type: 'SagaStepAttemptFailed', data: { sagaId: orderId, sagaType: 'order-fulfilment', step: 'charge-payment', attempt: 1, error: 'gateway down' } }),
    captured: record({ type: 'OrderPaymentCaptured', data: { orderId, paymentId: 'ch-1', refundDue: false } }),
    declined: record({ type: 'OrderPaymentDeclined', data: { orderId, reason: 'card_declined' } }),
    confirmed: record({ type: 'OrderConfirmed', data: { orderId } }),
    committed: record({ type: 'StockReservationCommitted', data: { productId: 'p-mug', orderId, quantity: 2 } }),
    cancelled: record({ type: 'OrderCancelled', data: { orderId, reason: 'payment_declined', previousStatus: 'pending', refundDue: false } }),
    released: record({ type: 'StockReservationReleased', data: { productId: 'p-mug', orderId, quantity: 2 } }),
    deadLettered: record({
      type: 'SagaStepDeadLettered',
      data: {
        sagaId: orderId,
        sagaType: 'order-fulfilment',
        step: 'charge-payment',
        attempts: 3,
        error: 'gateway answered 400',
        reaction: { saga: 'order-fulfilment', sagaId: orderId, step: 'charge-payment', kind: 'charge', orderId, amount: eur(2500), token: 'tok_visa' },
      },
    }),
  };
};

const step = (name: string, status: SagaStep['status'], attempts: number, error: string | null = null): SagaStep => ({ name, status, at, attempts, error });
const saga = (overrides: Partial<SagaDocument>): SagaDocument => ({
  id: orderId,
  type: 'order-fulfilment',
  status: 'running',
  startedAt: at,
  updatedAt: at,
  steps: [],
  pendingTimeout: null,
  version: 1,
  correlationId: 'spec',
  fulfilment: { order: 'pending', cancelledWhen: null, productIds: ['p-mug'], products: {}, refundDue: false },
  ...overrides,
});

describe('saga-status projection', () => {
  it('starts an order-fulfilment saga with a pending reservation per item', () => {
    const { placed } = events();
    return given().when(placed).then({ sagas: { [orderId]: saga({ steps: [step('reserve-stock:p-mug', 'pending', 0)] }) } });
  });

  it('shows the pending payment timeout while the payment is awaited', () => {
    const { placed, reserved, requested } = events();
    return given(placed, reserved).when(requested).then({
      sagas: {
        [orderId]: saga({
          steps: [step('reserve-stock:p-mug', 'succeeded', 1), step('charge-payment', 'pending', 0)],
          pendingTimeout: { dueAt },
          version: 3,
          fulfilment: { order: 'pending', cancelledWhen: null, productIds: ['p-mug'], products: { 'p-mug': 'reserved' }, refundDue: false },
        }),
      },
    });
  });

  it('completes once the order is confirmed and its stock committed, counting a failed attempt', () => {
    const { placed, reserved, requested, attemptFailed, captured, confirmed, committed } = events();
    return given(placed, reserved, requested, attemptFailed, captured, confirmed).when(committed).then({
      sagas: {
        [orderId]: saga({
          status: 'completed',
          steps: [
            step('reserve-stock:p-mug', 'succeeded', 1),
            step('charge-payment', 'succeeded', 2),
            step('confirm-order', 'succeeded', 1),
            step('commit-stock:p-mug', 'succeeded', 1),
          ],
          version: 7,
          fulfilment: { order: 'confirmed', cancelledWhen: null, productIds: ['p-mug'], products: { 'p-mug': 'committed' }, refundDue: false },
        }),
      },
    });
  });

  it('is compensated once a declined order has released its stock, and says why', () => {
    const { placed, reserved, requested, declined, cancelled, released } = events();
    return given(placed, reserved, requested, declined, cancelled).when(released).then({
      sagas: {
        [orderId]: saga({
          status: 'compensated',
          steps: [
            step('reserve-stock:p-mug', 'succeeded', 1),
            step('charge-payment', 'rejected', 1, 'card_declined'),
            step('cancel-order:payment_declined', 'succeeded', 1),
            step('release-stock:p-mug', 'succeeded', 1),
          ],
          version: 6,
          fulfilment: { order: 'cancelled', cancelledWhen: 'pending', productIds: ['p-mug'], products: { 'p-mug': 'released' }, refundDue: false },
        }),
      },
    });
  });

  it('fails on a dead letter, and the same event again changes nothing', () => {
    const { placed, reserved, requested, deadLettered } = events();
    return given(placed, reserved, requested).when(deadLettered, deadLettered).then({
      sagas: {
        [orderId]: saga({
          status: 'failed',
          steps: [step('reserve-stock:p-mug', 'succeeded', 1), step('charge-payment', 'failed', 3, 'gateway answered 400')],
          pendingTimeout: { dueAt },
          version: 4,
          fulfilment: { order: 'pending', cancelledWhen: null, productIds: ['p-mug'], products: { 'p-mug': 'reserved' }, refundDue: false },
        }),
      },
    });
  });

  it('completes a market settlement once every payout is recorded', () => {
    const record = recorder<MarketEvent>(() => 'market-m-1');
    const resolved = record({
      type: 'MarketResolved',
      data: {
        marketId: 'm-1',
        winningOutcome: 'yes',
        totalPool: 3,
        winningPool: 1,
        payouts: [
          { positionId: 'p-1', userId: 'u-1', outcome: 'yes', stake: 1, payout: 3 },
          { positionId: 'p-2', userId: 'u-2', outcome: 'no', stake: 2, payout: 0 },
        ],
        resolvedAt: at,
      },
    });
    const paid = (positionId: string, amount: number) => record({ type: 'PayoutRecorded', data: { marketId: 'm-1', positionId, userId: 'u', amount } });
    return given(resolved, paid('p-1', 3)).when(paid('p-2', 0)).then({
      sagas: {
        'm-1': {
          id: 'm-1',
          type: 'market-settlement',
          status: 'completed',
          startedAt: at,
          updatedAt: at,
          steps: [step('record-payout:p-1', 'succeeded', 1), step('record-payout:p-2', 'succeeded', 1)],
          pendingTimeout: null,
          version: 3,
          correlationId: 'spec',
          fulfilment: null,
        },
      },
    });
  });
});

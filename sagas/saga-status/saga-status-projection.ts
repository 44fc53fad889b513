import type { RecordedEvent } from '../../src/application/ports/event-store.js';
import type { MarketEvent } from '../../src/domain/markets/events.js';
import type { OrderEvent } from '../../src/domain/orders/events.js';
import type { ProductEvent } from '../../src/domain/products/events.js';
import type { SagaEvent } from '../saga-log/events.js';
import type { DocumentProjection, Projection } from '../../src/projections/projection.js';
import type { FulfilmentProgress, SagaDocument, SagaStatus } from './saga-document.js';
import { stepsSummary, withFailedAttempt, withPendingSteps, withStep } from './steps.js';

type Recorded = RecordedEvent & (OrderEvent | ProductEvent | MarketEvent | SagaEvent);

/** Done when nothing is left to do: confirmed with every item committed, or cancelled with everything given back. */
const fulfilmentStatus = (progress: FulfilmentProgress): SagaStatus => {
  if (progress.order === 'pending') return 'running';
  if (progress.order === 'confirmed') return progress.productIds.every((id) => progress.products[id] === 'committed') ? 'completed' : 'running';
  const held = Object.values(progress.products);
  const givenBack = !held.includes('reserved') && (progress.cancelledWhen !== 'confirmed' || !held.includes('committed'));
  return givenBack && !progress.refundDue ? 'compensated' : 'running';
};

const statusOf = (steps: SagaDocument['steps'], fulfilment: FulfilmentProgress | null): SagaStatus => {
  const { failed, allSucceeded } = stepsSummary(steps);
  if (failed) return 'failed';
  if (fulfilment) return fulfilmentStatus(fulfilment);
  return allSucceeded ? 'completed' : 'running';
};

const started = (event: Recorded, when: string, id: string, type: SagaDocument['type'], fulfilment: FulfilmentProgress | null): SagaDocument => ({
  id,
  type,
  status: 'running',
  startedAt: when,
  updatedAt: when,
  steps: [],
  pendingTimeout: null,
  version: 0,
  correlationId: event.metadata.correlationId,
  fulfilment,
});

const withProduct = (saga: SagaDocument, productId: string, reservation: FulfilmentProgress['products'][string]): Partial<SagaDocument> =>
  saga.fulfilment ? { fulfilment: { ...saga.fulfilment, products: { ...saga.fulfilment.products, [productId]: reservation } } } : {};

const withOrder = (saga: SagaDocument, change: Partial<FulfilmentProgress>): Partial<SagaDocument> =>
  saga.fulfilment ? { fulfilment: { ...saga.fulfilment, ...change } } : {};

/** The saga's steps and state after one event, before its status and bookkeeping are brought up to date. */
const applied = (saga: SagaDocument, event: Recorded, when: string): SagaDocument => {
  switch (event.type) {
    case 'StockReserved':
      return { ...saga, ...withProduct(saga, event.data.productId, 'reserved'), steps: withStep(saga.steps, `reserve-stock:${event.data.productId}`, 'succeeded', when) };
    case 'StockReservationRejected': {
      const error = `${event.data.quantity} asked, ${event.data.available} available`;
      const steps = withStep(saga.steps, `reserve-stock:${event.data.productId}`, 'rejected', when, error);
      return { ...saga, ...withProduct(saga, event.data.productId, 'rejected'), steps };
    }
    case 'StockReservationCommitted':
      return { ...saga, ...withProduct(saga, event.data.productId, 'committed'), steps: withStep(saga.steps, `commit-stock:${event.data.productId}`, 'succeeded', when) };
    case 'StockReservationReleased':
      return { ...saga, ...withProduct(saga, event.data.productId, 'released'), steps: withStep(saga.steps, `release-stock:${event.data.productId}`, 'succeeded', when) };
    case 'StockReturned':
      return { ...saga, ...withProduct(saga, event.data.productId, 'returned'), steps: withStep(saga.steps, `return-stock:${event.data.productId}`, 'succeeded', when) };
    case 'OrderPaymentRequested':
      return { ...saga, steps: withStep(saga.steps, 'charge-payment', 'pending', when), pendingTimeout: { dueAt: event.data.dueAt } };
    case 'OrderPaymentCaptured': {
      const steps = withStep(saga.steps, 'charge-payment', 'succeeded', when);
      const refund = event.data.refundDue ? withPendingSteps(steps, ['refund-payment'], when) : steps;
      return { ...saga, ...withOrder(saga, { refundDue: event.data.refundDue }), steps: refund, pendingTimeout: null };
    }
    case 'OrderPaymentDeclined':
      return { ...saga, steps: withStep(saga.steps, 'charge-payment', 'rejected', when, event.data.reason), pendingTimeout: null };
    case 'OrderPaymentTimedOut':
      return { ...saga, steps: withStep(saga.steps, 'charge-payment', 'rejected', when, 'no outcome before the payment deadline'), pendingTimeout: null };
    case 'OrderConfirmed': {
      const commits = (saga.fulfilment?.productIds ?? []).map((id) => `commit-stock:${id}`);
      const steps = withPendingSteps(withStep(saga.steps, 'confirm-order', 'succeeded', when), commits, when);
      return { ...saga, ...withOrder(saga, { order: 'confirmed' }), steps };
    }
    case 'OrderCancelled': {
      const { reason, previousStatus, refundDue } = event.data;
      const products = saga.fulfilment?.products ?? {};
      const giveBack = Object.entries(products)
        .filter(([, held]) => held === 'reserved' || (previousStatus === 'confirmed' && held === 'committed'))
        .map(([id]) => `${previousStatus === 'confirmed' ? 'return' : 'release'}-stock:${id}`);
      const steps = withPendingSteps(withStep(saga.steps, `cancel-order:${reason}`, 'succeeded', when), [...giveBack, ...(refundDue ? ['refund-payment'] : [])], when);
      return { ...saga, ...withOrder(saga, { order: 'cancelled', cancelledWhen: previousStatus, refundDue }), steps, pendingTimeout: null };
    }
    case 'OrderRefunded':
      return { ...saga, ...withOrder(saga, { refundDue: false }), steps: withStep(saga.steps, 'refund-payment', 'succeeded', when) };
    case 'PayoutRecorded':
      return { ...saga, steps: withStep(saga.steps, `record-payout:${event.data.positionId}`, 'succeeded', when) };
    case 'SagaStepAttemptFailed':
      return { ...saga, steps: withFailedAttempt(saga.steps, event.data.step, 'retrying', event.data.attempt, event.data.error, when) };
    case 'SagaStepDeadLettered':
      return { ...saga, steps: withFailedAttempt(saga.steps, event.data.step, 'failed', event.data.attempts, event.data.error, when) };
    case 'SagaRetried': {
      const retried = new Set(event.data.steps);
      return { ...saga, steps: saga.steps.map((step) => (retried.has(step.name) && step.status === 'failed' ? { ...step, status: 'retrying', at: when } : step)) };
    }
    default:
      return saga;
  }
};

const sagaIdOf = (event: Recorded): string => {
  switch (event.type) {
    case 'MarketResolved':
    case 'PayoutRecorded':
      return event.data.marketId;
    case 'SagaStepAttemptFailed':
    case 'SagaStepDeadLettered':
    case 'SagaRetried':
      return event.data.sagaId;
    default:
      return 'orderId' in event.data ? event.data.orderId : '';
  }
};

/** One document per saga, keyed by the order's or the market's id. */
export const sagaDocuments: DocumentProjection<Recorded, SagaDocument> = {
  collection: 'sagas',
  eventTypes: [
    'OrderPlaced',
    'StockReserved',
    'StockReservationRejected',
    'StockReservationCommitted',
    'StockReservationReleased',
    'StockReturned',
    'OrderPaymentRequested',
    'OrderPaymentCaptured',
    'OrderPaymentDeclined',
    'OrderPaymentTimedOut',
    'OrderConfirmed',
    'OrderCancelled',
    'OrderRefunded',
    'MarketResolved',
    'PayoutRecorded',
    'SagaStepAttemptFailed',
    'SagaStepDeadLettered',
    'SagaRetried',
  ],
  documentIds: (event) => {
    const id = sagaIdOf(event);
    return id === '' ? [] : [id];
  },
  evolve(document, event, id) {
    let saga = document;
    const when = event.recordedAt.toISOString();
    if (event.type === 'OrderPlaced') {
      if (saga !== null) return saga;
      const productIds = event.data.items.map((item) => item.productId);
      saga = started(event, when, id, 'order-fulfilment', { order: 'pending', cancelledWhen: null, productIds, products: {}, refundDue: false });
      saga.steps = withPendingSteps([], productIds.map((productId) => `reserve-stock:${productId}`), when);
    } else if (event.type === 'MarketResolved') {
      if (saga !== null) return saga;
      saga = started(event, when, id, 'market-settlement', null);
      saga.steps = withPendingSteps([], event.data.payouts.map((payout) => `record-payout:${payout.positionId}`), when);
    } else {
      // Events of sagas that started before the view (e.g. market events before resolution) have nothing to update.
      if (saga === null) return null;
      saga = applied(saga, event, when);
    }
    return { ...saga, updatedAt: when, version: saga.version + 1, status: statusOf(saga.steps, saga.fulfilment) };
  },
};

export const sagaStatusProjection: Projection = {
  name: 'sagas',
  collections: [{ name: 'sagas', indexes: ['type', 'status', 'startedAt'] }],
  documents: [sagaDocuments],
};

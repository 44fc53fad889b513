// Which saga and which of its steps an event is about: the saga-status view's reading of the events
// (sagas/saga-status/saga-status-projection.ts), so that the timeline can link each step to the events that recorded it.

/** The saga an event belongs to (the order's or market's id), or '' for none. */
export const sagaIdOf = (event) => {
  const data = event.data ?? {};
  switch (event.type) {
    case 'MarketResolved':
    case 'PayoutRecorded':
      return data.marketId ?? '';
    case 'SagaStepAttemptFailed':
    case 'SagaStepDeadLettered':
    case 'SagaRetried':
      return data.sagaId ?? '';
    default:
      return typeof data.orderId === 'string' ? data.orderId : '';
  }
};

/** The names of the steps whose state an event recorded (a success, a refusal, a failed attempt, a retry). */
export const stepsRecordedBy = (event) => {
  const data = event.data ?? {};
  switch (event.type) {
    case 'StockReserved':
    case 'StockReservationRejected':
      return [`reserve-stock:${data.productId}`];
    case 'StockReservationCommitted':
      return [`commit-stock:${data.productId}`];
    case 'StockReservationReleased':
      return [`release-stock:${data.productId}`];
    case 'StockReturned':
      return [`return-stock:${data.productId}`];
    case 'OrderPaymentRequested':
    case 'OrderPaymentCaptured':
    case 'OrderPaymentDeclined':
    case 'OrderPaymentTimedOut':
      return ['charge-payment'];
    case 'OrderConfirmed':
      return ['confirm-order'];
    case 'OrderCancelled':
      return [`cancel-order:${data.reason}`];
    case 'OrderRefunded':
      return ['refund-payment'];
    case 'PayoutRecorded':
      return [`record-payout:${data.positionId}`];
    case 'SagaStepAttemptFailed':
    case 'SagaStepDeadLettered':
      return [data.step];
    case 'SagaRetried':
      return [...(data.steps ?? [])];
    default:
      return [];
  }
};

/** The event that starts a saga of this type, and the stream it is in. */
export const sagaOrigin = (saga) =>
  saga.type === 'market-settlement' ? { stream: `market-${saga.id}`, type: 'MarketResolved' } : { stream: `order-${saga.id}`, type: 'OrderPlaced' };

export const sagaLogStream = (sagaId) => `saga-${sagaId}`;

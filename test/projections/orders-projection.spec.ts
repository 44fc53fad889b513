import assert from 'node:assert/strict';
import type { OrderEvent, OrderLine } from '../../src/domain/orders/events.js';
import { type OrderDocument, orderDocuments, ordersProjection } from '../../src/projections/orders/orders-projection.js';
import { projectionSpec, recorder } from '../support/projection-spec.js';

const { given } = projectionSpec(ordersProjection);
const orderId = 'o-1';
const eur = (amount: number) => ({ amount, currency: 'EUR' });
const mug: OrderLine = { productId: 'p-mug', quantity: 2, unitPrice: eur(1250) };
const pen: OrderLine = { productId: 'p-pen', quantity: 3, unitPrice: eur(199) };
const placedAt = '2025-01-01T10:00:00.000Z';

const events = () => {
  const record = recorder<OrderEvent>((event) => `order-${event.data.orderId}`);
  return {
    placed: record({
      type: 'OrderPlaced',
      data: { orderId, customerId: 'u-1', items: [mug, pen], total: eur(3097), paymentToken: 'tok_visa', placedAt },
    }),
    reserved: record({ type: 'OrderStockReserved', data: { orderId, productId: 'p-mug' } }),
    captured: record({ type: 'OrderPaymentCaptured', data: { orderId, paymentId: 'pay-1', refundDue: false } }),
    confirmed: record({ type: 'OrderConfirmed', data: { orderId } }),
    cancelled: record({
      type: 'OrderCancelled',
      data: { orderId, reason: 'customer_request', previousStatus: 'confirmed', refundDue: true, by: 'u-1' },
    }),
    refunded: record({ type: 'OrderRefunded', data: { orderId, paymentId: 'pay-1' } }),
  };
};

const pending: OrderDocument = {
  id: orderId,
  customerId: 'u-1',
  status: 'pending',
  items: [mug, pen],
  total: eur(3097),
  cancellationReason: null,
  placedAt,
  version: 0,
};

describe('orders projection', () => {
  it('indexes orders on customerId, status and placedAt', () =>
    assert.deepEqual(ordersProjection.collections, [{ name: 'orders', indexes: ['customerId', 'status', 'placedAt'] }]));

  it('creates a pending order document when an order is placed', () => {
    const { placed } = events();
    return given().when(placed).then({ orders: { [orderId]: pending } });
  });

  it('follows the stream revision through events that change nothing else', () => {
    const { placed, reserved, captured } = events();
    return given(placed, reserved).when(captured).then({ orders: { [orderId]: { ...pending, version: 2 } } });
  });

  it('marks the order confirmed', () => {
    const { placed, reserved, captured, confirmed } = events();
    return given(placed, reserved, captured).when(confirmed).then({ orders: { [orderId]: { ...pending, status: 'confirmed', version: 3 } } });
  });

  it('marks the order cancelled with its reason', () => {
    const { placed, reserved, captured, confirmed, cancelled } = events();
    return given(placed, reserved, captured, confirmed)
      .when(cancelled)
      .then({ orders: { [orderId]: { ...pending, status: 'cancelled', cancellationReason: 'customer_request', version: 4 } } });
  });

  it('keeps a cancelled order cancelled when its refund is recorded', () => {
    const { placed, reserved, captured, confirmed, cancelled, refunded } = events();
    return given(placed, reserved, captured, confirmed, cancelled)
      .when(refunded)
      .then({ orders: { [orderId]: { ...pending, status: 'cancelled', cancellationReason: 'customer_request', version: 5 } } });
  });

  it('ignores events of an order it has never seen placed', () => {
    const { confirmed } = events();
    return given().when(confirmed).then({ orders: { [orderId]: null } });
  });

  describe('the same event delivered twice changes nothing', () => {
    it('a placement', () => {
      const { placed } = events();
      return given(placed).when(placed).then({ orders: { [orderId]: pending } });
    });

    it('a cancellation', () => {
      const { placed, cancelled } = events();
      const expected = { ...pending, status: 'cancelled', cancellationReason: 'customer_request', version: 4 };
      return given(placed, cancelled).when(cancelled).then({ orders: { [orderId]: expected } });
    });

    it('an older event delivered after a newer one', () => {
      const { placed, reserved, captured, confirmed } = events();
      return given(placed, reserved, captured, confirmed).when(reserved).then({ orders: { [orderId]: { ...pending, status: 'confirmed', version: 3 } } });
    });

    it('evolve itself, without the position guard of applyEvents', () => {
      const { placed, confirmed, cancelled } = events();
      const fold = (...delivered: (typeof placed)[]) =>
        delivered.reduce<ReturnType<typeof orderDocuments.evolve>>((document, event) => orderDocuments.evolve(document, event, orderId), null);
      assert.deepEqual(fold(placed, confirmed, cancelled, confirmed, placed, cancelled), fold(placed, confirmed, cancelled));
    });
  });
});

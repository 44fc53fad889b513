import assert from 'node:assert/strict';
import type { OrderEvent, OrderLine } from '../../src/domain/orders/events.js';
import { orderDecider } from '../../src/domain/orders/order.js';
import { isSettled, pendingWork, type ProductReservation } from '../../sagas/order-fulfilment/pending-work.js';
import {
  cancelOrder,
  chargePayment,
  commitStock,
  confirmOrder,
  noteReservation,
  paymentTimeout,
  refundPayment,
  releaseStock,
  requestPayment,
  reserveStock,
  returnStock,
} from '../../sagas/order-fulfilment/steps.js';
import { existing } from '../support/decider-spec.js';

const orderId = 'o-1';
const eur = (amount: number) => ({ amount, currency: 'EUR' });
const mug: OrderLine = { productId: 'p-mug', quantity: 2, unitPrice: eur(1250) };
const pen: OrderLine = { productId: 'p-pen', quantity: 3, unitPrice: eur(199) };
const total = eur(2 * 1250 + 3 * 199);
const dueAt = '2025-01-01T10:00:30.000Z';
const placed: OrderEvent = { type: 'OrderPlaced', data: { orderId, customerId: 'u-1', items: [mug, pen], total, paymentToken: 'tok_visa', placedAt: '2025-01-01T10:00:00.000Z' } };
const noted = (productId: string): OrderEvent => ({ type: 'OrderStockReserved', data: { orderId, productId } });
const requested: OrderEvent = { type: 'OrderPaymentRequested', data: { orderId, amount: total, dueAt } };
const captured = (refundDue = false): OrderEvent => ({ type: 'OrderPaymentCaptured', data: { orderId, paymentId: 'ch-1', refundDue } });
const confirmed: OrderEvent = { type: 'OrderConfirmed', data: { orderId } };
const cancelled = (reason: 'payment_timeout' | 'customer_request', previousStatus: 'pending' | 'confirmed', refundDue = false): OrderEvent => ({
  type: 'OrderCancelled',
  data: { orderId, reason, previousStatus, refundDue },
});

/** Given the order's events and where each product stands: the work left. */
const workFor = (events: OrderEvent[], products: Record<string, ProductReservation>) => {
  const state = { order: existing(events.reduce(orderDecider.evolve, orderDecider.initialState())), reservations: new Map(Object.entries(products)), paymentTimeoutMs: 30_000 };
  return { work: pendingWork(state), settled: isSettled(state), order: state.order };
};

describe('order-fulfilment saga: pending work re-derived from the order and its products', () => {
  it('reserves what no product has heard of', () =>
    assert.deepEqual(workFor([placed], {}).work, [reserveStock(orderId, 'p-mug', 2), reserveStock(orderId, 'p-pen', 3)]));
  it('notes a reservation the order has not noted', () => {
    const { work, order } = workFor([placed, noted('p-mug')], { 'p-mug': 'reserved', 'p-pen': 'rejected' });
    assert.deepEqual(work, [noteReservation(order, 'p-pen', false, 30_000)]);
  });
  it('asks for the payment once every item is noted', () => {
    const { work, order } = workFor([placed, noted('p-mug'), noted('p-pen')], { 'p-mug': 'reserved', 'p-pen': 'reserved' });
    assert.deepEqual(work, [requestPayment(order, 30_000)]);
  });
  it('charges, and keeps the timeout, while the payment is awaited', () => {
    const { work, order } = workFor([placed, noted('p-mug'), noted('p-pen'), requested], { 'p-mug': 'reserved', 'p-pen': 'reserved' });
    assert.deepEqual(work, [chargePayment(order), paymentTimeout(orderId, dueAt)]);
  });
  it('confirms a paid order', () =>
    assert.deepEqual(workFor([placed, noted('p-mug'), noted('p-pen'), requested, captured()], { 'p-mug': 'reserved', 'p-pen': 'reserved' }).work, [confirmOrder(orderId)]));
  it('cancels an order whose payment timed out', () =>
    assert.deepEqual(
      workFor([placed, noted('p-mug'), noted('p-pen'), requested, { type: 'OrderPaymentTimedOut', data: { orderId } }], { 'p-mug': 'reserved', 'p-pen': 'reserved' }).work,
      [cancelOrder(orderId, 'payment_timeout')],
    ));
  it('commits what a confirmed order still holds', () => {
    const paid = [placed, noted('p-mug'), noted('p-pen'), requested, captured(), confirmed];
    assert.deepEqual(workFor(paid, { 'p-mug': 'committed', 'p-pen': 'reserved' }).work, [commitStock(orderId, 'p-pen')]);
    assert.equal(workFor(paid, { 'p-mug': 'committed', 'p-pen': 'committed' }).settled, true);
  });
  it('releases what a cancelled order still holds, and refunds a late capture', () => {
    const history = [placed, noted('p-mug'), noted('p-pen'), requested, cancelled('payment_timeout', 'pending'), captured(true)];
    assert.deepEqual(workFor(history, { 'p-mug': 'reserved', 'p-pen': 'released' }).work, [releaseStock(orderId, 'p-mug'), refundPayment(orderId, 'ch-1')]);
  });
  it('gives back the stock of a cancelled confirmed order, committed or not, and refunds it', () => {
    const history = [placed, noted('p-mug'), noted('p-pen'), requested, captured(), confirmed, cancelled('customer_request', 'confirmed', true)];
    const { work, settled } = workFor(history, { 'p-mug': 'reserved', 'p-pen': 'committed' });
    assert.deepEqual(work, [returnStock(orderId, 'p-mug'), returnStock(orderId, 'p-pen'), refundPayment(orderId, 'ch-1')]);
    assert.equal(settled, false);
  });
  it('is settled once everything is given back and refunded', () => {
    const history = [placed, noted('p-mug'), noted('p-pen'), requested, captured(), confirmed, cancelled('customer_request', 'confirmed', true), { type: 'OrderRefunded', data: { orderId, paymentId: 'ch-1' } } as OrderEvent];
    assert.equal(workFor(history, { 'p-mug': 'released', 'p-pen': 'returned' }).settled, true);
  });
});

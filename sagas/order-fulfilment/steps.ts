import type { CancellationReason } from '../../src/domain/orders/events.js';
import type { Order } from '../../src/domain/orders/order.js';
import type { Reaction, StepOf } from '../reaction.js';

/** The reactions of the order-fulfilment saga, one builder per step, shared by `react` and `pendingWork`. */
const step = (orderId: string, name: string, dueAt?: string): StepOf => ({
  saga: 'order-fulfilment',
  sagaId: orderId,
  step: name,
  ...(dueAt === undefined ? {} : { dueAt }),
});

export const reserveStock = (orderId: string, productId: string, quantity: number): Reaction => ({
  ...step(orderId, `reserve-stock:${productId}`),
  opening: true,
  kind: 'product',
  productId,
  command: { type: 'ReserveStock', data: { orderId, quantity } },
});

/** A reserved item is noted with the payment's deadline: the order asks for the payment once its last item is reserved. */
export const noteReservation = (order: Order, productId: string, reserved: boolean, paymentTimeoutMs: number): Reaction => ({
  ...step(order.orderId, `note-reservation:${productId}`),
  kind: 'order',
  orderId: order.orderId,
  command: reserved
    ? { type: 'NoteStockReserved', data: { productId, paymentDueAt: paymentDueAt(order, paymentTimeoutMs) } }
    : { type: 'NoteStockReservationFailed', data: { productId } },
});

export const releaseStock = (orderId: string, productId: string): Reaction => ({
  ...step(orderId, `release-stock:${productId}`),
  kind: 'product',
  productId,
  command: { type: 'ReleaseReservation', data: { orderId } },
});

export const commitStock = (orderId: string, productId: string): Reaction => ({
  ...step(orderId, `commit-stock:${productId}`),
  kind: 'product',
  productId,
  command: { type: 'CommitReservation', data: { orderId } },
});

export const returnStock = (orderId: string, productId: string): Reaction => ({
  ...step(orderId, `return-stock:${productId}`),
  kind: 'product',
  productId,
  command: { type: 'ReturnStock', data: { orderId } },
});

/** The payment deadline counts from the placement, so every run of the saga computes the same one. */
const paymentDueAt = (order: Order, paymentTimeoutMs: number): string => new Date(Date.parse(order.placedAt) + paymentTimeoutMs).toISOString();

export const requestPayment = (order: Order, paymentTimeoutMs: number): Reaction => ({
  ...step(order.orderId, 'request-payment'),
  kind: 'order',
  orderId: order.orderId,
  command: { type: 'RequestPayment', data: { dueAt: paymentDueAt(order, paymentTimeoutMs) } },
});

export const chargePayment = (order: Order): Reaction => ({
  ...step(order.orderId, 'charge-payment'),
  kind: 'charge',
  orderId: order.orderId,
  amount: order.total,
  token: order.paymentToken,
});

/**
 * At the deadline the gateway is asked first: a capture whose answer was lost is the payment's outcome after all;
 * with none (or no answer from the gateway), the order notes that its payment timed out.
 */
export const paymentTimeout = (orderId: string, dueAt: string): Reaction => ({
  ...step(orderId, 'payment-timeout', dueAt),
  kind: 'payment-deadline',
  orderId,
});

export const confirmOrder = (orderId: string): Reaction => ({
  ...step(orderId, 'confirm-order'),
  kind: 'order',
  orderId,
  command: { type: 'ConfirmOrder', data: {} },
});

export const cancelOrder = (orderId: string, reason: CancellationReason): Reaction => ({
  ...step(orderId, 'cancel-order'),
  kind: 'order',
  orderId,
  command: { type: 'CancelOrder', data: { reason } },
});

export const refundPayment = (orderId: string, chargeId: string): Reaction => ({
  ...step(orderId, 'refund-payment'),
  kind: 'refund',
  orderId,
  chargeId,
});

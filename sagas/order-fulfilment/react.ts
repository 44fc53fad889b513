import type { RecordedEvent } from '../../src/application/ports/event-store.js';
import type { OrderEvent } from '../../src/domain/orders/events.js';
import { canConfirm, type Order, paymentToRequest } from '../../src/domain/orders/order.js';
import type { ProductEvent } from '../../src/domain/products/events.js';
import type { Reaction } from '../reaction.js';
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
} from './steps.js';

/** What the saga needs to know beside the event: the order as it stands now, and how long it waits for a payment. */
export interface OrderFulfilmentKnowledge {
  order: Order;
  paymentTimeoutMs: number;
}

/** The events the saga reacts to. */
export const orderFulfilmentEventTypes = [
  'OrderPlaced',
  'StockReserved',
  'StockReservationRejected',
  'OrderStockReserved',
  'OrderStockReservationFailed',
  'OrderPaymentRequested',
  'OrderPaymentCaptured',
  'OrderPaymentDeclined',
  'OrderPaymentTimedOut',
  'OrderConfirmed',
  'OrderCancelled',
] as const;

export type OrderFulfilmentEvent = RecordedEvent &
  Extract<OrderEvent | ProductEvent, { type: (typeof orderFulfilmentEventTypes)[number] }>;

/**
 * Order fulfilment, by choreography: reserve every item → note each reservation on the order → once every item is
 * reserved, ask for the payment (with its deadline) → charge → confirm and commit the stock. A rejected reservation,
 * a declined payment or the deadline cancel the order; a cancellation releases (or, once confirmed, returns) the
 * stock and refunds a captured payment, also one captured after the cancellation.
 *
 * Pure: every decision that could race (an order cancelled meanwhile, a note already taken) is the deciders' to
 * make, and each of them ignores a reaction it has already applied.
 */
export const react = (event: RecordedEvent & (OrderEvent | ProductEvent), { order, paymentTimeoutMs }: OrderFulfilmentKnowledge): Reaction[] => {
  const orderId = order.orderId;
  switch (event.type) {
    case 'OrderPlaced':
      return event.data.items.map((item) => reserveStock(event.data.orderId, item.productId, item.quantity));
    case 'StockReserved':
      // Reserved for an order cancelled meanwhile: its release may already have run, so give the stock back here.
      if (order.status === 'cancelled') return [releaseStock(orderId, event.data.productId)];
      return [noteReservation(order, event.data.productId, true, paymentTimeoutMs)];
    case 'StockReservationRejected':
      return [noteReservation(order, event.data.productId, false, paymentTimeoutMs)];
    case 'OrderStockReserved':
      // Noting the last reservation asked for the payment already, unless an older version of the saga noted it.
      return paymentToRequest(order) ? [requestPayment(order, paymentTimeoutMs)] : [];
    case 'OrderStockReservationFailed':
      return [cancelOrder(orderId, 'insufficient_stock')];
    case 'OrderPaymentRequested':
      return [chargePayment(order), paymentTimeout(orderId, event.data.dueAt)];
    case 'OrderPaymentCaptured':
      if (event.data.refundDue) return [refundPayment(orderId, event.data.paymentId)];
      // The capture confirmed the order already, unless an older version of the saga noted it.
      return canConfirm(order) ? [confirmOrder(orderId)] : [];
    case 'OrderPaymentDeclined':
      return [cancelOrder(orderId, 'payment_declined')];
    case 'OrderPaymentTimedOut':
      return [cancelOrder(orderId, 'payment_timeout')];
    case 'OrderConfirmed':
      return order.items.map((item) => commitStock(orderId, item.productId));
    case 'OrderCancelled': {
      const giveBack = event.data.previousStatus === 'confirmed' ? returnStock : releaseStock;
      const stock = order.items.map((item) => giveBack(orderId, item.productId));
      const refund = event.data.refundDue && order.payment.paymentId !== null ? [refundPayment(orderId, order.payment.paymentId)] : [];
      return [...stock, ...refund];
    }
    default:
      return [];
  }
};

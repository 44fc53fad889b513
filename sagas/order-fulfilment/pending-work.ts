import { anyReservationFailed, allItemsReserved, type Order } from '../../src/domain/orders/order.js';
import type { ReservationStatus } from '../../src/domain/products/product.js';
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

/** Where an order's reservation stands in a product's stream (undefined: the product has not heard of the order). */
export type ProductReservation = ReservationStatus | undefined;

export interface OrderFulfilmentState {
  order: Order;
  /** Per product of the order. */
  reservations: ReadonlyMap<string, ProductReservation>;
  paymentTimeoutMs: number;
}

/**
 * Everything the saga still has to do for an order, from the state of the order and of its products alone: what
 * is re-derived when jobs may have been lost (a crash, Redis restarted empty). It gives the same steps as the
 * reactions that were due, so their ids match; steps already done are ignored by the deciders and the gateway.
 */
export const pendingWork = ({ order, reservations, paymentTimeoutMs }: OrderFulfilmentState): Reaction[] => {
  const { orderId } = order;
  const heldBy = (status: ProductReservation) => order.items.filter((item) => reservations.get(item.productId) === status);
  switch (order.status) {
    case 'pending': {
      const work: Reaction[] = [];
      for (const item of order.items) {
        const held = reservations.get(item.productId);
        if (held === undefined) work.push(reserveStock(orderId, item.productId, item.quantity));
        else if (!order.reservations.has(item.productId) && (held === 'reserved' || held === 'rejected'))
          work.push(noteReservation(order, item.productId, held === 'reserved', paymentTimeoutMs));
      }
      if (anyReservationFailed(order)) return [...work, cancelOrder(orderId, 'insufficient_stock')];
      if (!allItemsReserved(order)) return work;
      switch (order.payment.status) {
        case 'awaiting':
          if (order.payment.dueAt === null) return [requestPayment(order, paymentTimeoutMs)];
          return [chargePayment(order), paymentTimeout(orderId, order.payment.dueAt)];
        case 'captured':
          return [confirmOrder(orderId)];
        case 'declined':
          return [cancelOrder(orderId, 'payment_declined')];
        case 'timed_out':
          return [cancelOrder(orderId, 'payment_timeout')];
      }
      return work;
    }
    case 'confirmed':
      return heldBy('reserved').map((item) => commitStock(orderId, item.productId));
    case 'cancelled': {
      const giveBack = order.cancelledWhen === 'confirmed' ? returnStock : releaseStock;
      const stock = [...heldBy('reserved'), ...(order.cancelledWhen === 'confirmed' ? heldBy('committed') : [])];
      const refund = order.payment.status === 'captured' && !order.payment.refunded && order.payment.paymentId !== null;
      return [...stock.map((item) => giveBack(orderId, item.productId)), ...(refund ? [refundPayment(orderId, order.payment.paymentId!)] : [])];
    }
  }
};

/** Nothing is left to do: the order is final and every product and the payment agree with it. */
export const isSettled = (state: OrderFulfilmentState): boolean => state.order.status !== 'pending' && pendingWork(state).length === 0;

import { type Absent, absent, type Decider } from '../shared/decider.js';
import { conflict, ruleViolated } from '../shared/errors.js';
import type { Money } from '../shared/money.js';
import type { OrderCommand } from './commands.js';
import type { CancellationReason, CancelledWhen, OrderEvent, OrderLine, OrderStatus } from './events.js';
import { priceOrderLines } from './order-lines.js';

export type ReservationStatus = 'reserved' | 'failed';
export type PaymentStatus = 'awaiting' | 'captured' | 'declined' | 'timed_out';

/** A placed order. */
export interface Order {
  orderId: string;
  customerId: string;
  status: OrderStatus;
  items: readonly OrderLine[];
  total: Money;
  paymentToken: string;
  placedAt: string;
  /** Per product of the order, once the product has answered the reservation. */
  reservations: ReadonlyMap<string, ReservationStatus>;
  payment: { status: PaymentStatus; dueAt: string | null; paymentId: string | null; refunded: boolean };
  cancellationReason: CancellationReason | null;
  cancelledWhen: CancelledWhen | null;
}

export type OrderState = Absent | Order;

export const initialState = (): OrderState => absent();

export const allItemsReserved = (order: Order): boolean =>
  order.items.length > 0 && order.items.every((item) => order.reservations.get(item.productId) === 'reserved');

export const anyReservationFailed = (order: Order): boolean => [...order.reservations.values()].includes('failed');

/** The products holding stock for this order: what the saga releases (pending) or returns (confirmed) on cancellation. */
export const reservedProductIds = (order: Order): string[] =>
  order.items.filter((item) => order.reservations.get(item.productId) === 'reserved').map((item) => item.productId);

export const paymentCaptured = (order: Order): boolean => order.payment.status === 'captured';

/** Every item is reserved and the payment was asked for, with no outcome yet. */
export const awaitingPayment = (order: Order): boolean =>
  order.status === 'pending' && order.payment.dueAt !== null && order.payment.status === 'awaiting';

/** Every item is reserved and the payment has not been asked for yet. */
export const paymentToRequest = (order: Order): boolean => order.status === 'pending' && allItemsReserved(order) && order.payment.dueAt === null;

export const canConfirm = (order: Order): boolean => order.status === 'pending' && allItemsReserved(order) && paymentCaptured(order);

/** A captured payment of a cancelled order that has not been refunded yet. */
export const refundDue = (order: Order): boolean =>
  order.status === 'cancelled' && paymentCaptured(order) && !order.payment.refunded;

const cancel = (state: Order, reason: CancellationReason, by: string | undefined): OrderEvent[] => {
  if (state.status === 'cancelled') {
    // The saga may be told twice (two items out of stock, a redelivery): only a person is told no.
    if (reason !== 'customer_request') return [];
    throw conflict('order_already_cancelled', 'the order is already cancelled');
  }
  // Stock and payment failures can only cancel a pending order: once confirmed, the saga lost a race and
  // there is nothing to undo. Only the customer (or an admin) cancels a confirmed order, which refunds it.
  if (state.status === 'confirmed' && reason !== 'customer_request') return [];
  const data = { orderId: state.orderId, reason, previousStatus: state.status, refundDue: paymentCaptured(state) };
  return [{ type: 'OrderCancelled', data: by === undefined ? data : { ...data, by } }];
};

const noteReservation = (state: Order, productId: string, status: ReservationStatus): OrderEvent[] => {
  if (!state.items.some((item) => item.productId === productId))
    throw ruleViolated('item_not_in_order', `product ${productId} is not part of this order`);
  if (state.status !== 'pending' || state.reservations.has(productId)) return [];
  const type = status === 'reserved' ? 'OrderStockReserved' : 'OrderStockReservationFailed';
  return [{ type, data: { orderId: state.orderId, productId } }];
};

const requestPayment = (state: Order, dueAt: string): OrderEvent[] => {
  if (!paymentToRequest(state)) return [];
  return [{ type: 'OrderPaymentRequested', data: { orderId: state.orderId, amount: state.total, dueAt } }];
};

/** The events of `events` followed by the ones `next` decides on the state they leave. */
const andThen = (state: Order, events: OrderEvent[], next: (after: Order) => OrderEvent[]): OrderEvent[] =>
  events.length === 0 ? events : [...events, ...next(events.reduce(evolveOrder, state))];

export const decide = (command: OrderCommand, state: OrderState): OrderEvent[] => {
  if (state.status === 'absent') {
    if (command.type !== 'PlaceOrder') return [];
    const total = priceOrderLines(command.data.items);
    const { orderId, customerId, items, paymentToken, placedAt } = command.data;
    return [{ type: 'OrderPlaced', data: { orderId, customerId, items, total, paymentToken, placedAt } }];
  }
  const orderId = state.orderId;
  switch (command.type) {
    case 'PlaceOrder':
      return [];
    case 'NoteStockReserved':
      // The last reservation noted asks for the payment in the same decision: the saga goes on to the charge at once.
      return andThen(state, noteReservation(state, command.data.productId, 'reserved'), (after) => requestPayment(after, command.data.paymentDueAt));
    case 'NoteStockReservationFailed':
      return noteReservation(state, command.data.productId, 'failed');
    case 'RequestPayment':
      return requestPayment(state, command.data.dueAt);
    case 'NotePaymentCaptured': {
      // Recorded even after a cancellation: money was taken, so the saga has to give it back.
      if (paymentCaptured(state)) return [];
      const captured: OrderEvent = { type: 'OrderPaymentCaptured', data: { orderId, paymentId: command.data.paymentId, refundDue: state.status === 'cancelled' } };
      // The capture confirms a pending order in the same decision.
      return andThen(state, [captured], (after) => (canConfirm(after) ? [{ type: 'OrderConfirmed', data: { orderId } }] : []));
    }
    case 'NotePaymentDeclined':
      if (state.status === 'cancelled' || state.payment.status !== 'awaiting') return [];
      return [{ type: 'OrderPaymentDeclined', data: { orderId, reason: command.data.reason } }];
    case 'NotePaymentTimedOut':
      if (state.status === 'cancelled' || state.payment.status !== 'awaiting') return [];
      return [{ type: 'OrderPaymentTimedOut', data: { orderId } }];
    case 'ConfirmOrder':
      if (!canConfirm(state)) return [];
      return [{ type: 'OrderConfirmed', data: { orderId } }];
    case 'CancelOrder':
      return cancel(state, command.data.reason, command.data.by);
    case 'NoteRefunded':
      if (!refundDue(state)) return [];
      return [{ type: 'OrderRefunded', data: { orderId, paymentId: command.data.paymentId } }];
  }
};

const withReservation = (order: Order, productId: string, status: ReservationStatus) =>
  new Map(order.reservations).set(productId, status);

const placed = (event: Extract<OrderEvent, { type: 'OrderPlaced' }>): Order => {
  const { orderId, customerId, items, total, paymentToken, placedAt } = event.data;
  return {
    orderId,
    customerId,
    status: 'pending',
    items,
    total,
    paymentToken,
    placedAt,
    reservations: new Map(),
    payment: { status: 'awaiting', dueAt: null, paymentId: null, refunded: false },
    cancellationReason: null,
    cancelledWhen: null,
  };
};

/** An order after one more of its events (a second OrderPlaced changes nothing). */
const evolveOrder = (order: Order, event: OrderEvent): Order => {
  switch (event.type) {
    case 'OrderPlaced':
      return order;
    case 'OrderStockReserved':
      return { ...order, reservations: withReservation(order, event.data.productId, 'reserved') };
    case 'OrderStockReservationFailed':
      return { ...order, reservations: withReservation(order, event.data.productId, 'failed') };
    case 'OrderPaymentRequested':
      return { ...order, payment: { ...order.payment, dueAt: event.data.dueAt } };
    case 'OrderPaymentCaptured':
      return { ...order, payment: { ...order.payment, status: 'captured', paymentId: event.data.paymentId } };
    case 'OrderPaymentDeclined':
      return { ...order, payment: { ...order.payment, status: 'declined' } };
    case 'OrderPaymentTimedOut':
      return { ...order, payment: { ...order.payment, status: 'timed_out' } };
    case 'OrderConfirmed':
      return { ...order, status: 'confirmed' };
    case 'OrderCancelled':
      return { ...order, status: 'cancelled', cancellationReason: event.data.reason, cancelledWhen: event.data.previousStatus };
    case 'OrderRefunded':
      return { ...order, payment: { ...order.payment, refunded: true } };
  }
};

export const evolve = (state: OrderState, event: OrderEvent): OrderState => {
  if (state.status === 'absent') return event.type === 'OrderPlaced' ? placed(event) : state;
  return evolveOrder(state, event);
};

export const orderDecider: Decider<OrderState, OrderCommand, OrderEvent> = { decide, evolve, initialState };

export const orderStream = (orderId: string): string => `order-${orderId}`;

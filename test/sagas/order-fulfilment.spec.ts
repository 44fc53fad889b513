import assert from 'node:assert/strict';
import type { OrderEvent, OrderLine } from '../../src/domain/orders/events.js';
import { orderDecider } from '../../src/domain/orders/order.js';
import type { ProductEvent } from '../../src/domain/products/events.js';
import { react } from '../../sagas/order-fulfilment/react.js';
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
import { jobIdOf, stepEventId } from '../../sagas/reaction.js';
import { reactionSpec } from '../support/reaction-spec.js';
import { existing } from '../support/decider-spec.js';

type Event = OrderEvent | ProductEvent;
const orderEvents = (history: readonly Event[]) => history.filter((event): event is OrderEvent => event.type.startsWith('Order'));
const orderAfter = (history: readonly Event[]) => existing(orderEvents(history).reduce(orderDecider.evolve, orderDecider.initialState()));
const TIMEOUT = 30_000;
const { given } = reactionSpec(react, (history: readonly Event[]) => ({ order: orderAfter(history), paymentTimeoutMs: TIMEOUT }));

const orderId = 'o-1';
const eur = (amount: number) => ({ amount, currency: 'EUR' });
const mug: OrderLine = { productId: 'p-mug', quantity: 2, unitPrice: eur(1250) };
const pen: OrderLine = { productId: 'p-pen', quantity: 3, unitPrice: eur(199) };
const total = eur(2 * 1250 + 3 * 199);
const placedAt = '2025-01-01T10:00:00.000Z';
const dueAt = '2025-01-01T10:00:30.000Z';

const placed: Event = { type: 'OrderPlaced', data: { orderId, customerId: 'u-1', items: [mug, pen], total, paymentToken: 'tok_visa', placedAt } };
const stockReserved = (productId: string, quantity = 2): Event => ({ type: 'StockReserved', data: { productId, orderId, quantity } });
const stockRejected = (productId: string): Event => ({ type: 'StockReservationRejected', data: { productId, orderId, quantity: 3, available: 1 } });
const noted = (productId: string): Event => ({ type: 'OrderStockReserved', data: { orderId, productId } });
const notedFailed = (productId: string): Event => ({ type: 'OrderStockReservationFailed', data: { orderId, productId } });
const requested: Event = { type: 'OrderPaymentRequested', data: { orderId, amount: total, dueAt } };
const captured = (refundDue = false): Event => ({ type: 'OrderPaymentCaptured', data: { orderId, paymentId: 'ch-1', refundDue } });
const declined: Event = { type: 'OrderPaymentDeclined', data: { orderId, reason: 'card_declined' } };
const timedOut: Event = { type: 'OrderPaymentTimedOut', data: { orderId } };
const confirmed: Event = { type: 'OrderConfirmed', data: { orderId } };
const cancelled = (reason: 'insufficient_stock' | 'payment_timeout' | 'customer_request', previousStatus: 'pending' | 'confirmed', refundDue = false): Event => ({
  type: 'OrderCancelled',
  data: { orderId, reason, previousStatus, refundDue },
});
const bothNoted = [placed, noted('p-mug'), noted('p-pen')];
const order = orderAfter([...bothNoted, requested]);

describe('order-fulfilment saga', () => {
  describe('reserving', () => {
    it('reserves the stock of every item of a placed order', () =>
      given().when(placed).then(reserveStock(orderId, 'p-mug', 2), reserveStock(orderId, 'p-pen', 3)));
    it('notes a reservation on the order, with the payment deadline', () =>
      given(placed).when(stockReserved('p-mug')).then(noteReservation(orderAfter([placed]), 'p-mug', true, TIMEOUT)));
    it('the note of a reservation carries the payment deadline, counted from placement', () =>
      assert.deepEqual(noteReservation(orderAfter([placed]), 'p-mug', true, TIMEOUT), {
        saga: 'order-fulfilment',
        sagaId: orderId,
        step: 'note-reservation:p-mug',
        kind: 'order',
        orderId,
        command: { type: 'NoteStockReserved', data: { productId: 'p-mug', paymentDueAt: dueAt } },
      }));
    it('notes a rejected reservation on the order', () =>
      given(placed).when(stockRejected('p-pen')).then(noteReservation(orderAfter([placed]), 'p-pen', false, TIMEOUT)));
    it('releases stock reserved for an order cancelled meanwhile', () =>
      given(placed, notedFailed('p-pen'), cancelled('insufficient_stock', 'pending')).when(stockReserved('p-mug')).then(releaseStock(orderId, 'p-mug')));
    it('cancels the order when an item is out of stock', () =>
      given(placed).when(notedFailed('p-pen')).then(cancelOrder(orderId, 'insufficient_stock')));
  });

  describe('paying', () => {
    it('waits for the other items before asking for the payment', () => given(placed).when(noted('p-mug')).thenNothing());
    it('asks nothing more when the note of the last reservation asked for the payment', () =>
      given(placed, noted('p-mug'), requested).when(noted('p-pen')).thenNothing());
    it('asks for the payment when every item is noted without it (by an older saga), due the timeout after placement', () =>
      given(placed, noted('p-mug')).when(noted('p-pen')).then(requestPayment(orderAfter(bothNoted), TIMEOUT)));
    it('the payment request carries the deadline', () =>
      assert.deepEqual(requestPayment(orderAfter(bothNoted), TIMEOUT), {
        saga: 'order-fulfilment',
        sagaId: orderId,
        step: 'request-payment',
        kind: 'order',
        orderId,
        command: { type: 'RequestPayment', data: { dueAt } },
      }));
    it('charges the total with the token and starts the payment timeout', () =>
      given(...bothNoted).when(requested).then(chargePayment(order), paymentTimeout(orderId, dueAt)));
    it('the charge and the timeout are what the gateway and the clock need', () => {
      assert.deepEqual(chargePayment(order), { saga: 'order-fulfilment', sagaId: orderId, step: 'charge-payment', kind: 'charge', orderId, amount: total, token: 'tok_visa' });
      assert.equal(paymentTimeout(orderId, dueAt).dueAt, dueAt);
    });
    it('does nothing more once the capture confirmed the order', () => given(...bothNoted, requested, confirmed).when(captured()).thenNothing());
    it('confirms a paid order still pending (its capture noted by an older saga)', () =>
      given(...bothNoted, requested).when(captured()).then(confirmOrder(orderId)));
    it('refunds a payment captured after the order was cancelled', () =>
      given(...bothNoted, requested, timedOut, cancelled('payment_timeout', 'pending')).when(captured(true)).then(refundPayment(orderId, 'ch-1')));
    it('cancels the order when the payment is declined', () =>
      given(...bothNoted, requested).when(declined).then(cancelOrder(orderId, 'payment_declined')));
    it('cancels the order when the payment times out', () =>
      given(...bothNoted, requested).when(timedOut).then(cancelOrder(orderId, 'payment_timeout')));
  });

  describe('settling', () => {
    it('commits the stock of a confirmed order', () =>
      given(...bothNoted, requested, captured()).when(confirmed).then(commitStock(orderId, 'p-mug'), commitStock(orderId, 'p-pen')));
    it('releases every item of an order cancelled while pending', () =>
      given(placed, noted('p-mug'), notedFailed('p-pen'))
        .when(cancelled('insufficient_stock', 'pending'))
        .then(releaseStock(orderId, 'p-mug'), releaseStock(orderId, 'p-pen')));
    it('gives back the stock of a confirmed order and refunds it when the customer cancels', () =>
      given(...bothNoted, requested, captured(), confirmed)
        .when(cancelled('customer_request', 'confirmed', true))
        .then(returnStock(orderId, 'p-mug'), returnStock(orderId, 'p-pen'), refundPayment(orderId, 'ch-1')));
    it('does not react to the events it only watches', () =>
      given(...bothNoted, requested, captured(), confirmed)
        .when({ type: 'OrderRefunded', data: { orderId, paymentId: 'ch-1' } } as Event)
        .thenNothing());
  });

  describe('ids', () => {
    it('derives event ids from the saga and the step: a re-run appends the same events', () => {
      const reaction = reserveStock(orderId, 'p-mug', 2);
      assert.equal(stepEventId(reaction, 0), stepEventId(reserveStock(orderId, 'p-mug', 2), 0));
      assert.notEqual(stepEventId(reaction, 0), stepEventId(reserveStock(orderId, 'p-pen', 2), 0));
      assert.notEqual(stepEventId(reaction, 0), stepEventId(reaction, 1));
      assert.notEqual(stepEventId(reaction, 0), stepEventId(reaction, 0, 'outcome'));
      assert.match(stepEventId(reaction, 0), /^[0-9a-f-]{36}$/);
    });
    it('names a job by saga, step and causing event', () =>
      assert.equal(jobIdOf(reserveStock(orderId, 'p-mug', 2), 'event-7'), 'order-fulfilment.o-1.reserve-stock:p-mug.event-7'));
  });
});

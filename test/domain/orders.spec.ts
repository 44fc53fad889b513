import assert from 'node:assert/strict';
import type { OrderLine, OrderEvent } from '../../src/domain/orders/events.js';
import {
  allItemsReserved,
  anyReservationFailed,
  canConfirm,
  orderDecider,
  orderStream,
  refundDue,
  reservedProductIds,
} from '../../src/domain/orders/order.js';
import { deciderSpec, existing } from '../support/decider-spec.js';

const { given } = deciderSpec(orderDecider);
const orderId = 'o-1';
const eur = (amount: number) => ({ amount, currency: 'EUR' });
const mug: OrderLine = { productId: 'p-mug', quantity: 2, unitPrice: eur(1250) };
const pen: OrderLine = { productId: 'p-pen', quantity: 3, unitPrice: eur(199) };
const placement = { orderId, customerId: 'u-1', items: [mug, pen], paymentToken: 'tok_visa', placedAt: '2025-01-01T10:00:00.000Z' };
const place = (items: OrderLine[]) => ({ type: 'PlaceOrder', data: { ...placement, items } }) as const;

const placed: OrderEvent = { type: 'OrderPlaced', data: { ...placement, total: eur(2 * 1250 + 3 * 199) } };
const reserved = (productId: string): OrderEvent => ({ type: 'OrderStockReserved', data: { orderId, productId } });
const reservationFailed = (productId: string): OrderEvent => ({ type: 'OrderStockReservationFailed', data: { orderId, productId } });
const captured = (refundDue = false): OrderEvent => ({ type: 'OrderPaymentCaptured', data: { orderId, paymentId: 'pay-1', refundDue } });
const declined: OrderEvent = { type: 'OrderPaymentDeclined', data: { orderId, reason: 'card_declined' } };
const timedOut: OrderEvent = { type: 'OrderPaymentTimedOut', data: { orderId } };
const confirmed: OrderEvent = { type: 'OrderConfirmed', data: { orderId } };
const cancelled = (reason: 'insufficient_stock' | 'payment_declined' | 'payment_timeout', previousStatus: 'pending' | 'confirmed' = 'pending', due = false): OrderEvent => ({
  type: 'OrderCancelled',
  data: { orderId, reason, previousStatus, refundDue: due },
});
const cancelledByCustomer = (previousStatus: 'pending' | 'confirmed', due: boolean): OrderEvent => ({
  type: 'OrderCancelled',
  data: { orderId, reason: 'customer_request', previousStatus, refundDue: due, by: 'u-1' },
});
const refunded: OrderEvent = { type: 'OrderRefunded', data: { orderId, paymentId: 'pay-1' } };
const paidAndReserved = [placed, reserved('p-mug'), reserved('p-pen'), captured()];

const dueAt = '2025-01-01T10:00:30.000Z';
const requested: OrderEvent = { type: 'OrderPaymentRequested', data: { orderId, amount: eur(2 * 1250 + 3 * 199), dueAt } };
const noteReserved = (productId: string) => ({ type: 'NoteStockReserved', data: { productId, paymentDueAt: dueAt } }) as const;
const noteFailed = (productId: string) => ({ type: 'NoteStockReservationFailed', data: { productId } }) as const;
const noteCaptured = { type: 'NotePaymentCaptured', data: { paymentId: 'pay-1' } } as const;
const noteDeclined = { type: 'NotePaymentDeclined', data: { reason: 'card_declined' } } as const;
const noteTimedOut = { type: 'NotePaymentTimedOut', data: {} } as const;
const confirm = { type: 'ConfirmOrder', data: {} } as const;
const customerCancel = { type: 'CancelOrder', data: { reason: 'customer_request', by: 'u-1' } } as const;
const noteRefunded = { type: 'NoteRefunded', data: { paymentId: 'pay-1' } } as const;

const stateAfter = (...history: OrderEvent[]) => existing(history.reduce(orderDecider.evolve, orderDecider.initialState()));

describe('order decider', () => {
  it('names its stream order-<id>', () => assert.equal(orderStream(orderId), 'order-o-1'));

  describe('PlaceOrder', () => {
    it('places an order and computes its total', () => given().when(place([mug, pen])).then(placed));
    it('places an order of 50 items of 1000 each', () => {
      const items = Array.from({ length: 50 }, (_, i) => ({ productId: `p-${i}`, quantity: 1000, unitPrice: eur(7) }));
      given().when(place(items)).then({ type: 'OrderPlaced', data: { ...placement, items, total: eur(50 * 1000 * 7) } });
    });
    it('decides nothing for an order placed already', () => given(placed).when(place([mug])).thenNothing());
    it('refuses an order without items', () => given().when(place([])).thenRefuses('rule_violated', 'no_items'));
    it('refuses more than 50 items', () => {
      const items = Array.from({ length: 51 }, (_, i) => ({ productId: `p-${i}`, quantity: 1, unitPrice: eur(1) }));
      given().when(place(items)).thenRefuses('rule_violated', 'too_many_items');
    });
    it('refuses the same product twice', () =>
      given().when(place([mug, { ...mug, quantity: 1 }])).thenRefuses('rule_violated', 'duplicate_product'));
    it('refuses a quantity of 0', () => given().when(place([{ ...mug, quantity: 0 }])).thenRefuses('rule_violated', 'invalid_quantity'));
    it('refuses a quantity over 1000', () => given().when(place([{ ...mug, quantity: 1001 }])).thenRefuses('rule_violated', 'invalid_quantity'));
    it('refuses a fractional quantity', () => given().when(place([{ ...mug, quantity: 1.5 }])).thenRefuses('rule_violated', 'invalid_quantity'));
    it('refuses items in different currencies', () =>
      given().when(place([mug, { ...pen, unitPrice: { amount: 199, currency: 'USD' } }])).thenRefuses('rule_violated', 'mixed_currencies'));
    it('refuses a total beyond what money can hold, without rounding it', () =>
      given()
        .when(place([{ ...mug, quantity: 1000, unitPrice: eur(Number.MAX_SAFE_INTEGER) }]))
        .thenRefuses('rule_violated', 'total_too_large'));
  });

  describe('commands on a missing order', () => {
  // Whether the stream must be new or exist is the command handler's check (`expect`): the decider decides nothing.
    it('decides no stock note', () => given().when(noteReserved('p-mug')).thenNothing());
    it('decides no payment note', () => given().when(noteCaptured).thenNothing());
    it('decides no confirmation', () => given().when(confirm).thenNothing());
    it('decides no cancellation', () => given().when(customerCancel).thenNothing());
    it('decides no refund note', () => given().when(noteRefunded).thenNothing());
  });

  describe('NoteStockReserved', () => {
    it('notes a reserved item', () => given(placed).when(noteReserved('p-mug')).then(reserved('p-mug')));
    it('asks for the payment, with its deadline, when the last item is reserved', () =>
      given(placed, reserved('p-mug')).when(noteReserved('p-pen')).then(reserved('p-pen'), requested));
    it('notes it once only', () => given(placed, reserved('p-mug')).when(noteReserved('p-mug')).thenNothing());
    it('asks for the payment only with the note of the last reservation', () =>
      given(placed, reserved('p-mug'), reserved('p-pen')).when(noteReserved('p-pen')).thenNothing());
    it('does not ask for the payment when another reservation failed', () =>
      given(placed, reservationFailed('p-mug')).when(noteReserved('p-pen')).then(reserved('p-pen')));
    it('ignores a product whose reservation already failed', () => given(placed, reservationFailed('p-mug')).when(noteReserved('p-mug')).thenNothing());
    it('ignores notes after cancellation', () =>
      given(placed, reservationFailed('p-pen'), cancelled('insufficient_stock')).when(noteReserved('p-mug')).thenNothing());
    it('refuses a product that is not in the order', () =>
      given(placed).when(noteReserved('p-other')).thenRefuses('rule_violated', 'item_not_in_order'));
  });

  describe('NoteStockReservationFailed', () => {
    it('notes a failed reservation', () => given(placed).when(noteFailed('p-pen')).then(reservationFailed('p-pen')));
    it('notes it once only', () => given(placed, reservationFailed('p-pen')).when(noteFailed('p-pen')).thenNothing());
    it('ignores notes after cancellation', () =>
      given(placed, reservationFailed('p-mug'), cancelled('insufficient_stock')).when(noteFailed('p-pen')).thenNothing());
    it('refuses a product that is not in the order', () =>
      given(placed).when(noteFailed('p-other')).thenRefuses('rule_violated', 'item_not_in_order'));
  });

  describe('NotePaymentCaptured', () => {
    it('notes a captured payment and confirms the order', () =>
      given(placed, reserved('p-mug'), reserved('p-pen'), requested).when(noteCaptured).then(captured(), confirmed));
    it('only notes a capture while an item is not reserved', () => given(placed, reserved('p-mug')).when(noteCaptured).then(captured()));
    it('notes it once only', () => given(...paidAndReserved).when(noteCaptured).thenNothing());
    it('still notes a capture after cancellation, as due for a refund', () =>
      given(placed, timedOut, cancelled('payment_timeout')).when(noteCaptured).then(captured(true)));
    it('notes a late capture on a pending order after a timeout was noted, and confirms it', () =>
      given(placed, reserved('p-mug'), reserved('p-pen'), timedOut).when(noteCaptured).then(captured(), confirmed));
  });

  describe('NotePaymentDeclined', () => {
    it('notes a declined payment', () => given(placed).when(noteDeclined).then(declined));
    it('notes it once only', () => given(placed, declined).when(noteDeclined).thenNothing());
    it('ignores a decline once the payment was captured', () => given(...paidAndReserved).when(noteDeclined).thenNothing());
    it('ignores notes after cancellation', () => given(placed, cancelledByCustomer('pending', false)).when(noteDeclined).thenNothing());
  });

  describe('NotePaymentTimedOut', () => {
    it('notes a payment timeout', () => given(placed).when(noteTimedOut).then(timedOut));
    it('notes it once only', () => given(placed, timedOut).when(noteTimedOut).thenNothing());
    it('ignores a timeout once the payment was captured', () => given(...paidAndReserved).when(noteTimedOut).thenNothing());
    it('ignores a timeout once the payment was declined', () => given(placed, declined).when(noteTimedOut).thenNothing());
    it('ignores notes after cancellation', () => given(placed, cancelledByCustomer('pending', false)).when(noteTimedOut).thenNothing());
  });

  describe('ConfirmOrder', () => {
    it('confirms once every item is reserved and the payment captured', () => given(...paidAndReserved).when(confirm).then(confirmed));
    it('does nothing while an item is not reserved yet', () => given(placed, reserved('p-mug'), captured()).when(confirm).thenNothing());
    it('does nothing when a reservation failed', () =>
      given(placed, reserved('p-mug'), reservationFailed('p-pen'), captured()).when(confirm).thenNothing());
    it('does nothing while the payment is not captured', () => given(placed, reserved('p-mug'), reserved('p-pen')).when(confirm).thenNothing());
    it('does nothing after a declined payment', () =>
      given(placed, reserved('p-mug'), reserved('p-pen'), declined).when(confirm).thenNothing());
    it('confirms once only', () => given(...paidAndReserved, confirmed).when(confirm).thenNothing());
    it('does nothing for a cancelled order', () =>
      given(...paidAndReserved, cancelledByCustomer('pending', true)).when(confirm).thenNothing());
  });

  describe('CancelOrder', () => {
    it('cancels a pending order at the customer’s request, recording who', () =>
      given(placed, reserved('p-mug')).when(customerCancel).then(cancelledByCustomer('pending', false)));
    it('cancels a pending order for the saga, without `by`', () =>
      given(placed, reservationFailed('p-pen'))
        .when({ type: 'CancelOrder', data: { reason: 'insufficient_stock' } })
        .then(cancelled('insufficient_stock')));
    it('cancels after a declined payment', () =>
      given(placed, declined).when({ type: 'CancelOrder', data: { reason: 'payment_declined' } }).then(cancelled('payment_declined')));
    it('owes a refund when a pending order’s payment was already captured', () =>
      given(placed, reserved('p-mug'), captured())
        .when({ type: 'CancelOrder', data: { reason: 'payment_timeout' } })
        .then(cancelled('payment_timeout', 'pending', true)));
    it('cancels a confirmed order at the customer’s request, owing a refund', () =>
      given(...paidAndReserved, confirmed).when(customerCancel).then(cancelledByCustomer('confirmed', true)));
    it('does nothing when a saga cancellation loses the race to confirmation', () =>
      given(...paidAndReserved, confirmed).when({ type: 'CancelOrder', data: { reason: 'payment_timeout' } }).thenNothing());
    it('refuses to cancel an order already cancelled', () =>
      given(placed, cancelledByCustomer('pending', false)).when(customerCancel).thenRefuses('conflict', 'order_already_cancelled'));
    it('ignores a second saga cancellation (two items out of stock, or a redelivery)', () =>
      given(placed, reservationFailed('p-mug'), cancelled('insufficient_stock'))
        .when({ type: 'CancelOrder', data: { reason: 'insufficient_stock' } })
        .thenNothing());
  });

  describe('RequestPayment', () => {
    const request = { type: 'RequestPayment', data: { dueAt } } as const;
    it('asks for the payment once every item is reserved, with its deadline', () =>
      given(placed, reserved('p-mug'), reserved('p-pen')).when(request).then(requested));
    it('waits while an item is not reserved yet', () => given(placed, reserved('p-mug')).when(request).thenNothing());
    it('asks only once', () => given(placed, reserved('p-mug'), reserved('p-pen'), requested).when(request).thenNothing());
    it('does not ask for a cancelled order', () =>
      given(placed, reserved('p-mug'), reserved('p-pen'), cancelledByCustomer('pending', false)).when(request).thenNothing());
    it('keeps the deadline in the state', () =>
      assert.equal(stateAfter(placed, reserved('p-mug'), reserved('p-pen'), requested).payment.dueAt, dueAt));
  });

  describe('NoteRefunded', () => {
    it('notes the refund of a cancelled, paid order', () =>
      given(...paidAndReserved, confirmed, cancelledByCustomer('confirmed', true)).when(noteRefunded).then(refunded));
    it('notes the refund of a capture that arrived after cancellation', () =>
      given(placed, cancelled('payment_timeout'), captured(true)).when(noteRefunded).then(refunded));
    it('notes it once only', () =>
      given(...paidAndReserved, cancelledByCustomer('pending', true), refunded).when(noteRefunded).thenNothing());
    it('does nothing for an order that is not cancelled', () => given(...paidAndReserved, confirmed).when(noteRefunded).thenNothing());
    it('does nothing when no payment was captured', () => given(placed, cancelled('payment_declined')).when(noteRefunded).thenNothing());
  });

  describe('helpers for the saga and projections', () => {
    it('tells whether every item is reserved', () => {
      assert.equal(allItemsReserved(stateAfter(placed, reserved('p-mug'))), false);
      assert.equal(allItemsReserved(stateAfter(placed, reserved('p-mug'), reserved('p-pen'))), true);
    });
    it('tells whether a reservation failed', () => {
      assert.equal(anyReservationFailed(stateAfter(placed, reserved('p-mug'))), false);
      assert.equal(anyReservationFailed(stateAfter(placed, reserved('p-mug'), reservationFailed('p-pen'))), true);
    });
    it('lists the products holding stock for the order', () =>
      assert.deepEqual(reservedProductIds(stateAfter(placed, reservationFailed('p-mug'), reserved('p-pen'))), ['p-pen']));
    it('tells whether the order can be confirmed', () => {
      assert.equal(canConfirm(stateAfter(...paidAndReserved)), true);
      assert.equal(canConfirm(stateAfter(...paidAndReserved, confirmed)), false);
    });
    it('tells whether a refund is still due', () => {
      assert.equal(refundDue(stateAfter(...paidAndReserved, confirmed)), false);
      assert.equal(refundDue(stateAfter(...paidAndReserved, confirmed, cancelledByCustomer('confirmed', true))), true);
      assert.equal(refundDue(stateAfter(...paidAndReserved, confirmed, cancelledByCustomer('confirmed', true), refunded)), false);
    });
    it('keeps status and cancellation reason for the read side', () => {
      const state = stateAfter(placed, declined, cancelled('payment_declined'));
      assert.equal(state.status, 'cancelled');
      assert.equal(state.cancellationReason, 'payment_declined');
      assert.deepEqual(state.total, eur(3097));
    });
  });
});

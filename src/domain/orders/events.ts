import { z } from 'zod';
import type { EventsOf } from '../shared/decider.js';
import { Money } from '../shared/money.js';

export const OrderStatus = z.enum(['pending', 'confirmed', 'cancelled']);
export type OrderStatus = z.infer<typeof OrderStatus>;

export const CancellationReason = z.enum(['insufficient_stock', 'payment_declined', 'payment_timeout', 'customer_request']);
export type CancellationReason = z.infer<typeof CancellationReason>;

export const OrderLine = z.object({
  productId: z.string(),
  quantity: z.number().int().min(1).max(1000),
  unitPrice: Money,
});
export type OrderLine = z.infer<typeof OrderLine>;

export const OrderPlaced = z.object({
  orderId: z.string(),
  customerId: z.string(),
  items: z.array(OrderLine).min(1).max(50),
  total: Money,
  paymentToken: z.string(),
  placedAt: z.string(),
});
export const OrderStockReserved = z.object({ orderId: z.string(), productId: z.string() });
export const OrderStockReservationFailed = z.object({ orderId: z.string(), productId: z.string() });
/** Every item is reserved: the saga charges `amount` and gives up waiting for the outcome at `dueAt`. */
export const OrderPaymentRequested = z.object({ orderId: z.string(), amount: Money, dueAt: z.string() });
/** `refundDue`: the capture arrived after the order was cancelled, so the saga must refund it. */
export const OrderPaymentCaptured = z.object({ orderId: z.string(), paymentId: z.string(), refundDue: z.boolean() });
export const OrderPaymentDeclined = z.object({ orderId: z.string(), reason: z.string() });
export const OrderPaymentTimedOut = z.object({ orderId: z.string() });
export const OrderConfirmed = z.object({ orderId: z.string() });
/** What an order was when it was cancelled: a confirmed order's committed stock goes back on the shelf. */
export const CancelledWhen = z.enum(['pending', 'confirmed']);
export type CancelledWhen = z.infer<typeof CancelledWhen>;

/** `refundDue`: a captured payment must be refunded (and, when `previousStatus` is confirmed, committed stock returned). */
export const OrderCancelled = z.object({
  orderId: z.string(),
  reason: CancellationReason,
  previousStatus: CancelledWhen,
  refundDue: z.boolean(),
  by: z.string().optional(),
});
export const OrderRefunded = z.object({ orderId: z.string(), paymentId: z.string() });

export const orderEventSchemas = {
  OrderPlaced,
  OrderStockReserved,
  OrderStockReservationFailed,
  OrderPaymentRequested,
  OrderPaymentCaptured,
  OrderPaymentDeclined,
  OrderPaymentTimedOut,
  OrderConfirmed,
  OrderCancelled,
  OrderRefunded,
} as const;

export type OrderEvent = EventsOf<typeof orderEventSchemas>;
export type OrderEventType = OrderEvent['type'];

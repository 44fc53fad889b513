import { z } from 'zod';
import type { CommandsOf } from '../shared/decider.js';
import { CancellationReason, OrderLine } from './events.js';

const NoData = z.strictObject({});

/** The lines are priced by the application from the catalog; the order checks them and takes their total. */
export const PlaceOrder = z.object({
  orderId: z.string(),
  customerId: z.string(),
  items: z.array(OrderLine),
  paymentToken: z.string(),
  placedAt: z.string(),
});
// Issued by the order-fulfilment saga:
/** `paymentDueAt`: the payment's deadline, should this reservation be the order's last (see RequestPayment). */
export const NoteStockReserved = z.object({ productId: z.string(), paymentDueAt: z.string() });
export const NoteStockReservationFailed = z.object({ productId: z.string() });
/** `dueAt`: when the order gives up waiting for the payment's outcome (the saga schedules its timeout then). */
export const RequestPayment = z.object({ dueAt: z.string() });
export const NotePaymentCaptured = z.object({ paymentId: z.string() });
export const NotePaymentDeclined = z.object({ reason: z.string() });
export const NotePaymentTimedOut = NoData;
export const ConfirmOrder = NoData;
export const NoteRefunded = z.object({ paymentId: z.string() });
/** Issued by the saga (stock, payment) or by a customer or admin (`by`: their user id). */
export const CancelOrder = z.object({ reason: CancellationReason, by: z.string().optional() });

export const orderCommandSchemas = {
  PlaceOrder,
  NoteStockReserved,
  NoteStockReservationFailed,
  RequestPayment,
  NotePaymentCaptured,
  NotePaymentDeclined,
  NotePaymentTimedOut,
  ConfirmOrder,
  NoteRefunded,
  CancelOrder,
} as const;

export type PlaceOrder = z.infer<typeof PlaceOrder>;
export type NoteStockReserved = z.infer<typeof NoteStockReserved>;
export type NoteStockReservationFailed = z.infer<typeof NoteStockReservationFailed>;
export type RequestPayment = z.infer<typeof RequestPayment>;
export type NotePaymentCaptured = z.infer<typeof NotePaymentCaptured>;
export type NotePaymentDeclined = z.infer<typeof NotePaymentDeclined>;
export type NotePaymentTimedOut = z.infer<typeof NotePaymentTimedOut>;
export type ConfirmOrder = z.infer<typeof ConfirmOrder>;
export type NoteRefunded = z.infer<typeof NoteRefunded>;
export type CancelOrder = z.infer<typeof CancelOrder>;
export type OrderCommand = CommandsOf<typeof orderCommandSchemas>;

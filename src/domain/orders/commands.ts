import type { CancellationReason, OrderLine } from './events.js';

type NoData = Record<string, never>;

export type OrderCommand =
  | {
      type: 'PlaceOrder';
      data: { orderId: string; customerId: string; items: OrderLine[]; paymentToken: string; placedAt: string };
    }
  // Issued by the order-fulfilment saga:
  | { type: 'NoteStockReserved'; data: { productId: string } }
  | { type: 'NoteStockReservationFailed'; data: { productId: string } }
  /** `dueAt`: when the order gives up waiting for the payment's outcome (the saga schedules its timeout then). */
  | { type: 'RequestPayment'; data: { dueAt: string } }
  | { type: 'NotePaymentCaptured'; data: { paymentId: string } }
  | { type: 'NotePaymentDeclined'; data: { reason: string } }
  | { type: 'NotePaymentTimedOut'; data: NoData }
  | { type: 'ConfirmOrder'; data: NoData }
  | { type: 'NoteRefunded'; data: { paymentId: string } }
  // Issued by the saga (stock, payment) or by a customer or admin (`by`: their user id):
  | { type: 'CancelOrder'; data: { reason: CancellationReason; by?: string } };

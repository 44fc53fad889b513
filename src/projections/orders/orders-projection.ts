import { z } from 'zod';
import type { RecordedEvent } from '../../application/ports/event-store.js';
import { CancellationReason, type OrderEvent, OrderLine, OrderStatus } from '../../domain/orders/events.js';
import { Money } from '../../domain/shared/money.js';
import type { DocumentProjection, Projection } from '../projection.js';

/** An `orders` document: the order as the API shows it (by its customer's id), and when it was placed (the list's order). */
export const OrderDocument = z.object({
  id: z.string(),
  customerId: z.string(),
  status: OrderStatus,
  items: z.array(OrderLine),
  total: Money,
  cancellationReason: CancellationReason.nullable(),
  placedAt: z.string(),
  /** The order stream's revision: what `ETag` and `If-Match` speak of. */
  version: z.number().int(),
});
export type OrderDocument = z.infer<typeof OrderDocument>;

type Recorded = RecordedEvent & OrderEvent;

export const orderDocuments: DocumentProjection<Recorded, OrderDocument> = {
  collection: 'orders',
  // Every order event, so `version` follows the stream's revision.
  eventTypes: [
    'OrderPlaced',
    'OrderStockReserved',
    'OrderStockReservationFailed',
    'OrderPaymentRequested',
    'OrderPaymentCaptured',
    'OrderPaymentDeclined',
    'OrderPaymentTimedOut',
    'OrderConfirmed',
    'OrderCancelled',
    'OrderRefunded',
  ],
  documentIds: (event) => [event.data.orderId],
  evolve(order, event) {
    const version = Number(event.revision);
    if (event.type === 'OrderPlaced') {
      if (order !== null) return order;
      const { orderId, customerId, items, total, placedAt } = event.data;
      return { id: orderId, customerId, status: 'pending', items, total, cancellationReason: null, placedAt, version };
    }
    if (order === null) return null;
    // An event the document already reflects (a redelivery) changes nothing.
    if (version <= order.version) return order;
    switch (event.type) {
      case 'OrderConfirmed':
        return { ...order, status: 'confirmed', version };
      case 'OrderCancelled':
        return { ...order, status: 'cancelled', cancellationReason: event.data.reason, version };
      default:
        return { ...order, version };
    }
  },
};

export const ordersProjection: Projection = {
  name: 'orders',
  collections: [{ name: 'orders', indexes: ['customerId', 'status', 'placedAt'] }],
  documents: [orderDocuments],
};

import type { RecordedEvent } from '../../application/ports/event-store.js';
import type { ReadDocument } from '../../application/ports/read-store.js';
import type { CancellationReason, OrderEvent, OrderLine, OrderStatus } from '../../domain/orders/events.js';
import type { Money } from '../../domain/shared/money.js';
import type { DocumentProjection, Projection } from '../projection.js';

export interface OrderDocument extends ReadDocument {
  customerId: string;
  status: OrderStatus;
  items: OrderLine[];
  total: Money;
  cancellationReason: CancellationReason | null;
  placedAt: string;
  /** The order stream's revision: what `ETag` and `If-Match` speak of. */
  version: number;
}

type Recorded = RecordedEvent & OrderEvent;

export const orderDocuments: DocumentProjection<Recorded> = {
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
  evolve(document, event) {
    const version = Number(event.revision);
    if (event.type === 'OrderPlaced') {
      if (document !== null) return document;
      const { orderId, customerId, items, total, placedAt } = event.data;
      const placed: OrderDocument = { id: orderId, customerId, status: 'pending', items, total, cancellationReason: null, placedAt, version };
      return placed;
    }
    if (document === null) return null;
    const order = document as OrderDocument;
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

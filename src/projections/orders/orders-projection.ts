import { z } from 'zod';
import type { RecordedEvent } from '../../application/ports/event-store.js';
import { CancellationReason, type OrderEvent, OrderLine, OrderStatus } from '../../domain/orders/events.js';
import { Money } from '../../domain/shared/money.js';
import { type DocumentProjection, type Projection, readerOf } from '../projection.js';
import type { FindQuery, Page, ReadStore, Scalar } from '../../application/ports/read-store.js';

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

/** An order as the API shows it, before `customerId` is enriched with the customer's name. */
export type OrderView = Omit<OrderDocument, 'placedAt'>;

/** Who is asking: a customer sees their own orders, an admin sees every order. */
export interface OrderViewer {
  userId: string;
  admin: boolean;
}

export const visibleTo = (viewer: OrderViewer, customerId: string): boolean => viewer.admin || viewer.userId === customerId;

const orders = readerOf(orderDocuments);

/** The API's fields of an `orders` document (which also holds what the list sorts on). */
const orderViewOf = ({ id, customerId, status, items, total, cancellationReason, version }: OrderDocument): OrderView => ({
  id,
  customerId,
  status,
  items,
  total,
  cancellationReason,
  version,
});

/** An `orders` document (the read model's, or one as it stood) as the viewer may see it: null when they may not. */
export const visibleOrder = (document: OrderDocument | null, viewer: OrderViewer): OrderView | null =>
  document && visibleTo(viewer, document.customerId) ? orderViewOf(document) : null;

export const orderById = async (store: ReadStore, orderId: string, viewer: OrderViewer): Promise<OrderView | null> =>
  visibleOrder(await orders.get(store, orderId), viewer);

/** Newest first: a customer's own orders, or every order for an admin. */
export const listOrders = async (
  store: ReadStore,
  viewer: OrderViewer,
  query: { status?: OrderStatus | undefined; limit: number; cursor?: string | undefined },
): Promise<Page<OrderView>> => {
  const where: Record<string, Scalar> = {};
  if (!viewer.admin) where.customerId = viewer.userId;
  if (query.status !== undefined) where.status = query.status;
  const find: FindQuery = { where, orderBy: 'placedAt', direction: 'desc', limit: query.limit, cursor: query.cursor };
  const page = await orders.find(store, find);
  return { items: page.items.map(orderViewOf), nextCursor: page.nextCursor };
};

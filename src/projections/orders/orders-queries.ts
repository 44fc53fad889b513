import type { FindQuery, Page, ReadStore, Scalar } from '../../application/ports/read-store.js';
import type { OrderStatus } from '../../domain/orders/events.js';
import { readerOf } from '../projection.js';
import { type OrderDocument, orderDocuments } from './orders-projection.js';

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

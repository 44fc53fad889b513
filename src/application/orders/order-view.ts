import type { Order } from '../../domain/orders/order.js';
import type { CancellationReason, OrderLine, OrderStatus } from '../../domain/orders/events.js';
import type { Money } from '../../domain/shared/money.js';

/** An order as the API shows it, before `customerId` is enriched with the customer's name. */
export interface OrderView {
  id: string;
  customerId: string;
  status: OrderStatus;
  items: OrderLine[];
  total: Money;
  cancellationReason: CancellationReason | null;
  version: number;
}

export const orderViewOf = (order: Order, revision: bigint): OrderView => ({
  id: order.orderId,
  customerId: order.customerId,
  status: order.status,
  items: [...order.items],
  total: order.total,
  cancellationReason: order.cancellationReason,
  version: Number(revision),
});

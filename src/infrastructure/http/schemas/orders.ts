import { z } from 'zod';
import { CancellationReason, OrderStatus } from '../../../domain/orders/events.js';
import { MAX_ITEMS, MAX_QUANTITY } from '../../../domain/orders/order-lines.js';
import { ListQuery, Money } from './common.js';

const OrderItemBody = z.strictObject({
  productId: z.string().trim().min(1).max(100),
  quantity: z.number().int().min(1).max(MAX_QUANTITY),
});

export const PlaceOrderBody = z.strictObject({
  items: z
    .array(OrderItemBody)
    .min(1)
    .max(MAX_ITEMS)
    .superRefine((items, ctx) => {
      const seen = new Set<string>();
      items.forEach((item, index) => {
        if (seen.has(item.productId))
          ctx.addIssue({ code: 'custom', path: [index, 'productId'], message: 'each product may appear once per order' });
        seen.add(item.productId);
      });
    })
    // No JSON Schema keyword says "unique by productId" (uniqueItems compares whole items): the words say it.
    .meta({ description: 'the lines of the order: each productId at most once' }),
  paymentToken: z.string().min(1).max(200),
});

/** A cancel carries no body; anything sent is refused like any unknown field. */
export const CancelOrderBody = z.strictObject({});

export const OrderListQuery = ListQuery.extend({ status: OrderStatus.optional() });

export const OrderPlacedResponse = z.object({ id: z.string(), status: z.literal('pending') });

export const OrderResponse = z.object({
  id: z.string(),
  status: OrderStatus,
  items: z.array(z.object({ productId: z.string(), quantity: z.number().int(), unitPrice: Money })),
  total: Money,
  cancellationReason: CancellationReason.nullable(),
  customer: z.object({ id: z.string(), name: z.string() }).nullable(),
  version: z.number().int(),
});

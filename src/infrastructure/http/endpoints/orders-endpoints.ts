import { z } from 'zod';
import type { OrdersService } from '../../../application/orders/orders-service.js';
import { type OrderView, type OrderViewer, visibleOrder } from '../../../projections/orders/orders-projection.js';
import type { UserDirectory } from '../../../application/ports/user-directory.js';
import { OrderStatus } from '../../../domain/orders/events.js';
import { MAX_ITEMS, MAX_QUANTITY } from '../../../domain/orders/order-lines.js';
import { OrderDocument } from '../../../projections/orders/orders-projection.js';
import type { ResourceHistory } from '../../../projections/time-travel/resource-history.js';
import { commandAnswer, ok } from '../answer.js';
import { notFoundAsOf } from '../as-of.js';
import { endpoint, idParam, named, tag } from '../endpoint.js';
import { isAdmin } from '../middleware/auth.js';
import type { Principal } from '../request-context.js';
import { ListQuery, page, UserSummary } from '../schemas/common.js';

const Orders = tag('Orders', 'Orders and the order-fulfilment saga.');

export interface OrdersDeps {
  orders: OrdersService;
  users: UserDirectory;
  history: ResourceHistory;
}

const OrderItemBody = z.strictObject({
  productId: z.string().trim().min(1).max(100),
  quantity: z.number().int().min(1).max(MAX_QUANTITY),
});

const PlaceOrderBody = named(
  'PlaceOrderBody',
  z.strictObject({
    items: z
      .array(OrderItemBody)
      .min(1)
      .max(MAX_ITEMS)
      .superRefine((items, ctx) => {
        const seen = new Set<string>();
        items.forEach((item, index) => {
          if (seen.has(item.productId)) ctx.addIssue({ code: 'custom', path: [index, 'productId'], message: 'each product may appear once per order' });
          seen.add(item.productId);
        });
      })
      // No JSON Schema keyword says "unique by productId" (uniqueItems compares whole items): the words say it.
      .meta({ description: 'the lines of the order: each productId at most once' }),
    paymentToken: z.string().min(1).max(200),
  }),
);

/** A cancel carries no body; anything sent is refused like any unknown field. */
const CancelOrderBody = named('CancelOrderBody', z.strictObject({}));

const OrderListQuery = ListQuery.extend({ status: OrderStatus.optional() });

const OrderPlacedResponse = named('OrderPlaced', z.object({ id: z.string(), status: z.literal('pending') }));

/** The read model's order, with its customer as the users API names them instead of the customer's id. */
const OrderResponse = named('Order', OrderDocument.omit({ customerId: true, placedAt: true }).extend({ customer: UserSummary.nullable() }));

const OrderList = named('OrderList', page(OrderResponse));

const orderPath = z.object({ id: idParam('order') });

const viewer = (principal: Principal): OrderViewer => ({ userId: principal.userId, admin: isAdmin(principal) });
const withCustomer = async (users: UserDirectory, { customerId, ...order }: OrderView, traceparent: string) => ({
  ...order,
  customer: await users.find(customerId, traceparent),
});

export const placeOrder = endpoint({
  operationId: 'placeOrder',
  method: 'post',
  path: '/api/v1/orders',
  summary: 'Place an order',
  description: 'Prices are taken from the catalog. The order-fulfilment saga reserves the stock, charges `paymentToken` and confirms the order, or cancels it.',
  tags: [Orders],
  who: 'signed-in',
  body: PlaceOrderBody,
  responses: {
    202: { description: 'Accepted, pending; `Location` is the order.', schema: OrderPlacedResponse, headers: ['Location', 'ETag', 'X-Position'] },
    422: { description: 'A product is unknown, or the items do not share one currency.' },
  },
  handle:
    ({ orders }: OrdersDeps) =>
    async ({ body, context }) => {
      const change = await orders.place(body, context);
      return commandAnswer(202, { id: change.order.id, status: change.order.status }, change, `/api/v1/orders/${change.order.id}`);
    },
});

export const listOrders = endpoint({
  operationId: 'listOrders',
  method: 'get',
  path: '/api/v1/orders',
  summary: 'List your orders (an admin: every order)',
  tags: [Orders],
  who: 'signed-in',
  query: OrderListQuery,
  readModel: 'orders',
  responses: { 200: { description: 'A page of orders.', schema: OrderList } },
  handle:
    ({ orders, users }: OrdersDeps) =>
    async ({ query, principal, req }) => {
      const page = await orders.list(viewer(principal), query);
      return ok({ items: await Promise.all(page.items.map((order) => withCustomer(users, order, req.traceparent))), nextCursor: page.nextCursor });
    },
});

export const getOrder = endpoint({
  operationId: 'getOrder',
  method: 'get',
  path: '/api/v1/orders/{id}',
  summary: 'An order (owner or admin)',
  tags: [Orders],
  who: 'signed-in',
  params: orderPath,
  timeTravel: true,
  readModel: 'orders',
  responses: {
    200: { description: 'The order.', schema: OrderResponse, headers: ['ETag'] },
    404: { description: 'No such order, or it is not yours (existence is not leaked). With `asOf`: it did not exist then, or never had that revision (yet).' },
  },
  handle:
    ({ orders, users, history }: OrdersDeps) =>
    async ({ params: { id }, asOf, principal, req }) => {
      const order = asOf === undefined ? await orders.get(id, viewer(principal)) : visibleOrder(await history.order(id, asOf), viewer(principal));
      if (!order) throw notFoundAsOf('order', asOf);
      return ok(await withCustomer(users, order, req.traceparent), order.version);
    },
});

export const cancelOrder = endpoint({
  operationId: 'cancelOrder',
  method: 'post',
  path: '/api/v1/orders/{id}/cancel',
  summary: 'Cancel an order (owner or admin)',
  description: 'Cancelling a confirmed order refunds the payment and returns the stock. The body, if any, must be `{}`.',
  tags: [Orders],
  who: 'signed-in',
  params: orderPath,
  body: CancelOrderBody,
  bodyOptional: true,
  ifMatch: true,
  responses: {
    202: { description: 'Accepted; the order as it stands.', schema: OrderResponse, headers: ['ETag', 'X-Position'] },
    404: { description: 'No such order, or it is not yours.' },
    409: { description: 'The order is already cancelled.' },
  },
  handle:
    ({ orders, users }: OrdersDeps) =>
    async ({ params: { id }, principal, context, expectedRevision, req }) => {
      const change = await orders.cancel(id, viewer(principal), context, expectedRevision);
      return commandAnswer(202, await withCustomer(users, change.order, req.traceparent), change);
    },
});

/** Orders, in the order they are matched. Someone who may not see an order gets 404. */
export const ordersEndpoints = [placeOrder, listOrders, getOrder, cancelOrder];

import { type RouteTable, routeTable } from '../route-table.js';
import type { Request } from 'express';
import type { OrderView } from '../../../application/orders/order-view.js';
import { type OrdersService, type OrderViewer, visibleOrder } from '../../../application/orders/orders-service.js';
import type { ResourceHistory } from '../../../projections/time-travel/resource-history.js';
import { asOfOf, notFoundAsOf, timeTravel } from '../as-of.js';
import type { UserDirectory } from '../../../application/ports/user-directory.js';
import { sendCommandResult } from '../command-response.js';
import { isAdmin, requireSignedIn } from '../middleware/auth.js';
import { minPosition, type ReadModelProgress } from '../middleware/read-your-writes.js';
import { commandContext } from '../request-context.js';
import { CancelOrderBody, OrderListQuery, PlaceOrderBody } from '../schemas/orders.js';
import { body, etag, ifMatch, pathId, pathIdFirst, query } from '../validate.js';

export interface OrdersRoutesDeps {
  orders: OrdersService;
  users: UserDirectory;
  progress: ReadModelProgress;
  history: ResourceHistory;
}

const orderId = (raw: unknown): string => pathId(raw, 'order');

/** Only used behind requireSignedIn. */
const viewer = (req: Request): OrderViewer => ({ userId: req.principal!.userId, admin: isAdmin(req.principal) });

/** Orders over HTTP: parse, authorise, call the application, answer. Someone who may not see an order gets 404. */
export const ordersRoutes = ({ orders, users, progress, history }: OrdersRoutesDeps): RouteTable => {
  const router = routeTable();
  const present = async ({ customerId, ...order }: OrderView, req: Request) => ({ ...order, customer: await users.find(customerId, req.traceparent) });

  router.post('/', requireSignedIn, async (req, res) => {
    const input = body(req, PlaceOrderBody);
    const change = await orders.place(input, { ...commandContext(req), userId: req.principal!.userId });
    sendCommandResult(res, {
      status: 202,
      body: { id: change.order.id, status: change.order.status },
      position: change.position,
      revision: change.revision,
      location: `/api/v1/orders/${change.order.id}`,
    });
  });

  router.get('/', requireSignedIn, minPosition(progress, 'orders'), async (req, res) => {
    const { status, limit, cursor } = query(req, OrderListQuery);
    const page = await orders.list(viewer(req), { status, limit, cursor });
    res.json({ items: await Promise.all(page.items.map((order) => present(order, req))), nextCursor: page.nextCursor });
  });

  router.get('/:id', requireSignedIn, timeTravel, pathIdFirst('order'), minPosition(progress, 'orders'), async (req, res) => {
    const id = orderId(req.params.id);
    const asOf = asOfOf(res);
    const order = asOf === undefined ? await orders.get(id, viewer(req)) : visibleOrder(await history.order(id, asOf), viewer(req));
    if (!order) throw notFoundAsOf('order', asOf);
    res.setHeader('ETag', etag(order.version));
    res.json(await present(order, req));
  });

  router.post('/:id/cancel', requireSignedIn, async (req, res) => {
    const id = orderId(req.params.id);
    body(req, CancelOrderBody);
    const change = await orders.cancel(id, viewer(req), commandContext(req), ifMatch(req));
    sendCommandResult(res, { status: 202, body: await present(change.order, req), position: change.position, revision: change.revision });
  });

  return router;
};

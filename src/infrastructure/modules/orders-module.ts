import { OrdersService } from '../../application/orders/orders-service.js';
import { ordersProjection } from '../../projections/orders/orders-projection.js';
import { TOKENS } from '../container/tokens.js';
import { ordersRoutes } from '../http/routes/orders.js';
import type { PlatformModule } from './platform-module.js';

export const ordersModule: PlatformModule = {
  name: 'orders',
  serves: 'orders-api',
  bind(container) {
    container
      .bind(TOKENS.OrdersService)
      .toDynamicValue((ctx) => new OrdersService(ctx.get(TOKENS.CommandHandler), ctx.get(TOKENS.ReadStore), () => new Date()));
  },
  projections: [ordersProjection],
  routes: [
    {
      path: '/api/v1/orders',
      router: (container) =>
        ordersRoutes({
          orders: container.get(TOKENS.OrdersService),
          users: container.get(TOKENS.UserDirectory),
          progress: container.get(TOKENS.ReadModelProgress),
          history: container.get(TOKENS.ResourceHistory),
        }),
    },
  ],
};

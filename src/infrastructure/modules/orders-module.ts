import { orderEventSchemas } from '../../domain/orders/events.js';
import { OrdersService } from '../../application/orders/orders-service.js';
import { ordersProjection } from '../../projections/orders/orders-projection.js';
import { TOKENS } from '../container/tokens.js';
import { ordersEndpoints } from '../http/endpoints/orders-endpoints.js';
import { moduleRoutes, type PlatformModule } from './platform-module.js';

export const ordersModule: PlatformModule = {
  name: 'orders',
  serves: 'orders-api',
  events: orderEventSchemas,
  bind(container) {
    container
      .bind(TOKENS.OrdersService)
      .toDynamicValue((ctx) => new OrdersService(ctx.get(TOKENS.CommandHandler), ctx.get(TOKENS.ReadStore), () => new Date()));
  },
  projections: [ordersProjection],
  routes: [
    moduleRoutes('/api/v1/orders', ordersEndpoints, (container) => ({
      orders: container.get(TOKENS.OrdersService),
      users: container.get(TOKENS.UserDirectory),
      history: container.get(TOKENS.ResourceHistory),
    })),
  ],
};

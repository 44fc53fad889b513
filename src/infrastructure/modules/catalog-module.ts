import { productEventSchemas } from '../../domain/products/events.js';
import { ProductsService } from '../../application/products/products-service.js';
import { productsProjection } from '../../projections/products/products-projection.js';
import { TOKENS } from '../container/tokens.js';
import { productsEndpoints } from '../http/endpoints/products-endpoints.js';
import { moduleRoutes, type PlatformModule } from './platform-module.js';

export const catalogModule: PlatformModule = {
  name: 'catalog',
  serves: 'catalog-api',
  events: productEventSchemas,
  bind(container) {
    container
      .bind(TOKENS.ProductsService)
      .toDynamicValue((ctx) => new ProductsService(ctx.get(TOKENS.CommandHandler), ctx.get(TOKENS.UniqueClaims), ctx.get(TOKENS.ReadStore)));
  },
  projections: [productsProjection],
  routes: [
    moduleRoutes('/api/v1/products', productsEndpoints, (container) => ({
      products: container.get(TOKENS.ProductsService),
      users: container.get(TOKENS.UserDirectory),
      history: container.get(TOKENS.ResourceHistory),
    })),
  ],
};

import { ProductsService } from '../../application/products/products-service.js';
import { productsProjection } from '../../projections/products/products-projection.js';
import { TOKENS } from '../container/tokens.js';
import { productsRoutes } from '../http/routes/products.js';
import type { PlatformModule } from './platform-module.js';

export const catalogModule: PlatformModule = {
  name: 'catalog',
  serves: 'catalog-api',
  bind(container) {
    container
      .bind(TOKENS.ProductsService)
      .toDynamicValue((ctx) => new ProductsService(ctx.get(TOKENS.CommandHandler), ctx.get(TOKENS.UniqueClaims), ctx.get(TOKENS.ReadStore)));
  },
  projections: [productsProjection],
  routes: [
    {
      path: '/api/v1/products',
      router: (container) =>
        productsRoutes({
          products: container.get(TOKENS.ProductsService),
          users: container.get(TOKENS.UserDirectory),
          progress: container.get(TOKENS.ReadModelProgress),
          history: container.get(TOKENS.ResourceHistory),
        }),
    },
  ],
};

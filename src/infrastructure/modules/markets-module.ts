import { MarketsService } from '../../application/markets/markets-service.js';
import { marketsProjection } from '../../projections/markets/markets-projection.js';
import { TOKENS } from '../container/tokens.js';
import { marketsRoutes } from '../http/routes/markets.js';
import type { PlatformModule } from './platform-module.js';

export const marketsModule: PlatformModule = {
  name: 'markets',
  serves: 'markets-api',
  bind(container) {
    container
      .bind(TOKENS.MarketsService)
      .toDynamicValue((ctx) => new MarketsService(ctx.get(TOKENS.CommandHandler), ctx.get(TOKENS.ReadStore), () => new Date()));
  },
  projections: [marketsProjection],
  routes: [
    {
      path: '/api/v1/markets',
      router: (container) => marketsRoutes({
          markets: container.get(TOKENS.MarketsService),
          progress: container.get(TOKENS.ReadModelProgress),
          history: container.get(TOKENS.ResourceHistory),
        }),
    },
  ],
};

import { marketEventSchemas } from '../../domain/markets/events.js';
import { MarketsService } from '../../application/markets/markets-service.js';
import { marketsProjection } from '../../projections/markets/markets-projection.js';
import { TOKENS } from '../container/tokens.js';
import { marketsEndpoints } from '../http/endpoints/markets-endpoints.js';
import { moduleRoutes, type PlatformModule } from './platform-module.js';

export const marketsModule: PlatformModule = {
  name: 'markets',
  serves: 'markets-api',
  events: marketEventSchemas,
  bind(container) {
    container
      .bind(TOKENS.MarketsService)
      .toDynamicValue((ctx) => new MarketsService(ctx.get(TOKENS.CommandHandler), ctx.get(TOKENS.ReadStore), () => new Date()));
  },
  projections: [marketsProjection],
  routes: [
    moduleRoutes('/api/v1/markets', marketsEndpoints, (container) => ({
      markets: container.get(TOKENS.MarketsService),
      history: container.get(TOKENS.ResourceHistory),
    })),
  ],
};

import { TOKENS } from '../container/tokens.js';
import { metricsRoutes } from '../http/routes/metrics.js';
import { projectionsRoutes } from '../http/routes/projections.js';
import type { PlatformModule } from './platform-module.js';

/** What operators use: the projections' admin view and rebuilds, and Prometheus metrics. */
export const operationsModule: PlatformModule = {
  name: 'operations',
  publicRoutes: (container) => [{ path: '/metrics', router: metricsRoutes(container.get(TOKENS.Projections)) }],
  routes: (container) => [
    { path: '/api/v1/projections', router: projectionsRoutes(container.get(TOKENS.Projections), container.get(TOKENS.Logger)) },
  ],
};

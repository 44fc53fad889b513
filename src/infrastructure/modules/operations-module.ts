import { TOKENS } from '../container/tokens.js';
import { projectionsEndpoints } from '../http/endpoints/projections-endpoints.js';
import { moduleRoutes, type PlatformModule } from './platform-module.js';

/** What operators use: the projections' admin view and rebuilds (served by the process that runs them). */
export const operationsModule: PlatformModule = {
  name: 'operations',
  serves: 'projector',
  routes: [
    moduleRoutes('/api/v1/projections', projectionsEndpoints, (container) => ({ projections: container.get(TOKENS.Projections), logger: container.get(TOKENS.Logger) })),
  ],
};

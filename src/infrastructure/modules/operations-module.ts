import { TOKENS } from '../container/tokens.js';
import { projectionsRoutes } from '../http/routes/projections.js';
import type { PlatformModule } from './platform-module.js';

/** What operators use: the projections' admin view and rebuilds (served by the process that runs them). */
export const operationsModule: PlatformModule = {
  name: 'operations',
  serves: 'projector',
  routes: [{ path: '/api/v1/projections', router: (container) => projectionsRoutes(container.get(TOKENS.Projections), container.get(TOKENS.Logger)) }],
};

import { openApiRoutes } from '../http/openapi/openapi-route.js';
import type { PlatformModule } from './platform-module.js';

/**
 * `GET /openapi.json`, public like the JWKS document. The all-in-one process serves it; split into roles,
 * the users API (the front door that also serves the JWKS) does. It describes every route, whoever serves them.
 */
export const openapiModule: PlatformModule = {
  name: 'openapi',
  serves: 'users-api',
  publicRoutes: [{ path: '/openapi.json', router: () => openApiRoutes() }],
};

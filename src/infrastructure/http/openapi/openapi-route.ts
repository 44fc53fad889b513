import { type RouteTable, routeTable } from '../route-table.js';
import { openApiDocument } from './openapi-document.js';

/** `GET /openapi.json`: the OpenAPI 3.1 document of every route, built once from the route catalog. */
export const openApiRoutes = (): RouteTable => {
  const router = routeTable();
  router.get('/', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.type('application/json').send(openApiDocument().json);
  });
  return router;
};

import type { Registry } from 'prom-client';
import { type RouteTable, routeTable } from '../route-table.js';

/** `GET /metrics`: the registry in the Prometheus text format (what goes in it: src/infrastructure/metrics/). */
export const metricsRoutes = (registry: Registry): RouteTable => {
  const router = routeTable();
  router.get('/', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  return router;
};

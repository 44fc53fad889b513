import { type RouteTable, routeTable } from '../route-table.js';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { ProjectionSupervisor } from '../../../projections/projection-supervisor.js';

/** Prometheus text: process metrics and each projection's lag behind the head of `$all`. */
export const metricsRoutes = (projections: ProjectionSupervisor | undefined): RouteTable => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'ledgerflow_' });
  if (projections)
    new Gauge({
    name: 'ledgerflow_projection_lag_events',
    help: 'Head position of $all minus the position the projection has processed',
    labelNames: ['projection', 'status'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const info of await projections.info()) this.set({ projection: info.name, status: info.status }, Number(info.lag));
    },
  });
  const router = routeTable();
  router.get('/', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  return router;
};

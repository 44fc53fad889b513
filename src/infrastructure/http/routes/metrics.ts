import { type RouteTable, routeTable } from '../route-table.js';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { SagaRuntime } from '../../../application/sagas/saga-runtime.js';
import type { ProjectionSupervisor } from '../../../projections/projection-supervisor.js';

/** Prometheus text: process metrics, each projection's lag behind the head of `$all`, and the saga steps run here. */
export const metricsRoutes = (projections: ProjectionSupervisor | undefined, sagas?: SagaRuntime): RouteTable => {
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
  if (sagas)
    new Counter({
      name: 'ledgerflow_saga_steps_total',
      help: 'Saga steps this process ran: succeeded, retried (an attempt failed) and dead_lettered (the last attempt failed)',
      labelNames: ['outcome'],
      registers: [registry],
      collect() {
        const { succeeded, retried, deadLettered } = sagas.stepCounts;
        this.reset();
        this.inc({ outcome: 'succeeded' }, succeeded);
        this.inc({ outcome: 'retried' }, retried);
        this.inc({ outcome: 'dead_lettered' }, deadLettered);
      },
    });
  const router = routeTable();
  router.get('/', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  return router;
};

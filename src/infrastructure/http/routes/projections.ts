import { type RouteTable, routeTable } from '../route-table.js';
import type { Logger } from 'pino';
import { type ProjectionSupervisor, UnknownProjectionError } from '../../../projections/projection-supervisor.js';
import { requireRole } from '../middleware/auth.js';
import { notFoundProblem } from '../problem.js';

/** The admin view of the read models: where each stands, and a rebuild beside the live one. */
export const projectionsRoutes = (projections: ProjectionSupervisor, logger: Logger): RouteTable => {
  const router = routeTable();
  router.use(requireRole('admin'));

  router.get('/', async (_req, res) => {
    res.json({ items: await projections.info() });
  });

  router.post('/:name/rebuild', async (req, res) => {
    const name = String(req.params.name);
    if (!projections.names.includes(name)) throw notFoundProblem(`no projection named ${name}`);
    projections.rebuild(name).then(
      () => logger.info({ projection: name }, 'projection rebuilt and swapped in'),
      (error: unknown) => {
        if (!(error instanceof UnknownProjectionError)) logger.error({ projection: name, err: error }, 'projection rebuild failed');
      },
    );
    res.status(202).json({ name, status: 'rebuilding' });
  });

  return router;
};

import { type RouteTable, routeTable } from '../route-table.js';
import type { Logger } from 'pino';
import { type ProjectionSupervisor, UnknownProjectionError } from '../../../projections/projection-supervisor.js';
import { RebuildAbandonedError } from '../../../projections/projection-runner.js';
import { requireRole } from '../middleware/auth.js';
import { notFoundProblem } from '../problem.js';

const BASE = '/api/v1/projections';

/**
 * The admin view of the read models: where each stands (and how far a rebuild has come), and a rebuild beside the
 * live one, answered at once (202) with the projection to follow in `Location`.
 */
export const projectionsRoutes = (projections: ProjectionSupervisor, logger: Logger): RouteTable => {
  const router = routeTable();
  router.use(requireRole('admin'));
  const known = (raw: unknown): string => {
    const name = String(raw);
    if (!projections.names.includes(name)) throw notFoundProblem(`no projection named ${name}`);
    return name;
  };

  router.get('/', async (_req, res) => {
    res.json({ items: await projections.info() });
  });

  router.get('/:name', async (req, res) => {
    res.json(await projections.infoOf(known(req.params.name)));
  });

  router.post('/:name/rebuild', async (req, res) => {
    const name = known(req.params.name);
    projections.rebuild(name).then(
      () => logger.info({ projection: name }, 'projection rebuilt and swapped in'),
      (error: unknown) => {
        if (error instanceof RebuildAbandonedError) logger.warn({ projection: name, reason: error.message }, 'projection rebuild given up');
        else if (!(error instanceof UnknownProjectionError)) logger.error({ projection: name, err: error }, 'projection rebuild failed');
      },
    );
    res.setHeader('Location', `${BASE}/${encodeURIComponent(name)}`);
    res.status(202).json(await projections.infoOf(name));
  });

  return router;
};

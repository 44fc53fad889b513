import { type RouteTable, routeTable } from '../route-table.js';
import type { Logger } from 'pino';
import { type ProjectionSupervisor, UnknownProjectionError } from '../../../projections/projection-supervisor.js';
import { RebuildAbandonedError } from '../../../projections/projection-runner.js';
import { requireRole } from '../middleware/auth.js';
import { notFoundProblem, serviceUnavailable } from '../problem.js';

const BASE = '/api/v1/projections';

/**
 * The admin view of the read models: where each stands (and how far a rebuild has come), and a rebuild beside the
 * live one, answered at once (202) with the projection to follow in `Location`. Where projectors take turns under
 * leases, any projector answers: a rebuild asked of one that does not hold the lease is handed to the one that does.
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
    const { swapped } = await projections.rebuild(name).catch((error: unknown) => {
      logger.warn({ projection: name, err: error }, 'projection rebuild could not be asked for');
      throw serviceUnavailable('the rebuild could not be handed to the projector holding the lease (Redis did not answer); try again');
    });
    if (swapped === undefined) logger.info({ projection: name }, 'projection rebuild handed to the projector holding its lease');
    swapped?.then(
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

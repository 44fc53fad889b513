import type { SagasService } from '../../../application/sagas/sagas-service.js';
import { sendCommandResult } from '../command-response.js';
import { requireRole } from '../middleware/auth.js';
import { minPosition, type ReadModelProgress } from '../middleware/read-your-writes.js';
import { notFoundProblem } from '../problem.js';
import { commandContext } from '../request-context.js';
import { type RouteTable, routeTable } from '../route-table.js';
import { RetrySagaBody, SagaListQuery } from '../schemas/sagas.js';
import { body, etag, pathId, pathIdFirst, query } from '../validate.js';

const sagaId = (raw: unknown): string => pathId(raw, 'saga');

/** The saga-status view and an admin's retry of dead-lettered steps. Admin only. */
export const sagasRoutes = ({ sagas, progress }: { sagas: SagasService; progress: ReadModelProgress }): RouteTable => {
  const router = routeTable();
  router.use(requireRole('admin'));

  router.get('/', minPosition(progress, 'sagas'), async (req, res) => {
    const { type, status, limit, cursor } = query(req, SagaListQuery);
    res.json(await sagas.list({ type, status, limit, cursor }));
  });

  router.get('/:id', pathIdFirst('saga'), minPosition(progress, 'sagas'), async (req, res) => {
    const found = await sagas.get(sagaId(req.params.id));
    if (!found) throw notFoundProblem('no such saga');
    res.setHeader('ETag', etag(found.version));
    res.json(found.saga);
  });

  router.post('/:id/retry', async (req, res) => {
    const id = sagaId(req.params.id);
    body(req, RetrySagaBody);
    const retried = await sagas.retry(id, { ...commandContext(req), userId: req.principal!.userId });
    sendCommandResult(res, { status: 202, body: { id, retried: retried.steps }, position: retried.position });
  });

  return router;
};

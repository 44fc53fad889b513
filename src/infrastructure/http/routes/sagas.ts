import { type SagaDocument, sagaViewOf } from '../../../../sagas/saga-status/saga-document.js';
import type { SagasService } from '../../../application/sagas/sagas-service.js';
import type { ResourceHistory } from '../../../projections/time-travel/resource-history.js';
import { asOfOf, notFoundAsOf, timeTravel } from '../as-of.js';
import { sendCommandResult } from '../command-response.js';
import { requireRole } from '../middleware/auth.js';
import { minPosition, type ReadModelProgress } from '../middleware/read-your-writes.js';
import { commandContext } from '../request-context.js';
import { type RouteTable, routeTable } from '../route-table.js';
import { RetrySagaBody, SagaListQuery } from '../schemas/sagas.js';
import { body, etag, pathId, pathIdFirst, query } from '../validate.js';

const sagaId = (raw: unknown): string => pathId(raw, 'saga');

/** The saga-status view and an admin's retry of dead-lettered steps. Admin only. */
export const sagasRoutes = ({ sagas, progress, history }: { sagas: SagasService; progress: ReadModelProgress; history: ResourceHistory }): RouteTable => {
  /** The saga as its view has it, or (`?asOf`) as it stood. */
  const sagaOf = async (id: string, asOf: ReturnType<typeof asOfOf>) => {
    if (asOf === undefined) return sagas.get(id);
    const document = (await history.saga(id, asOf)) as SagaDocument | null;
    return document && { saga: sagaViewOf(document), version: document.version };
  };
  const router = routeTable();
  router.use(requireRole('admin'));

  router.get('/', minPosition(progress, 'sagas'), async (req, res) => {
    const { type, status, limit, cursor } = query(req, SagaListQuery);
    res.json(await sagas.list({ type, status, limit, cursor }));
  });

  router.get('/:id', timeTravel, pathIdFirst('saga'), minPosition(progress, 'sagas'), async (req, res) => {
    const asOf = asOfOf(res);
    const found = await sagaOf(sagaId(req.params.id), asOf);
    if (!found) throw notFoundAsOf('saga', asOf);
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

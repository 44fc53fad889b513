import { type RouteTable, routeTable } from '../route-table.js';
import { type MarketsService, viewOfDocument } from '../../../application/markets/markets-service.js';
import type { ResourceHistory } from '../../../projections/time-travel/resource-history.js';
import { asOfOf, notFoundAsOf, timeTravel } from '../as-of.js';
import { sendCommandResult } from '../command-response.js';
import { requireRole, requireSignedIn } from '../middleware/auth.js';
import { minPosition, type ReadModelProgress } from '../middleware/read-your-writes.js';
import { notFoundProblem } from '../problem.js';
import { commandContext } from '../request-context.js';
import { CloseMarketBody, CreateMarketBody, MarketListQuery, PlacePositionBody, ResolveMarketBody } from '../schemas/markets.js';
import { body, etag, ifMatch, pathId, pathIdFirst, query } from '../validate.js';

export interface MarketsRoutesDeps {
  markets: MarketsService;
  progress: ReadModelProgress;
  history: ResourceHistory;
}

const marketId = (raw: unknown): string => pathId(raw, 'market');

/** Opinion markets over HTTP: parse, authorise, call the application, answer. */
export const marketsRoutes = ({ markets, progress, history }: MarketsRoutesDeps): RouteTable => {
  const router = routeTable();

  router.post('/', requireRole('admin'), async (req, res) => {
    const input = body(req, CreateMarketBody);
    const change = await markets.create(input, { ...commandContext(req), userId: req.principal!.userId });
    sendCommandResult(res, {
      status: 201,
      body: change.market,
      position: change.position,
      revision: change.revision,
      location: `/api/v1/markets/${change.market.id}`,
    });
  });

  router.get('/', minPosition(progress, 'markets'), async (req, res) => {
    const { status, limit, cursor } = query(req, MarketListQuery);
    res.json(await markets.list({ status, limit, cursor }));
  });

  router.get('/:id', timeTravel, pathIdFirst('market'), minPosition(progress, 'markets'), async (req, res) => {
    const id = marketId(req.params.id);
    const asOf = asOfOf(res);
    const market = asOf === undefined ? await markets.get(id) : await history.market(id, asOf).then((document) => document && viewOfDocument(document));
    if (!market) throw notFoundAsOf('market', asOf);
    res.setHeader('ETag', etag(market.version));
    res.json(market);
  });

  router.post('/:id/positions', requireSignedIn, async (req, res) => {
    const id = marketId(req.params.id);
    const input = body(req, PlacePositionBody);
    const result = await markets.placePosition(id, input, { ...commandContext(req), userId: req.principal!.userId }, ifMatch(req));
    sendCommandResult(res, { status: 201, body: result.placed, position: result.position });
  });

  router.get('/:id/positions/me', requireSignedIn, pathIdFirst('market'), minPosition(progress, 'markets'), async (req, res) => {
    const id = marketId(req.params.id);
    if (!(await markets.get(id))) throw notFoundProblem('no such market');
    res.json({ items: await markets.positionsOf(id, req.principal!.userId) });
  });

  router.post('/:id/close', requireRole('admin'), async (req, res) => {
    const id = marketId(req.params.id);
    body(req, CloseMarketBody);
    const change = await markets.close(id, commandContext(req), ifMatch(req));
    sendCommandResult(res, { status: 200, body: change.market, position: change.position, revision: change.revision });
  });

  router.post('/:id/resolve', requireRole('admin'), async (req, res) => {
    const id = marketId(req.params.id);
    const { winningOutcome } = body(req, ResolveMarketBody);
    const change = await markets.resolve(id, winningOutcome, commandContext(req), ifMatch(req));
    sendCommandResult(res, { status: 200, body: change.market, position: change.position, revision: change.revision });
  });

  return router;
};

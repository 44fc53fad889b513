import { z } from 'zod';
import type { MarketsService } from '../../../application/markets/markets-service.js';
import { MarketStatus } from '../../../domain/markets/events.js';
import { MAX_OUTCOMES, MAX_STAKE, MIN_OUTCOMES } from '../../../domain/markets/market.js';
import { MarketDocument } from '../../../projections/markets/markets-projection.js';
import type { ResourceHistory } from '../../../projections/time-travel/resource-history.js';
import { commandAnswer, ok } from '../answer.js';
import { notFoundAsOf } from '../as-of.js';
import { endpoint, idParam, named, tag } from '../endpoint.js';
import { notFoundProblem } from '../problem.js';
import { ListQuery, page, plainText } from '../schemas/common.js';

const Markets = tag('Markets', 'Opinion markets (play money), settled by the market-settlement saga.');

export interface MarketsDeps {
  markets: MarketsService;
  history: ResourceHistory;
}

const OutcomeName = plainText().trim().min(1).max(100);

const CreateMarketBody = named(
  'CreateMarketBody',
  z.strictObject({
    question: z.string().trim().min(1).max(500),
    outcomes: z
      .array(OutcomeName)
      .min(MIN_OUTCOMES)
      .max(MAX_OUTCOMES)
      .superRefine((outcomes, ctx) => {
        outcomes.forEach((outcome, index) => {
          if (outcomes.indexOf(outcome) !== index) ctx.addIssue({ code: 'custom', path: [index], message: 'outcomes must be distinct' });
        });
      })
      .meta({ uniqueItems: true, description: 'distinct names, compared once the blanks around them are dropped' }),
    /**
     * An RFC 3339 instant with an offset, kept in UTC, where it must still have a four-digit year as the RFC 3339
     * answer must (`9999-12-31T23:59:59-14:00` is in year 10000). Whether it is in the future is the market's rule (422).
     */
    closesAt: z.iso
      .datetime({ offset: true })
      .transform((instant, ctx) => {
        const utc = new Date(instant).toISOString();
        if (/^\d{4}-/.test(utc)) return utc;
        ctx.addIssue({ code: 'custom', message: 'must fall within the years 0000 to 9999 once in UTC', input: instant });
        return z.NEVER;
      })
      .meta({ description: 'an RFC 3339 date-time with an offset; once in UTC it must fall within the years 0000 to 9999' }),
  }),
);

const PlacePositionBody = named('PlacePositionBody', z.strictObject({ outcome: OutcomeName, stake: z.number().int().min(1).max(MAX_STAKE) }));
const CloseMarketBody = named('CloseMarketBody', z.strictObject({}));
const ResolveMarketBody = named('ResolveMarketBody', z.strictObject({ winningOutcome: OutcomeName }));
const MarketListQuery = ListQuery.extend({ status: MarketStatus.optional() });

const MarketResponse = named('Market', MarketDocument);
const MarketList = named('MarketList', page(MarketResponse));
const PositionResponse = named('Position', z.object({ id: z.string(), outcome: z.string(), stake: z.number().int() }));
const MyPositionsResponse = named(
  'MyPositions',
  z.object({ items: z.array(z.object({ outcome: z.string(), stake: z.number().int(), payout: z.number().int().nullable() })) }),
);

const marketPath = z.object({ id: idParam('market') });
const changed = (description: string) => ({ description, schema: MarketResponse, headers: ['ETag', 'X-Position'] }) as const;

export const createMarket = endpoint({
  operationId: 'createMarket',
  method: 'post',
  path: '/api/v1/markets',
  summary: 'Open a market',
  tags: [Markets],
  who: 'admin',
  body: CreateMarketBody,
  responses: {
    201: { description: 'Created; `Location` is the market.', schema: MarketResponse, headers: ['Location', 'ETag', 'X-Position'] },
    422: { description: '`closesAt` is not in the future.' },
  },
  handle:
    ({ markets }: MarketsDeps) =>
    async ({ body, context }) => {
      const change = await markets.create(body, context);
      return commandAnswer(201, change.market, change, `/api/v1/markets/${change.market.id}`);
    },
});

export const listMarkets = endpoint({
  operationId: 'listMarkets',
  method: 'get',
  path: '/api/v1/markets',
  summary: 'List markets',
  tags: [Markets],
  who: 'anyone',
  query: MarketListQuery,
  readModel: 'markets',
  responses: { 200: { description: 'A page of markets.', schema: MarketList } },
  handle:
    ({ markets }: MarketsDeps) =>
    async ({ query }) =>
      ok(await markets.list(query)),
});

export const getMarket = endpoint({
  operationId: 'getMarket',
  method: 'get',
  path: '/api/v1/markets/{id}',
  summary: 'A market, with its pools and probabilities',
  tags: [Markets],
  who: 'anyone',
  params: marketPath,
  timeTravel: true,
  readModel: 'markets',
  responses: {
    200: { description: 'The market.', schema: MarketResponse, headers: ['ETag'] },
    404: { description: 'No such market. With `asOf`: it did not exist then, or never had that revision (yet).' },
  },
  handle:
    ({ markets, history }: MarketsDeps) =>
    async ({ params: { id }, asOf }) => {
      const market = asOf === undefined ? await markets.get(id) : await history.market(id, asOf);
      if (!market) throw notFoundAsOf('market', asOf);
      return ok(market, market.version);
    },
});

export const placePosition = endpoint({
  operationId: 'placePosition',
  method: 'post',
  path: '/api/v1/markets/{id}/positions',
  summary: 'Stake on an outcome',
  tags: [Markets],
  who: 'signed-in',
  params: marketPath,
  body: PlacePositionBody,
  ifMatch: true,
  responses: {
    201: { description: 'The position.', schema: PositionResponse, headers: ['X-Position'] },
    404: { description: 'No such market.' },
    422: { description: 'The market is not open or is past `closesAt`, or has no such outcome.' },
  },
  handle:
    ({ markets }: MarketsDeps) =>
    async ({ params: { id }, body, context, expectedRevision }) => {
      const result = await markets.placePosition(id, body, context, expectedRevision);
      return commandAnswer(201, result.placed, { position: result.position });
    },
});

export const getMyPositions = endpoint({
  operationId: 'getMyPositions',
  method: 'get',
  path: '/api/v1/markets/{id}/positions/me',
  summary: 'Your positions in a market',
  tags: [Markets],
  who: 'signed-in',
  params: marketPath,
  readModel: 'markets',
  responses: {
    200: { description: 'Your positions, in the order placed; `payout` once the market is resolved.', schema: MyPositionsResponse },
    404: { description: 'No such market.' },
  },
  handle:
    ({ markets }: MarketsDeps) =>
    async ({ params: { id }, principal }) => {
      if (!(await markets.get(id))) throw notFoundProblem('no such market');
      return ok({ items: await markets.positionsOf(id, principal.userId) });
    },
});

export const closeMarket = endpoint({
  operationId: 'closeMarket',
  method: 'post',
  path: '/api/v1/markets/{id}/close',
  summary: 'Close a market to new positions',
  description: 'The body, if any, must be `{}`.',
  tags: [Markets],
  who: 'admin',
  params: marketPath,
  body: CloseMarketBody,
  bodyOptional: true,
  ifMatch: true,
  responses: { 200: changed('The market.'), 404: { description: 'No such market.' }, 409: { description: 'The market is not open.' } },
  handle:
    ({ markets }: MarketsDeps) =>
    async ({ params: { id }, context, expectedRevision }) => {
      const change = await markets.close(id, context, expectedRevision);
      return commandAnswer(200, change.market, change);
    },
});

export const resolveMarket = endpoint({
  operationId: 'resolveMarket',
  method: 'post',
  path: '/api/v1/markets/{id}/resolve',
  summary: 'Resolve a market',
  description:
    'Pays parimutuel through the market-settlement saga: each winning position gets `floor(stake * totalPool / winningPool)`; if nobody backed the winner, every stake is returned.',
  tags: [Markets],
  who: 'admin',
  params: marketPath,
  body: ResolveMarketBody,
  ifMatch: true,
  responses: {
    200: changed('The market, status `resolved`.'),
    404: { description: 'No such market.' },
    409: { description: 'The market is already resolved.' },
    422: { description: 'The market has no such outcome.' },
  },
  handle:
    ({ markets }: MarketsDeps) =>
    async ({ params: { id }, body: { winningOutcome }, context, expectedRevision }) => {
      const change = await markets.resolve(id, winningOutcome, context, expectedRevision);
      return commandAnswer(200, change.market, change);
    },
});

/** Opinion markets, in the order they are matched. */
export const marketsEndpoints = [createMarket, listMarkets, getMarket, placePosition, getMyPositions, closeMarket, resolveMarket];

import { z } from 'zod';
import type { RecordedEvent } from '../../application/ports/event-store.js';
import { type MarketEvent, MarketStatus } from '../../domain/markets/events.js';
import { probabilities } from '../../domain/markets/parimutuel.js';
import { type DocumentProjection, type Projection, readerOf } from '../projection.js';
import type { FindQuery, Page, ReadStore } from '../../application/ports/read-store.js';

export const OutcomeView = z.object({ name: z.string(), pool: z.number().int(), probability: z.number() });
export type OutcomeView = z.infer<typeof OutcomeView>;

/** A `markets` document: the market as the API shows it. */
export const MarketDocument = z.object({
  id: z.string(),
  question: z.string(),
  status: MarketStatus,
  closesAt: z.string(),
  outcomes: z.array(OutcomeView),
  totalPool: z.number().int(),
  /** How many positions have been placed. */
  positions: z.number().int(),
  winningOutcome: z.string().nullable(),
  /** The market stream's revision: what `ETag` and `If-Match` speak of. */
  version: z.number().int(),
});
export type MarketDocument = z.infer<typeof MarketDocument>;

/** A `market_positions` document: one position, for its holder. */
export const MarketPositionDocument = z.object({
  id: z.string(),
  marketId: z.string(),
  userId: z.string(),
  outcome: z.string(),
  stake: z.number().int(),
  /** Known once the market is resolved (from MarketResolved, confirmed by PayoutRecorded). */
  payout: z.number().int().nullable(),
  placedAt: z.string(),
  /** The market stream's revision at placement: orders a user's positions as placed, even within one millisecond. */
  sequence: z.number().int(),
});
export type MarketPositionDocument = z.infer<typeof MarketPositionDocument>;

/** Each outcome with its pool and its share of the total (equal shares while nothing is staked). */
export const outcomeViews = (names: readonly string[], outcomePools: readonly number[]): OutcomeView[] => {
  const shares = probabilities(outcomePools);
  return names.map((name, index) => ({ name, pool: outcomePools[index] ?? 0, probability: shares[index] ?? 0 }));
};

type Recorded = RecordedEvent & MarketEvent;
type Resolved = Extract<MarketEvent, { type: 'MarketResolved' }>['data'];

/** MarketResolved touches every position of the market: index its payouts once per event, not once per position. */
const payoutIndexes = new WeakMap<Resolved, ReadonlyMap<string, number>>();
const payoutOf = (resolved: Resolved, positionId: string): number | undefined => {
  let index = payoutIndexes.get(resolved);
  if (index === undefined) {
    index = new Map(resolved.payouts.map((payout) => [payout.positionId, payout.payout]));
    payoutIndexes.set(resolved, index);
  }
  return index.get(positionId);
};

const withStake = (market: MarketDocument, outcome: string, stake: number): Pick<MarketDocument, 'outcomes' | 'totalPool'> => {
  const pools = market.outcomes.map((each) => (each.name === outcome ? each.pool + stake : each.pool));
  return { outcomes: outcomeViews(market.outcomes.map((each) => each.name), pools), totalPool: market.totalPool + stake };
};

export const marketDocuments: DocumentProjection<Recorded, MarketDocument> = {
  collection: 'markets',
  // Every market event, so `version` follows the stream's revision.
  eventTypes: ['MarketCreated', 'PositionPlaced', 'MarketClosed', 'MarketResolved', 'PayoutRecorded'],
  documentIds: (event) => [event.data.marketId],
  evolve(market, event) {
    const version = Number(event.revision);
    if (event.type === 'MarketCreated') {
      if (market !== null) return market;
      const { marketId, question, outcomes, closesAt } = event.data;
      return {
        id: marketId,
        question,
        status: 'open',
        closesAt,
        outcomes: outcomeViews(outcomes, outcomes.map(() => 0)),
        totalPool: 0,
        positions: 0,
        winningOutcome: null,
        version,
      };
    }
    if (market === null) return null;
    // An event the document already reflects (a redelivery) changes nothing: pools and counts are not idempotent by themselves.
    if (version <= market.version) return market;
    switch (event.type) {
      case 'PositionPlaced':
        return { ...market, ...withStake(market, event.data.outcome, event.data.stake), positions: market.positions + 1, version };
      case 'MarketClosed':
        return { ...market, status: 'closed', version };
      case 'MarketResolved':
        return { ...market, status: 'resolved', winningOutcome: event.data.winningOutcome, version };
      case 'PayoutRecorded':
        return { ...market, version };
    }
  },
};

/** One document per position; its payout is set, not added, so MarketResolved and PayoutRecorded agree in any order. */
export const marketPositionDocuments: DocumentProjection<Recorded, MarketPositionDocument> = {
  collection: 'market_positions',
  eventTypes: ['PositionPlaced', 'MarketResolved', 'PayoutRecorded'],
  documentIds(event) {
    switch (event.type) {
      case 'PositionPlaced':
      case 'PayoutRecorded':
        return [event.data.positionId];
      case 'MarketResolved':
        return event.data.payouts.map((payout) => payout.positionId);
      default:
        return [];
    }
  },
  evolve(position, event, id) {
    if (event.type === 'PositionPlaced') {
      if (position !== null) return position;
      const { marketId, positionId, userId, outcome, stake, placedAt } = event.data;
      return {
        id: positionId,
        marketId,
        userId,
        outcome,
        stake,
        payout: null,
        placedAt,
        sequence: Number(event.revision),
      };
    }
    if (position === null) return null;
    switch (event.type) {
      case 'MarketResolved': {
        const payout = payoutOf(event.data, id);
        return payout === undefined ? position : { ...position, payout };
      }
      case 'PayoutRecorded':
        return { ...position, payout: event.data.amount };
      default:
        return position;
    }
  },
};

export const marketsProjection: Projection = {
  name: 'markets',
  collections: [
    { name: 'markets', indexes: ['status', 'closesAt'] },
    { name: 'market_positions', indexes: ['marketId', 'userId', 'sequence'] },
  ],
  documents: [marketDocuments, marketPositionDocuments],
};

/** A position as its holder sees it. */
export type MyPosition = Pick<MarketPositionDocument, 'outcome' | 'stake' | 'payout'>;

const markets = readerOf(marketDocuments);
const positions = readerOf(marketPositionDocuments);
const PAGE = 100;

export const marketById = (store: ReadStore, marketId: string): Promise<MarketDocument | null> => markets.get(store, marketId);

/** Soonest to close first. */
export const listMarkets = (
  store: ReadStore,
  query: { status?: MarketStatus | undefined; limit: number; cursor?: string | undefined },
): Promise<Page<MarketDocument>> => {
  const find: FindQuery = { orderBy: 'closesAt', limit: query.limit, cursor: query.cursor };
  if (query.status !== undefined) find.where = { status: query.status };
  return markets.find(store, find);
};

/** Every position the user holds in the market, in the order placed. */
export const positionsOf = async (store: ReadStore, marketId: string, userId: string): Promise<MyPosition[]> => {
  const held: MyPosition[] = [];
  let cursor: string | undefined;
  do {
    const page = await positions.find(store, { where: { marketId, userId }, orderBy: 'sequence', limit: PAGE, cursor });
    for (const { outcome, stake, payout } of page.items) held.push({ outcome, stake, payout });
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return held;
};

import type { RecordedEvent } from '../../application/ports/event-store.js';
import type { ReadDocument } from '../../application/ports/read-store.js';
import { type MarketView, outcomeViews } from '../../application/markets/market-view.js';
import type { MarketEvent } from '../../domain/markets/events.js';
import type { DocumentProjection, Projection } from '../projection.js';

/** The market as the API shows it (`version` is the market stream's revision: what ETag and If-Match speak of). */
export type MarketDocument = MarketView & ReadDocument;

export interface MarketPositionDocument extends ReadDocument {
  marketId: string;
  userId: string;
  outcome: string;
  stake: number;
  /** Known once the market is resolved (from MarketResolved, confirmed by PayoutRecorded). */
  payout: number | null;
  placedAt: string;
  /** The market stream's revision at placement: orders a user's positions as placed, even within one millisecond. */
  sequence: number;
}

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

export const marketDocuments: DocumentProjection<Recorded> = {
  collection: 'markets',
  // Every market event, so `version` follows the stream's revision.
  eventTypes: ['MarketCreated', 'PositionPlaced', 'MarketClosed', 'MarketResolved', 'PayoutRecorded'],
  documentIds: (event) => [event.data.marketId],
  evolve(document, event) {
    const version = Number(event.revision);
    if (event.type === 'MarketCreated') {
      if (document !== null) return document;
      const { marketId, question, outcomes, closesAt } = event.data;
      const created: MarketDocument = {
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
      return created;
    }
    if (document === null) return null;
    const market = document as MarketDocument;
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
export const marketPositionDocuments: DocumentProjection<Recorded> = {
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
  evolve(document, event, id) {
    if (event.type === 'PositionPlaced') {
      if (document !== null) return document;
      const { marketId, positionId, userId, outcome, stake, placedAt } = event.data;
      const placed: MarketPositionDocument = {
        id: positionId,
        marketId,
        userId,
        outcome,
        stake,
        payout: null,
        placedAt,
        sequence: Number(event.revision),
      };
      return placed;
    }
    if (document === null) return null;
    const position = document as MarketPositionDocument;
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

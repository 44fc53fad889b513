import type { RecordedEvent } from '../../src/application/ports/event-store.js';
import type { MarketEvent } from '../../src/domain/markets/events.js';
import type { Market } from '../../src/domain/markets/market.js';
import type { Reaction } from '../reaction.js';

export type MarketSettlementEvent = RecordedEvent & MarketEvent;

export const marketSettlementEventTypes = ['MarketResolved'] as const;

const recordPayout = (marketId: string, positionId: string): Reaction => ({
  saga: 'market-settlement',
  sagaId: marketId,
  step: `record-payout:${positionId}`,
  kind: 'market',
  marketId,
  command: { type: 'RecordPayout', data: { positionId } },
});

/** Market settlement: once a market is resolved, the payout of every position (0 for a losing one) is recorded. */
export const react = (event: MarketSettlementEvent): Reaction[] =>
  event.type === 'MarketResolved' ? event.data.payouts.map((payout) => recordPayout(event.data.marketId, payout.positionId)) : [];

/** The payouts a resolved market has not recorded yet: what is re-derived when jobs may have been lost. */
export const pendingWork = (market: Market): Reaction[] =>
  market.status !== 'resolved'
    ? []
    : [...market.payouts.keys()].filter((positionId) => !market.recordedPayouts.has(positionId)).map((positionId) => recordPayout(market.marketId, positionId));

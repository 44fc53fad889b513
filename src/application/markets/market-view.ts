import type { MarketStatus } from '../../domain/markets/events.js';
import { type Market, pools } from '../../domain/markets/market.js';
import { probabilities } from '../../domain/markets/parimutuel.js';

export interface OutcomeView {
  name: string;
  pool: number;
  probability: number;
}

/** A market as the API shows it. */
export interface MarketView {
  id: string;
  question: string;
  status: MarketStatus;
  closesAt: string;
  outcomes: OutcomeView[];
  totalPool: number;
  /** How many positions have been placed. */
  positions: number;
  winningOutcome: string | null;
  version: number;
}

/** Each outcome with its pool and its share of the total (equal shares while nothing is staked). */
export const outcomeViews = (names: readonly string[], outcomePools: readonly number[]): OutcomeView[] => {
  const shares = probabilities(outcomePools);
  return names.map((name, index) => ({ name, pool: outcomePools[index] ?? 0, probability: shares[index] ?? 0 }));
};

export const marketViewOf = (market: Market, revision: bigint): MarketView => {
  const outcomePools = pools(market);
  return {
    id: market.marketId,
    question: market.question,
    status: market.status,
    closesAt: market.closesAt,
    outcomes: outcomeViews(market.outcomes, outcomePools),
    totalPool: outcomePools.reduce((total, pool) => total + pool, 0),
    positions: market.positions.size,
    winningOutcome: market.winningOutcome,
    version: Number(revision),
  };
};

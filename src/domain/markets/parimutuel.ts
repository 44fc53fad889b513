import type { Payout } from './events.js';

/** A position as staked, before any payout. */
export type StakedPosition = Omit<Payout, 'payout'>;

export interface Settlement {
  totalPool: number;
  winningPool: number;
  payouts: Payout[];
}

const sum = (values: readonly number[]): number => values.reduce((total, value) => total + value, 0);

/**
 * Parimutuel settlement: each winning position gets floor(stake * totalPool / winningPool), losers get 0;
 * when nobody backed the winner every position gets its stake back. The product is taken in BigInt, so it is
 * exact however large the pool grows; the rounded-down remainder stays in the pool.
 */
export const settle = (positions: readonly StakedPosition[], winningOutcome: string): Settlement => {
  const totalPool = sum(positions.map((position) => position.stake));
  const winningPool = sum(positions.filter((position) => position.outcome === winningOutcome).map((position) => position.stake));
  const payoutOf = (position: StakedPosition): number => {
    if (winningPool === 0) return position.stake;
    if (position.outcome !== winningOutcome) return 0;
    return Number((BigInt(position.stake) * BigInt(totalPool)) / BigInt(winningPool));
  };
  const payouts = positions.map((position) => ({ ...position, payout: payoutOf(position) }));
  return { totalPool, winningPool, payouts };
};

/** Each outcome's share of the total pool, in the order given; equal shares while nothing is staked. */
export const probabilities = (pools: readonly number[]): number[] => {
  const total = sum(pools);
  return pools.map((pool) => (total === 0 ? 1 / pools.length : pool / total));
};

import { OrderedMap as PersistentOrderedMap, Set as PersistentSet } from 'immutable';
import { type Absent, absent, type Decider } from '../shared/decider.js';
import { conflict, notFound, ruleViolated } from '../shared/errors.js';
import type { MarketCommand } from './commands.js';
import type { MarketEvent, MarketStatus } from './events.js';
import { settle, type StakedPosition } from './parimutuel.js';

export const MIN_OUTCOMES = 2;
export const MAX_OUTCOMES = 10;
export const MAX_STAKE = 10_000;

/** A market once created. */
export interface Market {
  marketId: string;
  question: string;
  outcomes: readonly string[];
  closesAt: string;
  status: MarketStatus;
  /**
   * In the order they were placed. Persistent, as the payouts recorded: a new state shares all but a few nodes with
   * the last, where copying would make each position (each payout) cost as much as all the ones before it.
   */
  positions: PersistentOrderedMap<string, StakedPosition>;
  winningOutcome: string | null;
  /** Per position, once resolved. */
  payouts: ReadonlyMap<string, number>;
  recordedPayouts: PersistentSet<string>;
}

export type MarketState = Absent | Market;

export const initialState = (): MarketState => absent();

const instant = (iso: string, field: string): number => {
  const millis = Date.parse(iso);
  if (Number.isNaN(millis)) throw ruleViolated('invalid_instant', `${field} is not an ISO 8601 instant`);
  return millis;
};

/** The stake on each outcome, in the order of the market's outcomes. */
export const pools = (market: Market): number[] =>
  market.outcomes.map((outcome) =>
    [...market.positions.values()].filter((position) => position.outcome === outcome).reduce((total, position) => total + position.stake, 0),
  );

export const acceptsPositions = (market: Market, now: string): boolean =>
  market.status === 'open' && instant(now, 'now') < instant(market.closesAt, 'closesAt');

const create = (command: MarketCommand): MarketEvent[] => {
  if (command.type !== 'CreateMarket') return [];
  const { marketId, question, outcomes, closesAt, createdBy, now } = command.data;
  if (outcomes.length < MIN_OUTCOMES || outcomes.length > MAX_OUTCOMES)
    throw ruleViolated('invalid_outcome_count', `a market has ${MIN_OUTCOMES} to ${MAX_OUTCOMES} outcomes`);
  if (new Set(outcomes).size !== outcomes.length) throw ruleViolated('duplicate_outcomes', 'outcomes must be distinct');
  if (instant(closesAt, 'closesAt') <= instant(now, 'now')) throw ruleViolated('closes_at_not_in_future', 'closesAt must be in the future');
  return [{ type: 'MarketCreated', data: { marketId, question, outcomes, closesAt, createdBy, createdAt: now } }];
};

export const decide = (command: MarketCommand, state: MarketState): MarketEvent[] => {
  if (state.status === 'absent') return create(command);
  const marketId = state.marketId;
  switch (command.type) {
    case 'CreateMarket':
      return [];
    case 'PlacePosition': {
      const { positionId, userId, outcome, stake, now } = command.data;
      if (state.positions.has(positionId)) return [];
      if (!acceptsPositions(state, now)) throw ruleViolated('market_not_open', 'the market no longer takes positions');
      if (!state.outcomes.includes(outcome)) throw ruleViolated('unknown_outcome', `the market has no outcome ${outcome}`);
      if (!Number.isInteger(stake) || stake < 1 || stake > MAX_STAKE)
        throw ruleViolated('invalid_stake', `a stake is an integer from 1 to ${MAX_STAKE}`);
      return [{ type: 'PositionPlaced', data: { marketId, positionId, userId, outcome, stake, placedAt: now } }];
    }
    case 'CloseMarket':
      if (state.status !== 'open') throw conflict('market_not_open', `the market is already ${state.status}`);
      return [{ type: 'MarketClosed', data: { marketId, closedAt: command.data.now } }];
    case 'ResolveMarket': {
      const { winningOutcome, now } = command.data;
      if (state.status === 'resolved') throw conflict('market_already_resolved', 'the market is already resolved');
      if (!state.outcomes.includes(winningOutcome))
        throw ruleViolated('unknown_outcome', `the market has no outcome ${winningOutcome}`);
      const closed: MarketEvent[] = state.status === 'open' ? [{ type: 'MarketClosed', data: { marketId, closedAt: now } }] : [];
      const settlement = settle([...state.positions.values()], winningOutcome);
      return [...closed, { type: 'MarketResolved', data: { marketId, winningOutcome, ...settlement, resolvedAt: now } }];
    }
    case 'RecordPayout': {
      const { positionId } = command.data;
      if (state.status !== 'resolved') throw conflict('market_not_resolved', 'the market is not resolved yet');
      const position = state.positions.get(positionId);
      const amount = state.payouts.get(positionId);
      if (position === undefined || amount === undefined) throw notFound('position_not_found', `no position ${positionId}`);
      if (state.recordedPayouts.has(positionId)) return [];
      return [{ type: 'PayoutRecorded', data: { marketId, positionId, userId: position.userId, amount } }];
    }
  }
};

export const evolve = (state: MarketState, event: MarketEvent): MarketState => {
  if (event.type === 'MarketCreated') {
    const { marketId, question, outcomes, closesAt } = event.data;
    return {
      marketId,
      question,
      outcomes,
      closesAt,
      status: 'open',
      positions: PersistentOrderedMap(),
      winningOutcome: null,
      payouts: new Map(),
      recordedPayouts: PersistentSet(),
    };
  }
  if (state.status === 'absent') return state;
  switch (event.type) {
    case 'PositionPlaced': {
      const { positionId, userId, outcome, stake } = event.data;
      return { ...state, positions: state.positions.set(positionId, { positionId, userId, outcome, stake }) };
    }
    case 'MarketClosed':
      return { ...state, status: 'closed' };
    case 'MarketResolved':
      return {
        ...state,
        status: 'resolved',
        winningOutcome: event.data.winningOutcome,
        payouts: new Map(event.data.payouts.map((payout) => [payout.positionId, payout.payout])),
      };
    case 'PayoutRecorded':
      return { ...state, recordedPayouts: state.recordedPayouts.add(event.data.positionId) };
  }
};

export const marketDecider: Decider<MarketState, MarketCommand, MarketEvent> = { decide, evolve, initialState };

export const marketStream = (marketId: string): string => `market-${marketId}`;

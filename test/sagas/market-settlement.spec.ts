import assert from 'node:assert/strict';
import type { MarketEvent } from '../../src/domain/markets/events.js';
import { marketDecider } from '../../src/domain/markets/market.js';
import { pendingWork, react } from '../../sagas/market-settlement/react.js';
import type { Reaction } from '../../sagas/reaction.js';
import { reactionSpec } from '../support/reaction-spec.js';
import { existing } from '../support/decider-spec.js';

const { given } = reactionSpec<MarketEvent, undefined>(react, () => undefined);
const marketId = 'm-1';
const recordPayout = (positionId: string): Reaction => ({
  saga: 'market-settlement',
  sagaId: marketId,
  step: `record-payout:${positionId}`,
  kind: 'market',
  marketId,
  command: { type: 'RecordPayout', data: { positionId } },
});

const created: MarketEvent = {
  type: 'MarketCreated',
  data: { marketId, question: 'Rain?', outcomes: ['yes', 'no'], closesAt: '2030-01-01T00:00:00.000Z', createdBy: 'admin', createdAt: '2025-01-01T00:00:00.000Z' },
};
const position = (positionId: string, outcome: string, stake: number): MarketEvent => ({
  type: 'PositionPlaced',
  data: { marketId, positionId, userId: `u-${positionId}`, outcome, stake, placedAt: '2025-01-01T01:00:00.000Z' },
});
const resolved: MarketEvent = {
  type: 'MarketResolved',
  data: {
    marketId,
    winningOutcome: 'yes',
    totalPool: 400,
    winningPool: 100,
    payouts: [
      { positionId: 'p-1', userId: 'u-p-1', outcome: 'yes', stake: 100, payout: 400 },
      { positionId: 'p-2', userId: 'u-p-2', outcome: 'no', stake: 300, payout: 0 },
    ],
    resolvedAt: '2025-01-02T00:00:00.000Z',
  },
};
const recorded = (positionId: string, amount: number): MarketEvent => ({ type: 'PayoutRecorded', data: { marketId, positionId, userId: `u-${positionId}`, amount } });
const marketAfter = (...history: MarketEvent[]) => existing(history.reduce(marketDecider.evolve, marketDecider.initialState()));

describe('market-settlement saga', () => {
  it('records the payout of every position of a resolved market, losers included', () =>
    given(created, position('p-1', 'yes', 100), position('p-2', 'no', 300)).when(resolved).then(recordPayout('p-1'), recordPayout('p-2')));
  it('does nothing for the events before resolution', () => given(created).when(position('p-1', 'yes', 100)).thenNothing());
  it('does nothing for a recorded payout', () => given(created, resolved).when(recorded('p-1', 400)).thenNothing());

  describe('pending work, re-derived from the market', () => {
    const history = [created, position('p-1', 'yes', 100), position('p-2', 'no', 300), resolved];
    it('is every payout not recorded yet', () => assert.deepEqual(pendingWork(marketAfter(...history, recorded('p-2', 0))), [recordPayout('p-1')]));
    it('is nothing once every payout is recorded', () => assert.deepEqual(pendingWork(marketAfter(...history, recorded('p-1', 400), recorded('p-2', 0))), []));
    it('is nothing before resolution', () => assert.deepEqual(pendingWork(marketAfter(created, position('p-1', 'yes', 100))), []));
  });
});

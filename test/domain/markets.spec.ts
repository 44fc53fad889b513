import assert from 'node:assert/strict';
import type { MarketEvent, Payout } from '../../src/domain/markets/events.js';
import { marketDecider, marketStream, pools } from '../../src/domain/markets/market.js';
import { probabilities, settle } from '../../src/domain/markets/parimutuel.js';
import { deciderSpec, existing } from '../support/decider-spec.js';

const { given } = deciderSpec(marketDecider);
const marketId = 'm-1';
const now = '2025-01-01T10:00:00.000Z';
const later = '2025-01-01T12:00:00.000Z';
const closesAt = '2025-01-02T10:00:00.000Z';
const outcomes = ['yes', 'no', 'maybe'];
const creation = { marketId, question: 'Will it rain?', outcomes, closesAt, createdBy: 'admin-1', now };
const create = (changes: Partial<typeof creation> = {}) => ({ type: 'CreateMarket', data: { ...creation, ...changes } }) as const;

const createdWith = (marketOutcomes: string[]): MarketEvent => ({
  type: 'MarketCreated',
  data: { marketId, question: 'Will it rain?', outcomes: marketOutcomes, closesAt, createdBy: 'admin-1', createdAt: now },
});
const created = createdWith(outcomes);
const placed = (positionId: string, outcome: string, stake: number, userId = `u-${positionId}`): MarketEvent => ({
  type: 'PositionPlaced',
  data: { marketId, positionId, userId, outcome, stake, placedAt: now },
});
const closed = (at = later): MarketEvent => ({ type: 'MarketClosed', data: { marketId, closedAt: at } });
const payout = (positionId: string, outcome: string, stake: number, amount: number): Payout => ({
  positionId,
  userId: `u-${positionId}`,
  outcome,
  stake,
  payout: amount,
});
const resolved = (winningOutcome: string, totalPool: number, winningPool: number, payouts: Payout[]): MarketEvent => ({
  type: 'MarketResolved',
  data: { marketId, winningOutcome, totalPool, winningPool, payouts, resolvedAt: later },
});

const placePosition = (changes: Partial<{ positionId: string; outcome: string; stake: number; now: string }> = {}) =>
  ({ type: 'PlacePosition', data: { positionId: 'pos-1', userId: 'u-pos-1', outcome: 'yes', stake: 100, now, ...changes } }) as const;
const close = { type: 'CloseMarket', data: { now: later } } as const;
const resolve = (winningOutcome: string) => ({ type: 'ResolveMarket', data: { winningOutcome, now: later } }) as const;
const recordPayout = (positionId: string) => ({ type: 'RecordPayout', data: { positionId } }) as const;

describe('market decider', () => {
  it('names its stream market-<id>', () => assert.equal(marketStream(marketId), 'market-m-1'));

  describe('CreateMarket', () => {
    it('creates a market that closes in the future', () => given().when(create()).then(created));
    it('accepts ten outcomes', () => {
      const ten = Array.from({ length: 10 }, (_, i) => `o${i}`);
      given().when(create({ outcomes: ten })).then(createdWith(ten));
    });
    it('decides nothing for a market that exists already', () => given(created).when(create()).thenNothing());
    it('refuses a single outcome', () => given().when(create({ outcomes: ['yes'] })).thenRefuses('rule_violated', 'invalid_outcome_count'));
    it('refuses more than ten outcomes', () =>
      given()
        .when(create({ outcomes: Array.from({ length: 11 }, (_, i) => `o${i}`) }))
        .thenRefuses('rule_violated', 'invalid_outcome_count'));
    it('refuses outcomes that repeat', () =>
      given().when(create({ outcomes: ['yes', 'no', 'yes'] })).thenRefuses('rule_violated', 'duplicate_outcomes'));
    it('refuses a closing time equal to now', () => given().when(create({ closesAt: now })).thenRefuses('rule_violated', 'closes_at_not_in_future'));
    it('refuses a closing time in the past', () =>
      given().when(create({ closesAt: '2024-12-31T10:00:00.000Z' })).thenRefuses('rule_violated', 'closes_at_not_in_future'));
    it('compares instants, not strings', () =>
      given().when(create({ closesAt: '2025-01-01T10:30:00+01:00' })).thenRefuses('rule_violated', 'closes_at_not_in_future'));
    it('refuses a closing time that is not an instant', () =>
      given().when(create({ closesAt: 'tomorrow' })).thenRefuses('rule_violated', 'invalid_instant'));
  });

  describe('commands on a missing market', () => {
  // Whether the stream must be new or exist is the command handler's check (`expect`): the decider decides nothing.
    it('decides no position', () => given().when(placePosition()).thenNothing());
    it('decides no close', () => given().when(close).thenNothing());
    it('decides no resolution', () => given().when(resolve('yes')).thenNothing());
    it('decides no payout', () => given().when(recordPayout('pos-1')).thenNothing());
  });

  describe('PlacePosition', () => {
    it('places a position on an open market', () => given(created).when(placePosition()).then(placed('pos-1', 'yes', 100)));
    it('accepts the largest stake', () => given(created).when(placePosition({ stake: 10_000 })).then(placed('pos-1', 'yes', 10_000)));
    it('records nothing for a position id already placed', () => given(created, placed('pos-1', 'yes', 100)).when(placePosition()).thenNothing());
    it('records nothing for a repeated position id even once the market closed', () =>
      given(created, placed('pos-1', 'yes', 100), closed()).when(placePosition()).thenNothing());
    it('refuses a position on a closed market', () =>
      given(created, closed()).when(placePosition()).thenRefuses('rule_violated', 'market_not_open'));
    it('refuses a position on a resolved market', () =>
      given(created, closed(), resolved('yes', 0, 0, [])).when(placePosition()).thenRefuses('rule_violated', 'market_not_open'));
    it('refuses a position at closing time', () =>
      given(created).when(placePosition({ now: closesAt })).thenRefuses('rule_violated', 'market_not_open'));
    it('refuses a position past closing time on a market not closed yet', () =>
      given(created).when(placePosition({ now: '2025-01-03T00:00:00.000Z' })).thenRefuses('rule_violated', 'market_not_open'));
    it('refuses an unknown outcome', () =>
      given(created).when(placePosition({ outcome: 'perhaps' })).thenRefuses('rule_violated', 'unknown_outcome'));
    it('refuses a stake of 0', () => given(created).when(placePosition({ stake: 0 })).thenRefuses('rule_violated', 'invalid_stake'));
    it('refuses a stake over 10000', () => given(created).when(placePosition({ stake: 10_001 })).thenRefuses('rule_violated', 'invalid_stake'));
    it('refuses a fractional stake', () => given(created).when(placePosition({ stake: 2.5 })).thenRefuses('rule_violated', 'invalid_stake'));
  });

  describe('CloseMarket', () => {
    it('closes an open market', () => given(created).when(close).then(closed()));
    it('closes a market past its closing time', () =>
      given(created).when({ type: 'CloseMarket', data: { now: '2025-01-05T00:00:00.000Z' } }).then(closed('2025-01-05T00:00:00.000Z')));
    it('refuses to close a closed market', () => given(created, closed()).when(close).thenRefuses('conflict', 'market_not_open'));
    it('refuses to close a resolved market', () =>
      given(created, closed(), resolved('yes', 0, 0, [])).when(close).thenRefuses('conflict', 'market_not_open'));
  });

  describe('ResolveMarket', () => {
    const positions = [placed('a', 'yes', 3), placed('b', 'no', 5), placed('c', 'yes', 4)];
    it('resolves a closed market, paying winners parimutuel and rounding down', () =>
      // total 12, winning pool 7: a gets floor(3 * 12 / 7) = 5, c gets floor(4 * 12 / 7) = 6; the 1 left stays in the pool.
      given(created, ...positions, closed())
        .when(resolve('yes'))
        .then(resolved('yes', 12, 7, [payout('a', 'yes', 3, 5), payout('b', 'no', 5, 0), payout('c', 'yes', 4, 6)])));
    it('closes an open market implicitly', () =>
      given(created, ...positions)
        .when(resolve('no'))
        .then(closed(), resolved('no', 12, 5, [payout('a', 'yes', 3, 0), payout('b', 'no', 5, 12), payout('c', 'yes', 4, 0)])));
    it('gives every stake back when nobody backed the winner', () =>
      given(created, ...positions, closed())
        .when(resolve('maybe'))
        .then(resolved('maybe', 12, 0, [payout('a', 'yes', 3, 3), payout('b', 'no', 5, 5), payout('c', 'yes', 4, 4)])));
    it('lets a single winner take the whole pool', () =>
      given(created, placed('a', 'yes', 10), placed('b', 'no', 30), placed('c', 'maybe', 60), closed())
        .when(resolve('yes'))
        .then(resolved('yes', 100, 10, [payout('a', 'yes', 10, 100), payout('b', 'no', 30, 0), payout('c', 'maybe', 60, 0)])));
    it('resolves a market without positions', () => given(created, closed()).when(resolve('yes')).then(resolved('yes', 0, 0, [])));
    it('refuses an unknown winning outcome', () =>
      given(created, closed()).when(resolve('perhaps')).thenRefuses('rule_violated', 'unknown_outcome'));
    it('refuses to resolve a market twice', () =>
      given(created, closed(), resolved('yes', 0, 0, [])).when(resolve('no')).thenRefuses('conflict', 'market_already_resolved'));
  });

  describe('RecordPayout', () => {
    const settled = [
      created,
      placed('a', 'yes', 3),
      placed('b', 'no', 5),
      closed(),
      resolved('yes', 8, 3, [payout('a', 'yes', 3, 8), payout('b', 'no', 5, 0)]),
    ];
    const recorded = (positionId: string, amount: number): MarketEvent => ({
      type: 'PayoutRecorded',
      data: { marketId, positionId, userId: `u-${positionId}`, amount },
    });
    it('records a winner’s payout', () => given(...settled).when(recordPayout('a')).then(recorded('a', 8)));
    it('records a loser’s payout of 0', () => given(...settled).when(recordPayout('b')).then(recorded('b', 0)));
    it('records each payout once only', () => given(...settled, recorded('a', 8)).when(recordPayout('a')).thenNothing());
    it('refuses a payout before resolution', () =>
      given(created, placed('a', 'yes', 3), closed()).when(recordPayout('a')).thenRefuses('conflict', 'market_not_resolved'));
    it('refuses an unknown position', () => given(...settled).when(recordPayout('zzz')).thenRefuses('not_found', 'position_not_found'));
  });
});

describe('parimutuel helpers', () => {
  it('pays exactly where floating point would round wrongly', () => {
    const big = [
      { positionId: 'a', userId: 'u-a', outcome: 'yes', stake: 2_000_000_000_000_001 },
      { positionId: 'b', userId: 'u-b', outcome: 'yes', stake: 1_000_000_000_000_000 },
      { positionId: 'c', userId: 'u-c', outcome: 'no', stake: 6_000_000_000_000_000 },
    ];
    const { totalPool, winningPool, payouts } = settle(big, 'yes');
    assert.equal(totalPool, 9_000_000_000_000_001);
    assert.equal(winningPool, 3_000_000_000_000_001);
    // Math.floor(2000000000000001 * 9000000000000001 / 3000000000000001) is 6000000000000002 in floating point.
    assert.deepEqual(
      payouts.map((p) => p.payout),
      [6_000_000_000_000_001, 2_999_999_999_999_999, 0],
    );
  });

  it('never pays out more than the pool', () => {
    const { totalPool, payouts } = settle(
      [7, 11, 13, 17, 19].map((stake, i) => ({ positionId: `p${i}`, userId: 'u', outcome: i % 2 ? 'no' : 'yes', stake })),
      'yes',
    );
    assert.ok(payouts.reduce((sum, p) => sum + p.payout, 0) <= totalPool);
  });

  it('gives each outcome its share of the pool', () => assert.deepEqual(probabilities([30, 10, 0]), [0.75, 0.25, 0]));
  it('gives equal shares while nothing is staked', () => assert.deepEqual(probabilities([0, 0, 0, 0]), [0.25, 0.25, 0.25, 0.25]));
  it('gives nothing for no outcomes', () => assert.deepEqual(probabilities([]), []));

  it('sums the stake on each outcome, in the market’s order', () => {
    const state = existing(
      [created, placed('a', 'no', 5), placed('b', 'yes', 3), placed('c', 'no', 2)].reduce(marketDecider.evolve, marketDecider.initialState()),
    );
    assert.deepEqual(pools(state), [3, 7, 0]);
  });
});

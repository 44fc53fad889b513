import assert from 'node:assert/strict';
import type { ReadDocument } from '../../src/application/ports/read-store.js';
import type { MarketEvent } from '../../src/domain/markets/events.js';
import {
  type MarketDocument,
  marketDocuments,
  type MarketPositionDocument,
  marketPositionDocuments,
  marketsProjection,
} from '../../src/projections/markets/markets-projection.js';
import type { DocumentProjection } from '../../src/projections/projection.js';
import { projectionSpec, recorder } from '../support/projection-spec.js';

const { given } = projectionSpec(marketsProjection);
const marketId = 'm-1';
const closesAt = '2025-01-02T10:00:00.000Z';
const placedAt = '2025-01-01T10:00:00.000Z';
const resolvedAt = '2025-01-01T12:00:00.000Z';

const events = () => {
  const record = recorder<MarketEvent>((event) => `market-${event.data.marketId}`);
  const place = (positionId: string, userId: string, outcome: string, stake: number) =>
    record({ type: 'PositionPlaced', data: { marketId, positionId, userId, outcome, stake, placedAt } });
  return {
    created: record({
      type: 'MarketCreated',
      data: { marketId, question: 'Will it rain?', outcomes: ['yes', 'no'], closesAt, createdBy: 'admin', createdAt: placedAt },
    }),
    yes100: place('p-1', 'u-1', 'yes', 100),
    no300: place('p-2', 'u-2', 'no', 300),
    closed: record({ type: 'MarketClosed', data: { marketId, closedAt: resolvedAt } }),
    resolved: record({
      type: 'MarketResolved',
      data: {
        marketId,
        winningOutcome: 'yes',
        totalPool: 400,
        winningPool: 100,
        payouts: [
          { positionId: 'p-1', userId: 'u-1', outcome: 'yes', stake: 100, payout: 400 },
          { positionId: 'p-2', userId: 'u-2', outcome: 'no', stake: 300, payout: 0 },
        ],
        resolvedAt,
      },
    }),
    recorded: record({ type: 'PayoutRecorded', data: { marketId, positionId: 'p-1', userId: 'u-1', amount: 400 } }),
  };
};

const open: MarketDocument = {
  id: marketId,
  question: 'Will it rain?',
  status: 'open',
  closesAt,
  outcomes: [
    { name: 'yes', pool: 0, probability: 0.5 },
    { name: 'no', pool: 0, probability: 0.5 },
  ],
  totalPool: 0,
  positions: 0,
  winningOutcome: null,
  version: 0,
};
const staked: MarketDocument = {
  ...open,
  outcomes: [
    { name: 'yes', pool: 100, probability: 0.25 },
    { name: 'no', pool: 300, probability: 0.75 },
  ],
  totalPool: 400,
  positions: 2,
  version: 2,
};
const sequences: Record<string, number> = { 'p-1': 1, 'p-2': 2 };
const position = (id: string, userId: string, outcome: string, stake: number, payout: number | null = null): MarketPositionDocument => ({
  id,
  marketId,
  userId,
  outcome,
  stake,
  payout,
  placedAt,
  sequence: sequences[id]!,
});

describe('markets projection', () => {
  it('keeps markets and their positions, positions indexed on marketId and userId', () =>
    assert.deepEqual(marketsProjection.collections, [
      { name: 'markets', indexes: ['status', 'closesAt'] },
      { name: 'market_positions', indexes: ['marketId', 'userId', 'sequence'] },
    ]));

  it('creates an open market with equal probabilities while nothing is staked', () => {
    const { created } = events();
    return given().when(created).then({ markets: { [marketId]: open } });
  });

  it('adds a position to its outcome pool, the total pool and the count, and records the position', () => {
    const { created, yes100 } = events();
    return given(created)
      .when(yes100)
      .then({
        markets: {
          [marketId]: {
            ...open,
            outcomes: [
              { name: 'yes', pool: 100, probability: 1 },
              { name: 'no', pool: 0, probability: 0 },
            ],
            totalPool: 100,
            positions: 1,
            version: 1,
          },
        },
        market_positions: { 'p-1': position('p-1', 'u-1', 'yes', 100) },
      });
  });

  it('gives each outcome its share of the total pool', () => {
    const { created, yes100, no300 } = events();
    return given(created, yes100).when(no300).then({ markets: { [marketId]: staked } });
  });

  it('closes the market', () => {
    const { created, yes100, no300, closed } = events();
    return given(created, yes100, no300).when(closed).then({ markets: { [marketId]: { ...staked, status: 'closed', version: 3 } } });
  });

  it('resolves the market and fills every position payout from MarketResolved', () => {
    const { created, yes100, no300, closed, resolved } = events();
    return given(created, yes100, no300, closed)
      .when(resolved)
      .then({
        markets: { [marketId]: { ...staked, status: 'resolved', winningOutcome: 'yes', version: 4 } },
        market_positions: { 'p-1': position('p-1', 'u-1', 'yes', 100, 400), 'p-2': position('p-2', 'u-2', 'no', 300, 0) },
      });
  });

  it('agrees with the payout the settlement saga records', () => {
    const { created, yes100, no300, closed, resolved, recorded } = events();
    return given(created, yes100, no300, closed, resolved)
      .when(recorded)
      .then({
        markets: { [marketId]: { ...staked, status: 'resolved', winningOutcome: 'yes', version: 5 } },
        market_positions: { 'p-1': position('p-1', 'u-1', 'yes', 100, 400), 'p-2': position('p-2', 'u-2', 'no', 300, 0) },
      });
  });

  it('finds a user position by marketId and userId', async () => {
    const { created, yes100, no300 } = events();
    const store = await given(created, yes100).when(no300).then({});
    const page = await store.find('market_positions', { where: { marketId, userId: 'u-2' }, limit: 10 });
    assert.deepEqual(page.items, [position('p-2', 'u-2', 'no', 300)]);
  });

  describe('the same event delivered twice changes nothing', () => {
    it('a position: counted and pooled once', () => {
      const { created, yes100, no300 } = events();
      return given(created, yes100, no300)
        .when(no300)
        .then({ markets: { [marketId]: staked }, market_positions: { 'p-2': position('p-2', 'u-2', 'no', 300) } });
    });

    it('a resolution', () => {
      const { created, yes100, no300, closed, resolved } = events();
      return given(created, yes100, no300, closed, resolved)
        .when(resolved)
        .then({
          markets: { [marketId]: { ...staked, status: 'resolved', winningOutcome: 'yes', version: 4 } },
          market_positions: { 'p-1': position('p-1', 'u-1', 'yes', 100, 400), 'p-2': position('p-2', 'u-2', 'no', 300, 0) },
        });
    });

    it('a recorded payout', () => {
      const { created, yes100, no300, closed, resolved, recorded } = events();
      return given(created, yes100, no300, closed, resolved, recorded)
        .when(recorded)
        .then({ market_positions: { 'p-1': position('p-1', 'u-1', 'yes', 100, 400) } });
    });

    it('evolve itself, without the position guard of applyEvents', () => {
      const { created, yes100, no300, resolved, recorded } = events();
      const fold = <Document extends ReadDocument>(projection: DocumentProjection<typeof created, Document>, id: string, ...delivered: (typeof created)[]) =>
        delivered.reduce<Document | null>((document, event) => projection.evolve(document, event, id), null);
      assert.deepEqual(fold(marketDocuments, marketId, created, yes100, no300, no300, yes100, created), fold(marketDocuments, marketId, created, yes100, no300));
      assert.deepEqual(
        fold(marketPositionDocuments, 'p-1', yes100, resolved, recorded, yes100, resolved, recorded),
        fold(marketPositionDocuments, 'p-1', yes100, resolved, recorded),
      );
    });
  });
});

import type { CreateMarket, MarketCommand } from '../../domain/markets/commands.js';
import type { MarketEvent, MarketStatus } from '../../domain/markets/events.js';
import { type Market, marketDecider, type MarketState, marketStream, pools } from '../../domain/markets/market.js';
import type { CommandContext } from '../commands/command-context.js';
import { AggregateCommands, type ExistingResult } from '../commands/aggregate-commands.js';
import type { CommandHandler } from '../commands/command-handler.js';
import type { Page, ReadStore } from '../ports/read-store.js';
import { type MarketDocument, outcomeViews } from '../../projections/markets/markets-projection.js';
import { listMarkets, marketById, type MyPosition, positionsOf } from '../../projections/markets/markets-projection.js';
import { resourceId } from '../commands/request-keys.js';

export interface MarketChange {
  market: MarketDocument;
  revision: bigint;
  position: bigint;
}

/** What a caller asks for: the creation but for the ids and the instant the service gives it. */
export type NewMarket = Pick<CreateMarket, 'question' | 'outcomes' | 'closesAt'>;

export interface PlacedPosition {
  placed: { id: string; outcome: string; stake: number };
  revision: bigint;
  position: bigint;
}

/** The market as the API shows it, from the state a command left. */
const marketViewOf = (market: Market, revision: bigint): MarketDocument => {
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

const changeOf = (result: ExistingResult<Market, unknown>): MarketChange => ({
  market: marketViewOf(result.state, result.revision),
  revision: result.revision,
  position: result.position,
});

/**
 * Opinion markets: commands on the market aggregate, queries on the `markets` read model.
 * The decider never reads a clock: every command gets `now` from the clock this service is given.
 */
export class MarketsService {
  private readonly markets: AggregateCommands<MarketState, MarketCommand, MarketEvent, MarketChange>;

  constructor(
    commands: CommandHandler,
    private readonly readStore: ReadStore,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.markets = new AggregateCommands(commands, marketDecider, marketStream, changeOf);
  }

  create(input: NewMarket, context: CommandContext & { userId: string }): Promise<MarketChange> {
    const marketId = resourceId(context, 'market');
    return this.markets.execute(
      marketId,
      'new',
      { type: 'CreateMarket', data: { marketId, ...input, createdBy: context.userId, now: this.instant() } },
      context,
    );
  }

  async placePosition(
    marketId: string,
    input: { outcome: string; stake: number },
    context: CommandContext & { userId: string },
    expectedRevision?: bigint,
  ): Promise<PlacedPosition> {
    const positionId = resourceId(context, 'position');
    const command: MarketCommand = {
      type: 'PlacePosition',
      data: { positionId, userId: context.userId, outcome: input.outcome, stake: input.stake, now: this.instant() },
    };
    const result = await this.markets.handle(marketId, 'existing', command, context, expectedRevision);
    return { placed: { id: positionId, outcome: input.outcome, stake: input.stake }, revision: result.revision, position: result.position };
  }

  close(marketId: string, context: CommandContext, expectedRevision?: bigint): Promise<MarketChange> {
    return this.markets.execute(marketId, 'existing', { type: 'CloseMarket', data: { now: this.instant() } }, context, expectedRevision);
  }

  resolve(marketId: string, winningOutcome: string, context: CommandContext, expectedRevision?: bigint): Promise<MarketChange> {
    return this.markets.execute(marketId, 'existing', { type: 'ResolveMarket', data: { winningOutcome, now: this.instant() } }, context, expectedRevision);
  }

  get(marketId: string): Promise<MarketDocument | null> {
    return marketById(this.readStore, marketId);
  }

  /** Soonest to close first. */
  list(query: { status?: MarketStatus | undefined; limit: number; cursor?: string | undefined }): Promise<Page<MarketDocument>> {
    return listMarkets(this.readStore, query);
  }

  /** Every position the user holds in the market, in the order placed. */
  positionsOf(marketId: string, userId: string): Promise<MyPosition[]> {
    return positionsOf(this.readStore, marketId, userId);
  }

  private instant(): string {
    return this.now().toISOString();
  }
}

import type { MarketCommand } from '../../domain/markets/commands.js';
import type { MarketStatus } from '../../domain/markets/events.js';
import { marketDecider, marketStream } from '../../domain/markets/market.js';
import type { CommandContext } from '../commands/command-context.js';
import type { CommandHandler } from '../commands/command-handler.js';
import type { FindQuery, Page, ReadDocument, ReadStore } from '../ports/read-store.js';
import { type MarketView, marketViewOf } from './market-view.js';
import { resourceId } from '../commands/request-keys.js';

export interface MarketChange {
  market: MarketView;
  revision: bigint;
  position: bigint;
}

export interface NewMarket {
  question: string;
  outcomes: string[];
  closesAt: string;
}

export interface PlacedPosition {
  placed: { id: string; outcome: string; stake: number };
  revision: bigint;
  position: bigint;
}

export interface MyPosition {
  outcome: string;
  stake: number;
  payout: number | null;
}

const PAGE = 100;

/** A `markets` document (the read model's, or one as it stood) as the API shows it. */
export const viewOfDocument = (document: ReadDocument): MarketView => {
  const { id, question, status, closesAt, outcomes, totalPool, positions, winningOutcome, version } = document as unknown as MarketView;
  return { id, question, status, closesAt, outcomes, totalPool, positions, winningOutcome, version };
};

/**
 * Opinion markets: commands on the market aggregate, queries on the `markets` read model.
 * The decider never reads a clock: every command gets `now` from the clock this service is given.
 */
export class MarketsService {
  constructor(
    private readonly commands: CommandHandler,
    private readonly readStore: ReadStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  create(input: NewMarket, context: CommandContext & { userId: string }): Promise<MarketChange> {
    const marketId = resourceId(context, 'market');
    return this.execute(
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
    const result = await this.handle(marketId, 'existing', command, context, expectedRevision);
    return { placed: { id: positionId, outcome: input.outcome, stake: input.stake }, revision: result.revision, position: result.position };
  }

  close(marketId: string, context: CommandContext, expectedRevision?: bigint): Promise<MarketChange> {
    return this.execute(marketId, 'existing', { type: 'CloseMarket', data: { now: this.instant() } }, context, expectedRevision);
  }

  resolve(marketId: string, winningOutcome: string, context: CommandContext, expectedRevision?: bigint): Promise<MarketChange> {
    return this.execute(marketId, 'existing', { type: 'ResolveMarket', data: { winningOutcome, now: this.instant() } }, context, expectedRevision);
  }

  async get(marketId: string): Promise<MarketView | null> {
    const document = await this.readStore.get('markets', marketId);
    return document ? viewOfDocument(document) : null;
  }

  /** Soonest to close first. */
  async list(query: { status?: MarketStatus | undefined; limit: number; cursor?: string | undefined }): Promise<Page<MarketView>> {
    const find: FindQuery = { orderBy: 'closesAt', limit: query.limit, cursor: query.cursor };
    if (query.status !== undefined) find.where = { status: query.status };
    const page = await this.readStore.find('markets', find);
    return { items: page.items.map(viewOfDocument), nextCursor: page.nextCursor };
  }

  /** Every position the user holds in the market, in the order placed. */
  async positionsOf(marketId: string, userId: string): Promise<MyPosition[]> {
    const positions: MyPosition[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.readStore.find('market_positions', { where: { marketId, userId }, orderBy: 'sequence', limit: PAGE, cursor });
      for (const document of page.items) {
        const { outcome, stake, payout } = document as unknown as MyPosition;
        positions.push({ outcome, stake, payout });
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    return positions;
  }

  private instant(): string {
    return this.now().toISOString();
  }

  private handle(marketId: string, expect: 'new' | 'existing', command: MarketCommand, context: CommandContext, expectedRevision?: bigint) {
    return this.commands.handle(marketDecider, marketStream(marketId), command, context, {
      expect,
      ...(expectedRevision === undefined ? {} : { expectedRevision }),
    });
  }

  private async execute(
    marketId: string,
    expect: 'new' | 'existing',
    command: MarketCommand,
    context: CommandContext,
    expectedRevision?: bigint,
  ): Promise<MarketChange> {
    const result = await this.handle(marketId, expect, command, context, expectedRevision);
    return { market: marketViewOf(result.state, result.revision), revision: result.revision, position: result.position };
  }
}

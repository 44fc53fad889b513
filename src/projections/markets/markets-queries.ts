import type { FindQuery, Page, ReadStore } from '../../application/ports/read-store.js';
import type { MarketStatus } from '../../domain/markets/events.js';
import { readerOf } from '../projection.js';
import { type MarketDocument, marketDocuments, type MarketPositionDocument, marketPositionDocuments } from './markets-projection.js';

/** A position as its holder sees it. */
export type MyPosition = Pick<MarketPositionDocument, 'outcome' | 'stake' | 'payout'>;

const markets = readerOf(marketDocuments);
const positions = readerOf(marketPositionDocuments);
const PAGE = 100;

export const marketById = (store: ReadStore, marketId: string): Promise<MarketDocument | null> => markets.get(store, marketId);

/** Soonest to close first. */
export const listMarkets = (
  store: ReadStore,
  query: { status?: MarketStatus | undefined; limit: number; cursor?: string | undefined },
): Promise<Page<MarketDocument>> => {
  const find: FindQuery = { orderBy: 'closesAt', limit: query.limit, cursor: query.cursor };
  if (query.status !== undefined) find.where = { status: query.status };
  return markets.find(store, find);
};

/** Every position the user holds in the market, in the order placed. */
export const positionsOf = async (store: ReadStore, marketId: string, userId: string): Promise<MyPosition[]> => {
  const held: MyPosition[] = [];
  let cursor: string | undefined;
  do {
    const page = await positions.find(store, { where: { marketId, userId }, orderBy: 'sequence', limit: PAGE, cursor });
    for (const { outcome, stake, payout } of page.items) held.push({ outcome, stake, payout });
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return held;
};

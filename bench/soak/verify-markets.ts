/**
 * The soak's checks on markets: every position acknowledged is recorded once, every market ends resolved, and every
 * position is paid once, as docs/http-api.md says: floor(stake × total pool / winning pool) to the winners, 0 to the
 * others, and every stake back when nobody backed the winner; seen in the event store and through each customer's
 * positions.
 */
import type { RecordedEvent } from '../../src/application/ports/event-store.js';
import type { SoakLedger } from './soak-ledger.js';

type Position = { marketId: string; positionId: string; userId: string; outcome: string; stake: number };

export interface MarketFigures {
  markets: number;
  positions: number;
  paidOut: number;
  staked: number;
  /** Markets resolved for an outcome nobody backed (every stake back). */
  refundedMarkets: number;
}

/** What a position is owed once its market is resolved for `winner`. */
export const payoutOf = (position: { outcome: string; stake: number }, positions: readonly { outcome: string; stake: number }[], winner: string): number => {
  const total = positions.reduce((sum, each) => sum + each.stake, 0);
  const winning = positions.filter((each) => each.outcome === winner).reduce((sum, each) => sum + each.stake, 0);
  if (winning === 0) return position.stake;
  return position.outcome === winner ? Number((BigInt(position.stake) * BigInt(total)) / BigInt(winning)) : 0;
};

/** Each customer's answer to GET /markets/:id/positions/me, by market id and customer email. */
export type PositionsSeen = Map<string, Map<string, { outcome: string; stake: number; payout: number | null }[]>>;

export const verifyMarkets = (ledger: SoakLedger, events: readonly RecordedEvent[], seen: PositionsSeen, violations: string[]): MarketFigures => {
  const positions = new Map<string, Position[]>();
  const winners = new Map<string, string>();
  const payouts = new Map<string, number[]>();
  for (const event of events) {
    if (event.type === 'PositionPlaced') {
      const position = event.data as Position;
      positions.set(position.marketId, [...(positions.get(position.marketId) ?? []), position]);
    }
    if (event.type === 'MarketResolved') {
      const { marketId, winningOutcome } = event.data as { marketId: string; winningOutcome: string };
      if (winners.has(marketId)) violations.push(`market ${marketId} resolved twice`);
      winners.set(marketId, winningOutcome);
    }
    if (event.type === 'PayoutRecorded') {
      const { positionId, amount } = event.data as { positionId: string; amount: number };
      payouts.set(positionId, [...(payouts.get(positionId) ?? []), amount]);
    }
  }
  const figures: MarketFigures = { markets: ledger.markets.length, positions: 0, paidOut: 0, staked: 0, refundedMarkets: 0 };
  for (const market of ledger.markets) {
    const placed = positions.get(market.id) ?? [];
    const winner = winners.get(market.id);
    figures.positions += placed.length;
    figures.staked += placed.reduce((sum, position) => sum + position.stake, 0);
    if (winner === undefined) {
      violations.push(`market ${market.id} was never resolved`);
      continue;
    }
    if (market.resolve && market.resolve.status === 200 && market.resolve.winningOutcome !== winner)
      violations.push(`market ${market.id} resolved for ${winner}, the admin was told ${market.resolve.winningOutcome}`);
    if (!placed.some((position) => position.outcome === winner)) figures.refundedMarkets++;
    let paid = 0;
    for (const position of placed) {
      const owed = payoutOf(position, placed, winner);
      const recorded = payouts.get(position.positionId) ?? [];
      if (recorded.length !== 1 || recorded[0] !== owed) violations.push(`position ${position.positionId} on ${market.id}: paid ${JSON.stringify(recorded)}, owed ${owed}`);
      paid += recorded.reduce((sum, amount) => sum + amount, 0);
    }
    figures.paidOut += paid;
    const pool = placed.reduce((sum, position) => sum + position.stake, 0);
    if (paid > pool) violations.push(`market ${market.id} paid out ${paid} from a pool of ${pool}`);

    // Each customer's positions, as they were acknowledged, recorded and answered by the API.
    for (const customer of ledger.customers) {
      const intents = ledger.positions.filter((position) => position.customer === customer && position.marketId === market.id);
      const acknowledged = intents.filter((position) => position.status === 201);
      const answered = intents.filter((position) => position.status !== undefined);
      const recorded = placed.filter((position) => position.userId === customer.id);
      if (recorded.length < acknowledged.length) violations.push(`${customer.email} on ${market.id}: ${acknowledged.length} positions acknowledged, ${recorded.length} recorded`);
      if (recorded.length > intents.length || recorded.length > acknowledged.length + (intents.length - answered.length))
        violations.push(`${customer.email} on ${market.id}: ${acknowledged.length} positions acknowledged, ${recorded.length} recorded: a retry placed one twice`);
      for (const position of answered)
        if (position.status !== 201 && position.status !== 422) violations.push(`${customer.email}'s position on ${market.id} answered ${position.status}`);
      const mine = seen.get(market.id)?.get(customer.email) ?? [];
      const expected = recorded.map((position) => ({ outcome: position.outcome, stake: position.stake, payout: payoutOf(position, placed, winner) }));
      const key = (list: readonly { outcome: string; stake: number; payout: number | null }[]) => JSON.stringify([...list].map((each) => [each.outcome, each.stake, each.payout]).sort());
      if (recorded.length > 0 && key(mine) !== key(expected)) violations.push(`${customer.email} on ${market.id}: the API shows ${JSON.stringify(mine)}, expected ${JSON.stringify(expected)}`);
    }
  }
  return figures;
};

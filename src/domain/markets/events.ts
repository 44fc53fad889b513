import { z } from 'zod';
import type { EventsOf } from '../shared/decider.js';

export const MarketStatus = z.enum(['open', 'closed', 'resolved']);
export type MarketStatus = z.infer<typeof MarketStatus>;

export const Payout = z.object({
  positionId: z.string(),
  userId: z.string(),
  outcome: z.string(),
  stake: z.number().int().min(1),
  payout: z.number().int().min(0),
});
export type Payout = z.infer<typeof Payout>;

export const MarketCreated = z.object({
  marketId: z.string(),
  question: z.string(),
  outcomes: z.array(z.string()).min(2).max(10),
  closesAt: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
});
export const PositionPlaced = z.object({
  marketId: z.string(),
  positionId: z.string(),
  userId: z.string(),
  outcome: z.string(),
  stake: z.number().int().min(1).max(10_000),
  placedAt: z.string(),
});
export const MarketClosed = z.object({ marketId: z.string(), closedAt: z.string() });
/** Carries every position's payout (0 for losers), computed by the decider; the settlement saga records them. */
export const MarketResolved = z.object({
  marketId: z.string(),
  winningOutcome: z.string(),
  totalPool: z.number().int().min(0),
  winningPool: z.number().int().min(0),
  payouts: z.array(Payout),
  resolvedAt: z.string(),
});
export const PayoutRecorded = z.object({
  marketId: z.string(),
  positionId: z.string(),
  userId: z.string(),
  amount: z.number().int().min(0),
});

export const marketEventSchemas = {
  MarketCreated,
  PositionPlaced,
  MarketClosed,
  MarketResolved,
  PayoutRecorded,
} as const;

export type MarketEvent = EventsOf<typeof marketEventSchemas>;
export type MarketEventType = MarketEvent['type'];

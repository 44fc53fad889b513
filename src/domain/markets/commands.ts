import { z } from 'zod';
import type { CommandsOf } from '../shared/decider.js';

// `now` is an ISO 8601 instant supplied by the application: the decider never reads a clock.
export const CreateMarket = z.object({
  marketId: z.string(),
  question: z.string(),
  outcomes: z.array(z.string()),
  closesAt: z.string(),
  createdBy: z.string(),
  now: z.string(),
});
export const PlacePosition = z.object({ positionId: z.string(), userId: z.string(), outcome: z.string(), stake: z.number(), now: z.string() });
export const CloseMarket = z.object({ now: z.string() });
export const ResolveMarket = z.object({ winningOutcome: z.string(), now: z.string() });
/** Issued by the market-settlement saga. */
export const RecordPayout = z.object({ positionId: z.string() });

export const marketCommandSchemas = { CreateMarket, PlacePosition, CloseMarket, ResolveMarket, RecordPayout } as const;

export type CreateMarket = z.infer<typeof CreateMarket>;
export type PlacePosition = z.infer<typeof PlacePosition>;
export type CloseMarket = z.infer<typeof CloseMarket>;
export type ResolveMarket = z.infer<typeof ResolveMarket>;
export type RecordPayout = z.infer<typeof RecordPayout>;
export type MarketCommand = CommandsOf<typeof marketCommandSchemas>;

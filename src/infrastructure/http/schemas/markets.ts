import { z } from 'zod';
import { MarketStatus } from '../../../domain/markets/events.js';
import { MAX_OUTCOMES, MAX_STAKE, MIN_OUTCOMES } from '../../../domain/markets/market.js';
import { ListQuery, plainText } from './common.js';

const OutcomeName = plainText().trim().min(1).max(100);

export const CreateMarketBody = z.strictObject({
  question: z.string().trim().min(1).max(500),
  outcomes: z
    .array(OutcomeName)
    .min(MIN_OUTCOMES)
    .max(MAX_OUTCOMES)
    .superRefine((outcomes, ctx) => {
      outcomes.forEach((outcome, index) => {
        if (outcomes.indexOf(outcome) !== index) ctx.addIssue({ code: 'custom', path: [index], message: 'outcomes must be distinct' });
      });
    })
    .meta({ uniqueItems: true, description: 'distinct names, compared once the blanks around them are dropped' }),
  /**
   * An RFC 3339 instant with an offset, kept in UTC, where it must still have a four-digit year as the RFC 3339
   * answer must (`9999-12-31T23:59:59-14:00` is in year 10000). Whether it is in the future is the market's rule (422).
   */
  closesAt: z.iso
    .datetime({ offset: true })
    .transform((instant, ctx) => {
      const utc = new Date(instant).toISOString();
      if (/^\d{4}-/.test(utc)) return utc;
      ctx.addIssue({ code: 'custom', message: 'must fall within the years 0000 to 9999 once in UTC', input: instant });
      return z.NEVER;
    })
    .meta({ description: 'an RFC 3339 date-time with an offset; once in UTC it must fall within the years 0000 to 9999' }),
});

export const PlacePositionBody = z.strictObject({
  outcome: OutcomeName,
  stake: z.number().int().min(1).max(MAX_STAKE),
});

export const CloseMarketBody = z.strictObject({});

export const ResolveMarketBody = z.strictObject({ winningOutcome: OutcomeName });

export const MarketListQuery = ListQuery.extend({ status: MarketStatus.optional() });

export const MarketResponse = z.object({
  id: z.string(),
  question: z.string(),
  status: MarketStatus,
  closesAt: z.string(),
  outcomes: z.array(z.object({ name: z.string(), pool: z.number().int(), probability: z.number() })),
  totalPool: z.number().int(),
  positions: z.number().int(),
  winningOutcome: z.string().nullable(),
  version: z.number().int(),
});

export const PositionResponse = z.object({ id: z.string(), outcome: z.string(), stake: z.number().int() });

export const MyPositionsResponse = z.object({
  items: z.array(z.object({ outcome: z.string(), stake: z.number().int(), payout: z.number().int().nullable() })),
});

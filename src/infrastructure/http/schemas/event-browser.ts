import { z } from 'zod';
import { ListQuery, page } from './common.js';

/** The largest position a store can hold (a signed 64-bit integer). */
const MAX_POSITION = 2n ** 63n - 1n;

/** A global position of `$all` as a decimal string, the way an event's `position` and `X-Position` give it. */
export const Position = z
  .string()
  .regex(/^\d{1,19}$/)
  .refine((value) => !/^\d+$/.test(value) || BigInt(value) <= MAX_POSITION, { message: 'beyond the largest position' })
  .meta({ description: "a global position of `$all` (a decimal string, as an event's `position` gives it)" });

/** A stream revision, counted from 0. */
export const Revision = z.string().regex(/^\d{1,15}$/);

export const Direction = z.enum(['forwards', 'backwards']);

export const StreamParams = z.object({ stream: z.string().min(1).max(500).meta({ description: 'the stream, e.g. `order-<id>`' }) });

export const StreamQuery = ListQuery.extend({
  fromRevision: Revision.optional().meta({ description: 'the first revision of the page (included); the start, or the end backwards, when absent' }),
  direction: Direction.optional().meta({ description: '`forwards` (the default) or `backwards`' }),
});

export const EventsQuery = ListQuery.extend({
  fromPosition: Position.optional().meta({ description: 'the first position of the page (included); the start of `$all` when absent' }),
  type: z
    .string()
    .max(1000)
    .regex(/^[^,]+(?:,[^,]+)*$/)
    .optional()
    .meta({ description: 'only events of this type (several: separated by commas)' }),
  streamPrefix: z.string().min(1).max(500).optional().meta({ description: 'only events of streams whose name starts with this' }),
  correlationId: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,128}$/)
    .optional()
    .meta({ description: 'only events recorded with this correlation id' }),
});

const Instant = z.string().meta({ format: 'date-time', description: 'an ISO 8601 instant, UTC' });

export const EventItem = z.object({
  eventId: z.string(),
  type: z.string(),
  stream: z.string(),
  revision: z.number().int().min(0).meta({ description: "the event's revision in its stream, from 0" }),
  position: z.string().regex(/^\d+$/).meta({ description: 'the global position in `$all` (a decimal string)' }),
  recordedAt: Instant,
  data: z.unknown().meta({ description: 'the payload as recorded; secrets (password hashes, card tokens) read `[redacted]`' }),
  metadata: z.looseObject({
    correlationId: z.string(),
    causationId: z.string(),
    userId: z.string().optional(),
    traceparent: z.string().optional(),
    idempotencyKey: z.string().optional().meta({ description: "the Idempotency-Key of the request that appended it, hashed with the request's caller and URL" }),
    requestFingerprint: z.literal('[redacted]').optional().meta({ description: "that request's body, as a fingerprint: never shown" }),
    schemaVersion: z.number().int().optional(),
  }),
});

export const EventPage = page(EventItem);

/** What `Accept: text/event-stream` answers: one message per event, `id:` its position, `data:` the item as JSON. */
export const EventStreamText = z.string().meta({
  description:
    'Server-sent events: for each event `id: <position>` and `data: <the item as JSON>`; a comment line (`: heartbeat`) every 15 s while nothing happens.',
});

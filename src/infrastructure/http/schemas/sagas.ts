import { z } from 'zod';
import { SAGA_TYPES } from '../../../../sagas/reaction.js';
import { ListQuery, page } from './common.js';

export const SagaType = z.enum(SAGA_TYPES);
export const SagaStatus = z.enum(['running', 'completed', 'compensated', 'failed']);

const Instant = z.string().meta({ format: 'date-time', description: 'an ISO 8601 instant, UTC' });

export const SagaResponse = z.object({
  id: z.string().meta({ description: "the order's or market's id" }),
  type: SagaType,
  status: SagaStatus,
  startedAt: Instant,
  updatedAt: Instant,
  steps: z.array(
    z.object({
      name: z.string().meta({ description: 'the step, e.g. `reserve-stock:<productId>`, `charge-payment`, `cancel-order:<reason>`' }),
      status: z.enum(['pending', 'retrying', 'succeeded', 'rejected', 'failed']),
      at: Instant,
      attempts: z.number().int().min(0),
      error: z.string().nullable(),
    }),
  ),
  pendingTimeout: z.object({ dueAt: Instant }).nullable(),
});

export const SagaListQuery = ListQuery.extend({ type: SagaType.optional(), status: SagaStatus.optional() });

export const SagaListResponse = page(SagaResponse);

/** A retry carries no body; anything sent is refused like any unknown field. */
export const RetrySagaBody = z.strictObject({});

export const SagaRetryResponse = z.object({ id: z.string(), retried: z.array(z.string()) });

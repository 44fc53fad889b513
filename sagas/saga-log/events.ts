import { z } from 'zod';
import type { EventsOf } from '../../src/domain/shared/decider.js';
import { type Reaction, SAGA_TYPES } from '../reaction.js';

export const SagaKind = z.enum(SAGA_TYPES);

/** A reaction as the saga runtime ran it, kept to be run again. */
const StoredReaction = z.custom<Reaction>(
  (value) => typeof value === 'object' && value !== null && 'saga' in value && 'sagaId' in value && 'step' in value && 'kind' in value,
  'a saga reaction',
);

/** An attempt at a step failed and another will follow. */
export const SagaStepAttemptFailed = z.object({
  sagaId: z.string(),
  sagaType: SagaKind,
  step: z.string(),
  attempt: z.number().int().min(1),
  error: z.string(),
});
/** The last attempt at a step failed: the step waits for an admin to retry it. */
export const SagaStepDeadLettered = z.object({
  sagaId: z.string(),
  sagaType: SagaKind,
  step: z.string(),
  attempts: z.number().int().min(1),
  error: z.string(),
  reaction: StoredReaction,
});
/** An admin asked for the dead-lettered steps to run again: `reactions` are theirs. */
export const SagaRetried = z.object({
  sagaId: z.string(),
  sagaType: SagaKind,
  steps: z.array(z.string()),
  reactions: z.array(StoredReaction),
  by: z.string(),
});

export const sagaEventSchemas = { SagaStepAttemptFailed, SagaStepDeadLettered, SagaRetried } as const;

export type SagaEvent = EventsOf<typeof sagaEventSchemas>;

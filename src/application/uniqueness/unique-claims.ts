import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { CommandContext } from '../commands/command-context.js';
import { type EventStore, WrongExpectedVersionError } from '../ports/event-store.js';
import { newId } from '../ids.js';

export const UniqueValueClaimed = z.object({ scope: z.string(), value: z.string(), ownerId: z.string(), claimedAt: z.string() });
export const uniqueClaimEventSchemas = { UniqueValueClaimed } as const;

export type ClaimOutcome = { claimed: true } | { claimed: false; ownerId: string };

/** A claim whose owner never came to exist after this long was left by a crash between claim and creation. */
const ABANDONED_AFTER_MS = 60_000;

/**
 * Uniqueness across streams (a user's email, a product's sku): the first append to the value's own
 * reservation stream with `no_stream` wins. The same owner claiming again succeeds (idempotent); a claim whose
 * owner stream was never written is taken over once it is old enough, so a crash cannot lock a value forever.
 */
export class UniqueClaims {
  constructor(
    private readonly store: EventStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  static stream(scope: string, value: string): string {
    return `${scope}_unique-${createHash('sha256').update(value).digest('hex').slice(0, 40)}`;
  }

  async claim(scope: string, value: string, ownerId: string, ownerStream: (id: string) => string, context: CommandContext): Promise<ClaimOutcome> {
    const stream = UniqueClaims.stream(scope, value);
    const claimEvent = () => ({
      id: newId(),
      type: 'UniqueValueClaimed',
      data: { scope, value, ownerId, claimedAt: this.now().toISOString() },
      metadata: { correlationId: context.correlationId, causationId: context.causationId ?? context.correlationId, ...(context.userId ? { userId: context.userId } : {}) },
    });
    try {
      await this.store.appendToStream(stream, [claimEvent()], { expectedRevision: 'no_stream' });
      return { claimed: true };
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError)) throw error;
    }
    const [last] = await this.store.readStream(stream, { direction: 'backwards', maxCount: 1 });
    if (!last) return this.claim(scope, value, ownerId, ownerStream, context);
    const current = UniqueValueClaimed.parse(last.data);
    if (current.ownerId === ownerId) return { claimed: true };
    const abandoned =
      this.now().getTime() - new Date(current.claimedAt).getTime() > ABANDONED_AFTER_MS &&
      (await this.store.readStream(ownerStream(current.ownerId), { maxCount: 1 })).length === 0;
    if (!abandoned) return { claimed: false, ownerId: current.ownerId };
    try {
      await this.store.appendToStream(stream, [claimEvent()], { expectedRevision: last.revision });
      return { claimed: true };
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) return this.claim(scope, value, ownerId, ownerStream, context);
      throw error;
    }
  }
}

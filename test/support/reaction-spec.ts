import assert from 'node:assert/strict';
import type { RecordedEvent } from '../../src/application/ports/event-store.js';
import type { DomainEvent } from '../../src/domain/shared/decider.js';
import type { Reaction } from '../../sagas/reaction.js';

export const RECORDED_AT = new Date('2025-01-01T10:00:00.000Z');

/** An event as the store hands it to a saga (id, stream and position do not matter to a reaction). */
export const recorded = <Event extends DomainEvent>(event: Event, index = 0): RecordedEvent & Event => ({
  ...event,
  id: `event-${index}`,
  metadata: { correlationId: 'correlation-1', causationId: 'cause-1' },
  streamId: 'stream',
  revision: BigInt(index),
  position: BigInt(index + 1),
  recordedAt: RECORDED_AT,
});

/**
 * given(events).when(event).then(reactions) for a saga: what it needs to know is built from the history and the event
 * itself (the saga reacts after the event was recorded):
 *   const { given } = reactionSpec(react, (history) => ({ order: orderAfter(history), paymentTimeoutMs: 30_000 }));
 *   given(placed).when(stockReserved('p-1')).then(noteReservation('o-1', 'p-1', true));
 */
export const reactionSpec = <Event extends DomainEvent, Knowledge>(
  react: (event: RecordedEvent & Event, knowledge: Knowledge) => Reaction[],
  knowledgeOf: (history: readonly Event[]) => Knowledge,
) => ({
  given: (...history: Event[]) => ({
    when: (event: Event) => {
      const reactions = () => react(recorded(event, history.length), knowledgeOf([...history, event]));
      return {
        then: (...expected: Reaction[]) => assert.deepEqual(reactions(), expected),
        thenNothing: () => assert.deepEqual(reactions(), []),
      };
    },
  }),
});

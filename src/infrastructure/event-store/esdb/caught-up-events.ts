import type { AllStreamResolvedEvent, AllStreamSubscription } from '@eventstore/db-client';

const nextTurn = () => new Promise<'turn'>((resolve) => setImmediate(resolve, 'turn'));

/**
 * The events of a subscription up to the moment it has caught up: it ends once the server has sent `caughtUp` (which
 * follows every event indexed when catch-up ended) and nothing more has reached the consumer for a whole turn, events
 * that came before `caughtUp` included. Live events that come in the meantime are yielded too; the caller bounds them.
 */
export async function* caughtUpEvents(subscription: AllStreamSubscription): AsyncGenerator<AllStreamResolvedEvent> {
  let caughtUp = false;
  const caughtUpSignal = new Promise<'caughtUp'>((resolve) =>
    subscription.once('caughtUp', () => {
      caughtUp = true;
      resolve('caughtUp');
    }),
  );
  const iterator = subscription[Symbol.asyncIterator]();
  let next: Promise<IteratorResult<AllStreamResolvedEvent>> | undefined;
  let arrived = false;
  for (;;) {
    if (!next) {
      arrived = false;
      next = iterator.next();
      void next.then(
        () => (arrived = true),
        () => (arrived = true),
      );
    }
    const result = await Promise.race([next, caughtUp ? nextTurn() : caughtUpSignal]);
    if (result === 'caughtUp') continue;
    if (result === 'turn') {
      if (!arrived && subscription.readableLength === 0) return;
      continue;
    }
    next = undefined;
    if (result.done) return;
    yield result.value;
  }
}

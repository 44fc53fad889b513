import { randomUUID } from 'node:crypto';
import { type EventStore, WrongExpectedVersionError } from '../../../application/ports/event-store.js';

/**
 * Where EventStoreDB keeps the store's id (EventStore.storeId): the first event of a system stream of our own, of a
 * system type, so that no read of `$all` and no subscription of ours ever sees it, and the head does not count it.
 * Written once, by whichever client asks first (`no_stream`); one that loses the race reads the winner's.
 * A system stream: on a secure server the user of the connection must be allowed to write it (`$admins` are).
 */
export const STORE_ID_STREAM = '$ledgerflow-store-id';

export const readOrMakeStoreId = async (store: Pick<EventStore, 'readStream' | 'appendToStream'>): Promise<string> => {
  for (;;) {
    const [first] = await store.readStream(STORE_ID_STREAM, { maxCount: 1 });
    const kept = (first?.data as { id?: unknown } | undefined)?.id;
    if (typeof kept === 'string') return kept;
    const id = randomUUID();
    const metadata = { correlationId: STORE_ID_STREAM, causationId: STORE_ID_STREAM };
    try {
      await store.appendToStream(STORE_ID_STREAM, [{ id: randomUUID(), type: STORE_ID_STREAM, data: { id }, metadata }], { expectedRevision: 'no_stream' });
      return id;
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError)) throw error;
    }
  }
};

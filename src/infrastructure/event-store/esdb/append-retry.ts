import { setTimeout as sleep } from 'node:timers/promises';
import { type AppendResult, DeadlineExceededError, UnavailableError } from '@eventstore/db-client';

const ATTEMPTS = 4;
const PAUSE_MS = 50;

/**
 * Errors after which the append may or may not have been written. EventStoreDB drops an append of events it has
 * written but not yet indexed (IndexWriter.CheckCommit answers IdempotentNotReady, StorageWriterService drops the
 * write "and waits for the client to retry"), so the client sees DeadlineExceededError once the write times out;
 * UnavailableError is a connection lost, or a node not ready, maybe after the write.
 */
const isUnanswered = (error: unknown): boolean => error instanceof DeadlineExceededError || error instanceof UnavailableError;

/**
 * Sends the same append (same event ids, same expected revision) again, a few times, when it went unanswered: the
 * server then answers as for a repeat of a write it has (idempotently, with that write's result) or refuses it with a
 * wrong expected version, so no event is written twice. The last error is rethrown.
 */
export const appendWithRetry = async (append: () => Promise<AppendResult>, onRetry: (error: unknown, attempt: number) => void): Promise<AppendResult> => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await append();
    } catch (error) {
      if (attempt >= ATTEMPTS || !isUnanswered(error)) throw error;
      onRetry(error, attempt);
      await sleep(PAUSE_MS * attempt);
    }
  }
};

import type { Logger } from 'pino';
import type { SagaType } from '../../../sagas/reaction.js';
import type { SagaDocument } from '../../../sagas/saga-status/saga-document.js';
import { newId } from '../ids.js';
import type { ReadStore } from '../ports/read-store.js';
import type { SagaJobs } from './saga-jobs.js';
import type { SagaReactions } from './saga-reactions.js';

const PAGE = 100;

/**
 * Re-derives the work of every unfinished saga from the event store and enqueues it: what a crash, or a Redis
 * restarted empty, took from the queue is done after all. Steps already done are no-ops, so running it with
 * nothing lost costs time, not correctness. A failed saga's dead-lettered steps wait for an admin's retry, but the
 * rest of its work goes on: above all its payment deadline, so that no order stays pending past it.
 */
export class SagaRecovery {
  constructor(
    private readonly readStore: ReadStore,
    private readonly reactions: SagaReactions,
    private readonly jobs: SagaJobs,
    private readonly logger: Logger,
  ) {}

  /** Resolves with the number of sagas looked at once their work is enqueued. */
  async recover(): Promise<number> {
    const cause = `recovery-${newId()}`;
    let cursor: string | undefined;
    let sagas = 0;
    for (const status of ['running', 'failed'] as const) {
      do {
        const page = await this.readStore.find('sagas', { where: { status }, orderBy: 'startedAt', limit: PAGE, cursor });
        for (const document of page.items) {
          const saga = document as SagaDocument;
          const deadLettered = new Set(saga.steps.filter((step) => step.status === 'failed').map((step) => step.name));
          const work = (await this.reactions.pending(saga.type as SagaType, saga.id)).filter((reaction) => !deadLettered.has(reaction.step));
          const correlationId = typeof saga.correlationId === 'string' ? saga.correlationId : cause;
          await Promise.all(work.map((reaction) => this.jobs.enqueue(reaction, { id: cause, correlationId })));
          sagas++;
        }
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
    }
    this.logger.info({ sagas }, 'saga work re-derived from the event store');
    return sagas;
  }
}

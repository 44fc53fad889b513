import type { Logger } from 'pino';
import type { CommandHandler } from '../commands/command-handler.js';
import type { EventStore } from '../ports/event-store.js';
import type { JobDepth } from '../ports/job-queue.js';
import type { ReadModelProgress } from '../ports/read-model-progress.js';
import type { SagaDelivery } from './saga-delivery.js';
import type { SagaJobs, SagaStepCounts } from './saga-jobs.js';
import type { ReactionRunner } from './reaction-runner.js';
import type { SagaRecovery } from './saga-recovery.js';

export interface SagaRuntimeParts {
  events: EventStore;
  jobs: SagaJobs;
  runner: ReactionRunner;
  commands: CommandHandler;
  delivery: SagaDelivery;
  recovery: SagaRecovery;
  progress: ReadModelProgress;
  logger: Logger;
}

const CATCH_UP_MS = 24 * 60 * 60 * 1000;

/**
 * Everything that makes the sagas move in one process: the delivery of events to the job queue, a worker on the
 * queue, and the re-derivation of pending work on boot and whenever the queue's store comes back after a loss.
 */
export class SagaRuntime {
  private recovering: Promise<void> | undefined;
  private requested = false;
  private stopped = false;
  private recoveries = 0;

  constructor(private readonly parts: SagaRuntimeParts) {}

  /** The saga steps this process has run, retried and dead-lettered. */
  get stepCounts(): SagaStepCounts {
    return { ...this.parts.jobs.counts };
  }

  /** How many times this process has re-derived every unfinished saga's work (on boot, and after each loss of the queue's store). */
  get recoveriesDone(): number {
    return this.recoveries;
  }

  /** The jobs both lanes hold (metrics); undefined when the queues cannot tell. */
  jobDepth(): Promise<JobDepth | undefined> {
    return this.parts.jobs.depth();
  }

  async start(): Promise<void> {
    const { jobs, runner, commands, delivery, logger } = this.parts;
    jobs.work(runner, commands, logger);
    await delivery.start();
    jobs.onReconnect(() => void this.recover());
    void this.recover();
  }

  /**
   * Re-derives the work of every unfinished saga once the saga view has caught up with the store as it is now (what
   * the view has not seen yet, the delivery hands over anyway). A failure (the queue's store still away) is tried
   * again with backoff; a request made while a recovery runs makes another run after it, since the queue may have
   * lost what the running one enqueued.
   */
  recover(): Promise<void> {
    this.requested = true;
    this.recovering ??= (async () => {
      try {
        while (this.requested && !this.stopped) {
          this.requested = false;
          await this.recoverOnce();
        }
      } finally {
        this.recovering = undefined;
      }
    })();
    return this.recovering;
  }

  private async recoverOnce(): Promise<void> {
    const { events, progress, recovery, logger } = this.parts;
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        const head = await events.headPosition();
        if (await progress.waitFor('sagas', head, CATCH_UP_MS)) {
          await recovery.recover();
          this.recoveries++;
        }
        return;
      } catch (error) {
        logger.warn({ err: error, attempt }, 'saga recovery failed, trying again');
        await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 250 * 2 ** attempt)).unref());
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.parts.delivery.stop();
    await this.parts.jobs.close();
  }
}

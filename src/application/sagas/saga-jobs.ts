import { jobIdOf, type Reaction } from '../../../sagas/reaction.js';
import type { Logger } from 'pino';
import { sagaLogDecider, sagaLogStream, type SagaLogCommand } from '../../../sagas/saga-log/saga-log.js';
import type { CommandContext } from '../commands/command-context.js';
import type { CommandHandler } from '../commands/command-handler.js';
import type { Job, JobQueue } from '../ports/job-queue.js';
import type { ReactionRunner } from './reaction-runner.js';
import { v5 } from 'uuid';
import { childTraceparent, traceIdOf } from '../tracing/trace-context.js';

export interface SagaJob {
  reaction: Reaction;
  /** The causing event's correlation id, the event itself as the cause, and the job's span under the event's. */
  context: { correlationId: string; causationId: string; traceparent: string };
}

/** What this process's worker has done so far. */
export interface SagaStepCounts {
  succeeded: number;
  retried: number;
  deadLettered: number;
}

export interface RetryPolicy {
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

const LOG_NAMESPACE = '2f0c7a36-8f0e-4f5c-a2a4-3b8f1c9e4d71';
const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));
/** What a log line about a job says of its place in the request's story. */
const logIds = (job: Job) => {
  const { correlationId, causationId, traceparent } = (job.data as SagaJob).context;
  return { correlationId, causationId, traceId: traceIdOf(traceparent) };
};

/**
 * Saga reactions as jobs: one job per reaction, its id the saga, the step and the causing event, so a redelivered
 * event is one job; delayed until the reaction's `dueAt`; retried with backoff. A failed attempt and a dead letter
 * are recorded in the saga's own stream, where the saga view and an admin's retry find them.
 */
export class SagaJobs {
  readonly counts: SagaStepCounts = { succeeded: 0, retried: 0, deadLettered: 0 };

  constructor(
    private readonly queue: JobQueue,
    private readonly policy: RetryPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  enqueue(reaction: Reaction, cause: { id: string; correlationId: string; traceparent?: string | undefined }): Promise<void> {
    const context = { correlationId: cause.correlationId, causationId: cause.id, traceparent: childTraceparent(cause.traceparent) };
    const job: SagaJob = { reaction, context };
    const delayMs = reaction.dueAt === undefined ? 0 : Math.max(0, Date.parse(reaction.dueAt) - this.now());
    return this.queue.enqueue(reaction.saga, job, {
      jobId: jobIdOf(reaction, cause.id),
      ...(delayMs > 0 ? { delayMs } : {}),
      // Under more orders than it can take, the platform finishes those it began instead of starting every new one
      // and timing all of them out.
      ...(reaction.opening ? { deferred: true } : {}),
      attempts: this.policy.attempts,
      backoff: { initialDelayMs: this.policy.initialDelayMs, maxDelayMs: this.policy.maxDelayMs },
    });
  }

  /** Runs the jobs of every saga in this process, competing with any other process on the same queue. */
  work(runner: ReactionRunner, commands: CommandHandler, logger: Logger, concurrency = 16): void {
    const log = async (job: Job, command: SagaLogCommand) => {
      const { reaction, context } = job.data as SagaJob;
      const eventIds = (index: number) => v5(`${job.id}/${job.attempt}/${command.type}/${index}`, LOG_NAMESPACE);
      const logContext: CommandContext = context;
      try {
        await commands.handle(sagaLogDecider, sagaLogStream(reaction.sagaId), command, logContext, { eventIds });
      } catch (error) {
        logger.error({ err: error, jobId: job.id, ...logIds(job) }, 'could not record a saga step failure');
      }
    };
    this.queue.work(
      async (job) => {
        const { reaction, context } = job.data as SagaJob;
        await runner.run(reaction, context);
        this.counts.succeeded++;
      },
      {
        concurrency,
        onRetry: (job, error) => {
          const { reaction } = job.data as SagaJob;
          this.counts.retried++;
          logger.warn({ jobId: job.id, attempt: job.attempt, err: error, ...logIds(job) }, 'saga step failed, will retry');
          void log(job, {
            type: 'NoteAttemptFailed',
            data: { sagaId: reaction.sagaId, sagaType: reaction.saga, step: reaction.step, attempt: job.attempt, error: errorText(error) },
          });
        },
        onDeadLetter: ({ job, error }) => {
          const { reaction } = job.data as SagaJob;
          this.counts.deadLettered++;
          logger.error({ jobId: job.id, attempts: job.attempt, error, ...logIds(job) }, 'saga step dead-lettered');
          return log(job, {
            type: 'NoteDeadLetter',
            data: { sagaId: reaction.sagaId, sagaType: reaction.saga, step: reaction.step, attempts: job.attempt, error, reaction },
          });
        },
      },
    );
  }
}

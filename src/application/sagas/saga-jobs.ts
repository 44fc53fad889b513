import { callsTheGateway, jobIdOf, type Reaction } from '../../../sagas/reaction.js';
import type { Logger } from 'pino';
import { sagaLogDecider, sagaLogStream, type SagaLogCommand } from '../../../sagas/saga-log/saga-log.js';
import type { CommandContext } from '../commands/command-context.js';
import type { CommandHandler } from '../commands/command-handler.js';
import type { DeadLetter, Job, JobDepth, JobQueue } from '../ports/job-queue.js';
import { NoOutcomeYet } from './no-outcome-yet.js';
import type { ReactionRunner } from './reaction-runner.js';
import { childTraceparent, traceIdOf } from '../tracing/trace-context.js';
import { nameBasedIds } from '../ids.js';

export interface SagaJob {
  reaction: Reaction;
  /** The causing event's correlation id, the event itself as the cause, and the job's span under the event's. */
  context: { correlationId: string; causationId: string; traceparent: string };
  /** Which try of a step waiting for an outcome this is (absent: the first); each try is a job of its own. */
  try?: number;
}

/**
 * The two lanes of saga jobs, each with its own queue and worker slots. A call to the payment gateway can hang for
 * as long as its client waits (a card that never answers); in a lane of their own, such calls never keep the other
 * steps (reservations, confirmations, releases) from their slots, and they wait on sockets only, so the lane can be
 * wide.
 */
export interface SagaLanes<T> {
  /** Commands on aggregates. */
  steps: T;
  /** Calls to the payment gateway: charges, the deadline's look-up, refunds. */
  payments: T;
}

export const DEFAULT_CONCURRENCY: SagaLanes<number> = { steps: 16, payments: 64 };

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

const logEventId = nameBasedIds('2f0c7a36-8f0e-4f5c-a2a4-3b8f1c9e4d71');
const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));
/** What a log line about a job says of its place in the request's story. */
const logIds = (job: Job) => {
  const { correlationId, causationId, traceparent } = (job.data as SagaJob).context;
  return { correlationId, causationId, traceId: traceIdOf(traceparent) };
};

/** The wait before the next try of a step waiting for an outcome: the policy's backoff, half of it jittered. */
const tryDelayMs = (tries: number, { initialDelayMs, maxDelayMs }: RetryPolicy, random: () => number = Math.random): number => {
  const cappedMs = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.max(0, tries - 1));
  return Math.round(cappedMs / 2 + random() * (cappedMs / 2));
};

/**
 * Saga reactions as jobs: one job per reaction, its id the saga, the step and the causing event, so a redelivered
 * event is one job; delayed until the reaction's `dueAt`; retried with backoff. A failed attempt and a dead letter
 * are recorded in the saga's own stream, where the saga view and an admin's retry find them. A step that has no
 * outcome yet (NoOutcomeYet) ends its job and is tried again in a new one, behind the lane's fresh work: it uses up
 * no attempts, so only a real fault makes a dead letter.
 */
export class SagaJobs {
  readonly counts: SagaStepCounts = { succeeded: 0, retried: 0, deadLettered: 0 };

  constructor(
    private readonly queues: SagaLanes<JobQueue>,
    private readonly policy: RetryPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  enqueue(reaction: Reaction, cause: { id: string; correlationId: string; traceparent?: string | undefined }): Promise<void> {
    const context = { correlationId: cause.correlationId, causationId: cause.id, traceparent: childTraceparent(cause.traceparent) };
    const delayMs = reaction.dueAt === undefined ? 0 : Math.max(0, Date.parse(reaction.dueAt) - this.now());
    // Under more orders than it can take, the platform finishes those it began instead of starting every new one
    // and timing all of them out.
    return this.add({ reaction, context }, jobIdOf(reaction, cause.id), delayMs, reaction.opening === true);
  }

  /** Runs the jobs of every saga in this process, competing with any other process on the same queues. */
  work(runner: ReactionRunner, commands: CommandHandler, logger: Logger, concurrency: SagaLanes<number> = DEFAULT_CONCURRENCY): void {
    const log = async (job: Job, command: SagaLogCommand, why = '') => {
      const { reaction, context } = job.data as SagaJob;
      const eventIds = (index: number) => logEventId(`${job.id}/${job.attempt}/${command.type}${why}/${index}`);
      const logContext: CommandContext = context;
      try {
        await commands.handle(sagaLogDecider, sagaLogStream(reaction.sagaId), command, logContext, { eventIds });
      } catch (error) {
        logger.error({ err: error, jobId: job.id, ...logIds(job) }, 'could not record a saga step failure');
      }
    };
    const handle = async (job: Job) => {
      const data = job.data as SagaJob;
      try {
        await runner.run(data.reaction, data.context);
      } catch (error) {
        if (!(error instanceof NoOutcomeYet)) throw error;
        const tries = data.try ?? 1;
        const { reaction } = data;
        this.counts.retried++;
        logger.warn({ jobId: job.id, try: tries, err: error, ...logIds(job) }, 'saga step has no outcome yet, will try again');
        const failed: SagaLogCommand = { type: 'NoteAttemptFailed', data: { sagaId: reaction.sagaId, sagaType: reaction.saga, step: reaction.step, attempt: tries, error: error.message } };
        void log(job, failed, '/no-outcome');
        await this.add({ ...data, try: tries + 1 }, `${jobIdOf(reaction, data.context.causationId)}.try-${tries + 1}`, tryDelayMs(tries, this.policy), true);
        return;
      }
      this.counts.succeeded++;
    };
    const options = {
      onRetry: (job: Job, error: Error) => {
        const { reaction } = job.data as SagaJob;
        this.counts.retried++;
        logger.warn({ jobId: job.id, attempt: job.attempt, err: error, ...logIds(job) }, 'saga step failed, will retry');
        void log(job, {
          type: 'NoteAttemptFailed',
          data: { sagaId: reaction.sagaId, sagaType: reaction.saga, step: reaction.step, attempt: job.attempt, error: errorText(error) },
        });
      },
      onDeadLetter: ({ job, error }: DeadLetter) => {
        const { reaction } = job.data as SagaJob;
        this.counts.deadLettered++;
        logger.error({ jobId: job.id, attempts: job.attempt, error, ...logIds(job) }, 'saga step dead-lettered');
        return log(job, {
          type: 'NoteDeadLetter',
          data: { sagaId: reaction.sagaId, sagaType: reaction.saga, step: reaction.step, attempts: job.attempt, error, reaction },
        });
      },
    };
    this.queues.steps.work(handle, { ...options, concurrency: concurrency.steps });
    this.queues.payments.work(handle, { ...options, concurrency: concurrency.payments });
  }

  /** Called when either lane's store came back after a connection loss. */
  onReconnect(listener: () => void): void {
    this.queues.steps.onReconnect(listener);
    this.queues.payments.onReconnect(listener);
  }

  /** The jobs both lanes hold, added up; undefined when the queues cannot tell. */
  async depth(): Promise<JobDepth | undefined> {
    const { steps, payments } = this.queues;
    if (!steps.depth || !payments.depth) return undefined;
    const [a, b] = await Promise.all([steps.depth(), payments.depth()]);
    return { waiting: a.waiting + b.waiting, delayed: a.delayed + b.delayed, active: a.active + b.active };
  }

  async close(): Promise<void> {
    await Promise.all([this.queues.steps.close(), this.queues.payments.close()]);
  }

  private add(job: SagaJob, jobId: string, delayMs: number, deferred: boolean): Promise<void> {
    const lane = callsTheGateway(job.reaction) ? this.queues.payments : this.queues.steps;
    return lane.enqueue(job.reaction.saga, job, {
      jobId,
      ...(delayMs > 0 ? { delayMs } : {}),
      ...(deferred ? { deferred: true } : {}),
      attempts: this.policy.attempts,
      backoff: { initialDelayMs: this.policy.initialDelayMs, maxDelayMs: this.policy.maxDelayMs },
    });
  }
}

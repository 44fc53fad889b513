import type { Logger } from 'pino';
import type { JobQueue } from '../../application/ports/job-queue.js';
import { BullMqJobQueue } from './bullmq-job-queue.js';
import { InProcessJobQueue } from './in-process-job-queue.js';

/**
 * BullMQ on Redis when REDIS_URL is set (jobs shared by every saga worker); otherwise in this process's memory.
 * Connection errors and failing callbacks go to the log, once per occurrence, at warn: the queue recovers by itself.
 */
export const createJobQueue = (config: { REDIS_URL?: string }, queueName: string, logger?: Logger): JobQueue => {
  const onError = logger ? (error: unknown) => logger.warn({ err: error, queue: queueName }, 'job queue trouble') : undefined;
  return config.REDIS_URL
    ? new BullMqJobQueue({ url: config.REDIS_URL, queueName, ...(onError ? { onError } : {}) })
    : new InProcessJobQueue(onError ? { onError } : {});
};

import type { JobQueue } from '../../application/ports/job-queue.js';
import { BullMqJobQueue } from './bullmq-job-queue.js';
import { InProcessJobQueue } from './in-process-job-queue.js';

/** BullMQ on Redis when REDIS_URL is set, else jobs in this process's memory (the embedded profile). */
export const createJobQueue = (config: { REDIS_URL?: string | undefined }, queueName: string): JobQueue =>
  config.REDIS_URL === undefined ? new InProcessJobQueue() : new BullMqJobQueue({ url: config.REDIS_URL, queueName });

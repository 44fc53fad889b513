import type { JobQueue } from '../../application/ports/job-queue.js';
import { BullMqJobQueue } from './bullmq-job-queue.js';
import { InProcessJobQueue } from './in-process-job-queue.js';

/** BullMQ on Redis when REDIS_URL is set (jobs shared by every saga worker); otherwise in this process's memory. */
export const createJobQueue = (config: { REDIS_URL?: string }, queueName: string): JobQueue =>
  config.REDIS_URL ? new BullMqJobQueue({ url: config.REDIS_URL, queueName }) : new InProcessJobQueue();

import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { BullMqJobQueue } from '../../src/infrastructure/jobs/bullmq-job-queue.js';
import { InProcessJobQueue } from '../../src/infrastructure/jobs/in-process-job-queue.js';
import { jobQueueConformance } from './job-queue.cases.js';

jobQueueConformance('InProcessJobQueue', { open: async () => new InProcessJobQueue(), instances: 'keep-own-jobs' });

const redisUrl = process.env.REDIS_URL;
const prefix = `ledgerflow-test-${process.pid}`;
jobQueueConformance(
  'BullMqJobQueue on Redis',
  {
    open: async (queueName) => new BullMqJobQueue({ url: redisUrl!, queueName, prefix }),
    reachable: async () => {
      const redis = new Redis(redisUrl!, { lazyConnect: true, connectTimeout: 2_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
      redis.on('error', () => {}); // the connect below rejects with it
      try {
        await redis.connect();
        await redis.ping();
      } catch (error) {
        throw new Error(`REDIS_URL is set but Redis at ${redisUrl} does not answer`, { cause: error });
      } finally {
        redis.disconnect();
      }
    },
    dispose: async (queueName) => {
      const connection = new Redis(redisUrl!, { maxRetriesPerRequest: 1 });
      const queue = new Queue(queueName, { connection, prefix });
      try {
        await queue.obliterate({ force: true });
      } finally {
        await queue.close();
        await connection.quit();
      }
    },
    instances: 'share-jobs',
  },
  redisUrl ? {} : { notHere: { needs: 'REDIS_URL', reason: 'no Redis: set REDIS_URL to run against redis-server' } },
);

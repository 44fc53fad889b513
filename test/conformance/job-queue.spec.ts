import { InProcessJobQueue } from '../../src/infrastructure/jobs/in-process-job-queue.js';
import { jobQueueConformance } from './job-queue.cases.js';

jobQueueConformance('InProcessJobQueue', { open: async () => new InProcessJobQueue(), instances: 'keep-own-jobs' });

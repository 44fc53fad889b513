import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Job } from '../../src/application/ports/job-queue.js';
import { InProcessJobQueue } from '../../src/infrastructure/jobs/in-process-job-queue.js';
import { jitteredBackoffMs } from '../../src/infrastructure/jobs/jittered-backoff.js';

const waitUntil = async (condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await sleep(5);
  }
};

describe('InProcessJobQueue', () => {
  it('given a completed job older than the kept age, when its id is enqueued again, then it runs again', async () => {
    let now = 0;
    const queue = new InProcessJobQueue({ keepCompleted: { count: 100, ageMs: 1_000 }, now: () => now });
    const seen: Job[] = [];
    queue.work(async (job) => void seen.push(job));
    try {
      await queue.enqueue('once', {}, { jobId: 'j' });
      await waitUntil(() => seen.length === 1, 'the job ran');
      await new Promise(setImmediate); // the queue notes the completion a few microtasks after the handler returns
      now = 999;
      await queue.enqueue('once', {}, { jobId: 'j' });
      now = 1_000;
      await queue.enqueue('again', {}, { jobId: 'j' });
      await waitUntil(() => seen.length === 2, 'the job ran again');
      assert.deepEqual(
        seen.map((job) => job.name),
        ['once', 'again'],
      );
    } finally {
      await queue.close();
    }
  });

  it('given more completed jobs than it keeps, then the oldest id is forgotten first', async () => {
    const queue = new InProcessJobQueue({ keepCompleted: { count: 2, ageMs: 60_000 } });
    const seen: string[] = [];
    queue.work(async (job) => void seen.push(job.id), { concurrency: 1 });
    try {
      for (const id of ['a', 'b', 'c']) await queue.enqueue('job', {}, { jobId: id });
      await waitUntil(() => seen.length === 3, 'three jobs ran');
      for (const id of ['a', 'b', 'c']) await queue.enqueue('job', {}, { jobId: id });
      await waitUntil(() => seen.length === 4, 'the forgotten one ran again');
      await queue.enqueue('job', {}, { jobId: 'sentinel' });
      await waitUntil(() => seen.includes('sentinel'), 'the sentinel ran');
      assert.deepEqual(seen, ['a', 'b', 'c', 'a', 'sentinel']);
    } finally {
      await queue.close();
    }
  });

  it('given a handler that throws synchronously, then the attempt fails and is retried', async () => {
    const queue = new InProcessJobQueue();
    const attempts: number[] = [];
    queue.work((job) => {
      attempts.push(job.attempt);
      if (job.attempt === 1) throw new Error('at once');
      return Promise.resolve();
    });
    try {
      await queue.enqueue('sync-throw', {}, { jobId: 'j', backoff: { initialDelayMs: 1 } });
      await waitUntil(() => attempts.length === 2, 'the second attempt ran');
      assert.deepEqual(attempts, [1, 2]);
    } finally {
      await queue.close();
    }
  });
});

describe('jitteredBackoffMs (equal jitter)', () => {
  it('waits between half and all of initial · 2^(attempt-1), capped at the maximum', () => {
    const backoff = { initialDelayMs: 100, maxDelayMs: 1_000 };
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((attempt) => [jitteredBackoffMs(attempt, backoff, () => 0), jitteredBackoffMs(attempt, backoff, () => 1)]),
      [
        [50, 100],
        [100, 200],
        [200, 400],
        [400, 800],
        [500, 1_000],
        [500, 1_000],
      ],
    );
  });
});

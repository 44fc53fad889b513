import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DeadLetter, Job, JobHandler, JobQueue } from '../../src/application/ports/job-queue.js';
import { type NotConfigured, pendingByDesign } from '../support/pending-by-design.js';

/** How a spec gets queues of one adapter. */
export interface JobQueueHarness {
  /** A new instance on the named queue (names are unique to a case). */
  open(queueName: string): Promise<JobQueue>;
  /** Fails fast when the backing server is away, before any case runs. */
  reachable?(): Promise<void>;
  /** Removes what the named queue left behind, once its instances are closed. */
  dispose?(queueName: string): Promise<void>;
  /** Whether two instances opened on one queue name share its jobs (competing consumers) or each keeps its own. */
  instances: 'share-jobs' | 'keep-own-jobs';
}

interface Given {
  /** An instance on this case's queue, closed after the case. */
  open(): Promise<JobQueue>;
  /** A job id no other case uses. */
  jobId(name?: string): string;
}

/** Polls `condition` until it holds; fails with `what` after `timeoutMs` instead of hanging. */
const waitUntil = async (condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await sleep(10);
  }
};

/** A promise the test resolves when it chooses. */
const gate = () => {
  let open = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
};

/** Records every attempt the handler sees; a job named `sentinel` shows the queue got past everything enqueued before it. */
const recorder = (onJob: (job: Job) => Promise<void> = async () => {}) => {
  const seen: Job[] = [];
  const handler: JobHandler = async (job) => {
    seen.push(job);
    await onJob(job);
  };
  const runsOf = (id: string) => seen.filter((job) => job.id === id);
  return { seen, handler, runsOf };
};

const fastRetry = { initialDelayMs: 10, maxDelayMs: 50 };

const commonCases: [string, (given: Given) => Promise<void>][] = [
  [
    'given a job, when worked, then the handler gets its id, name and data on attempt 1 of the default 5',
    async ({ open, jobId }) => {
      const queue = await open();
      const { seen, handler } = recorder();
      queue.work(handler);
      const id = jobId();
      await queue.enqueue('send-receipt', { orderId: 'o-1', lines: [1, 2] }, { jobId: id });
      await waitUntil(() => seen.length === 1, 'the job ran');
      assert.deepEqual(seen[0], { id, name: 'send-receipt', data: { orderId: 'o-1', lines: [1, 2] }, attempt: 1, attempts: 5 });
    },
  ],
  [
    'given data JSON cannot keep as it is, then the handler gets what JSON makes of it, and {} for no data',
    async ({ open, jobId }) => {
      const queue = await open();
      const { seen, handler } = recorder();
      queue.work(handler, { concurrency: 1 });
      await queue.enqueue('dated', { at: new Date('2026-01-02T03:04:05.000Z'), gone: undefined, kept: 1 }, { jobId: jobId() });
      await queue.enqueue('empty', undefined, { jobId: jobId() });
      await waitUntil(() => seen.length === 2, 'both jobs ran');
      assert.deepEqual(
        seen.map((job) => job.data),
        [{ at: '2026-01-02T03:04:05.000Z', kept: 1 }, {}],
      );
    },
  ],
  [
    'given an id with colons, slashes and digits only, when enqueued, then the handler gets the id as given',
    async ({ open, jobId }) => {
      const queue = await open();
      const { seen, handler } = recorder();
      queue.work(handler);
      const ids = [`order:${jobId()}:payment-timeout`, `a/b%20c ${jobId()}`, String(Date.now())];
      for (const id of ids) await queue.enqueue('odd-id', {}, { jobId: id });
      await waitUntil(() => seen.length === ids.length, 'every job ran');
      assert.deepEqual(seen.map((job) => job.id).sort(), [...ids].sort());
    },
  ],
  [
    'given jobs enqueued before work(), when work() starts, then each runs once, first in first out',
    async ({ open, jobId }) => {
      const queue = await open();
      const ids = [jobId('first'), jobId('second'), jobId('third')];
      for (const id of ids) await queue.enqueue('early', {}, { jobId: id });
      const { seen, handler } = recorder();
      queue.work(handler, { concurrency: 1 });
      await waitUntil(() => seen.length === 3, 'the three jobs ran');
      assert.deepEqual(
        seen.map((job) => job.id),
        ids,
      );
    },
  ],
  [
    'given a job id enqueued twice while waiting, then it runs once',
    async ({ open, jobId }) => {
      const queue = await open();
      const id = jobId();
      await queue.enqueue('twice', { copy: 1 }, { jobId: id });
      await queue.enqueue('twice', { copy: 2 }, { jobId: id });
      const sentinel = jobId('sentinel');
      await queue.enqueue('sentinel', {}, { jobId: sentinel });
      const { handler, runsOf } = recorder();
      queue.work(handler, { concurrency: 1 });
      await waitUntil(() => runsOf(sentinel).length === 1, 'the sentinel ran');
      assert.deepEqual(
        runsOf(id).map((job) => job.data),
        [{ copy: 1 }],
      );
    },
  ],
  [
    'given deferred jobs enqueued before others, then every job not deferred runs first',
    async ({ open, jobId }) => {
      const queue = await open();
      const { seen, handler } = recorder();
      const deferred = [jobId('new-1'), jobId('new-2')];
      const ongoing = [jobId('step-1'), jobId('step-2'), jobId('step-3')];
      for (const id of deferred) await queue.enqueue('reserve', {}, { jobId: id, deferred: true });
      for (const id of ongoing) await queue.enqueue('confirm', {}, { jobId: id });
      queue.work(handler, { concurrency: 1 });
      await waitUntil(() => seen.length === 5, 'every job ran');
      assert.deepEqual(seen.map((job) => job.id), [...ongoing, ...deferred]);
    },
  ],
  [
    'given jobs waiting, deferred or not, then the depth counts every one of them',
    async ({ open, jobId }) => {
      const queue = await open();
      await queue.enqueue('confirm', {}, { jobId: jobId('step') });
      await queue.enqueue('reserve', {}, { jobId: jobId('deferred'), deferred: true });
      assert.deepEqual(await queue.depth?.(), { waiting: 2, delayed: 0, active: 0 });
    },
  ],
  [
    'given a job id enqueued again while its job is active, then it runs once',
    async ({ open, jobId }) => {
      const queue = await open();
      const id = jobId();
      const release = gate();
      const { handler, runsOf } = recorder(async (job) => {
        if (job.id === id) await release.opened;
      });
      queue.work(handler, { concurrency: 1 });
      await queue.enqueue('held', {}, { jobId: id });
      await waitUntil(() => runsOf(id).length === 1, 'the job is active');
      await queue.enqueue('held', {}, { jobId: id });
      release.open();
      const sentinel = jobId('sentinel');
      await queue.enqueue('sentinel', {}, { jobId: sentinel });
      await waitUntil(() => runsOf(sentinel).length === 1, 'the sentinel ran');
      assert.equal(runsOf(id).length, 1);
    },
  ],
  [
    'given a job that just completed, when its id is enqueued again, then it does not run again',
    async ({ open, jobId }) => {
      const queue = await open();
      const id = jobId();
      const { handler, runsOf } = recorder();
      queue.work(handler, { concurrency: 1 });
      await queue.enqueue('once', {}, { jobId: id });
      const first = jobId('first-sentinel');
      await queue.enqueue('sentinel', {}, { jobId: first });
      await waitUntil(() => runsOf(first).length === 1, 'the job and the first sentinel ran');
      await queue.enqueue('once', {}, { jobId: id });
      const second = jobId('second-sentinel');
      await queue.enqueue('sentinel', {}, { jobId: second });
      await waitUntil(() => runsOf(second).length === 1, 'the second sentinel ran');
      assert.equal(runsOf(id).length, 1);
    },
  ],
  [
    'given a delayed job, then it does not run before its delay and runs after it',
    async ({ open, jobId }) => {
      const queue = await open();
      const ranAt: number[] = [];
      queue.work(async () => void ranAt.push(Date.now()));
      const enqueuedAt = Date.now();
      await queue.enqueue('later', {}, { jobId: jobId(), delayMs: 600 });
      await waitUntil(() => ranAt.length === 1, 'the delayed job ran');
      // Timers may fire a millisecond or two early by the wall clock.
      assert.ok(ranAt[0]! - enqueuedAt >= 595, `ran ${ranAt[0]! - enqueuedAt} ms after it was enqueued with a 600 ms delay`);
    },
  ],
  [
    'given a job failing twice, then it is retried until it succeeds, and onRetry hears of each failed attempt',
    async ({ open, jobId }) => {
      const queue = await open();
      const id = jobId();
      const { seen, handler } = recorder(async (job) => {
        if (job.attempt < 3) throw new Error(`attempt ${job.attempt} failed`);
      });
      const retries: [number, string][] = [];
      const deadLetters: DeadLetter[] = [];
      let succeeded = false;
      queue.work(
        async (job) => {
          await handler(job);
          succeeded = true;
        },
        { onRetry: (job, error) => void retries.push([job.attempt, error.message]), onDeadLetter: (deadLetter) => void deadLetters.push(deadLetter) },
      );
      await queue.enqueue('flaky', {}, { jobId: id, attempts: 5, backoff: fastRetry });
      await waitUntil(() => succeeded, 'the third attempt succeeded');
      assert.deepEqual(
        seen.map((job) => [job.id, job.attempt, job.attempts]),
        [
          [id, 1, 5],
          [id, 2, 5],
          [id, 3, 5],
        ],
      );
      assert.deepEqual(retries, [
        [1, 'attempt 1 failed'],
        [2, 'attempt 2 failed'],
      ]);
      assert.deepEqual(deadLetters, []);
    },
  ],
  [
    'given a job that keeps failing, then the waits between its attempts grow',
    async ({ open, jobId }) => {
      const queue = await open();
      const startedAt: number[] = [];
      queue.work(async () => {
        startedAt.push(Date.now());
        throw new Error('still failing');
      });
      // Equal jitter: the waits are 100–200, 200–400 and 400–800 ms, plus whatever the machine adds.
      await queue.enqueue('failing', {}, { jobId: jobId(), attempts: 4, backoff: { initialDelayMs: 200, maxDelayMs: 10_000 } });
      await waitUntil(() => startedAt.length === 4, 'the four attempts ran');
      const gaps = startedAt.slice(1).map((at, index) => at - startedAt[index]!);
      assert.ok(gaps[0]! >= 95, `first wait ${gaps[0]} ms is at least half the initial delay (gaps ${gaps.join(', ')})`);
      assert.ok(gaps[2]! > gaps[0]!, `third wait grew past the first (gaps ${gaps.join(', ')})`);
      assert.ok(gaps[2]! >= 395, `third wait ${gaps[2]} ms is at least half of 4 × the initial delay (gaps ${gaps.join(', ')})`);
    },
  ],
  [
    'given a job whose last attempt fails, then exactly one dead letter carries the job and the error, and it runs no more, even when enqueued again',
    async ({ open, jobId }) => {
      const queue = await open();
      const id = jobId();
      const { handler, runsOf } = recorder(async (job) => {
        if (job.id === id) throw new Error(`boom on attempt ${job.attempt}`);
      });
      const retries: number[] = [];
      const deadLetters: DeadLetter[] = [];
      queue.work(handler, {
        concurrency: 1,
        onRetry: (job) => void retries.push(job.attempt),
        onDeadLetter: async (deadLetter) => void deadLetters.push(deadLetter),
      });
      await queue.enqueue('doomed', { orderId: 'o-9' }, { jobId: id, attempts: 3, backoff: fastRetry });
      await waitUntil(() => deadLetters.length === 1, 'the job was dead-lettered');
      await queue.enqueue('doomed', { orderId: 'o-9' }, { jobId: id, attempts: 3, backoff: fastRetry });
      const sentinel = jobId('sentinel');
      await queue.enqueue('sentinel', {}, { jobId: sentinel });
      await waitUntil(() => runsOf(sentinel).length === 1, 'the sentinel ran');
      assert.deepEqual(deadLetters, [{ job: { id, name: 'doomed', data: { orderId: 'o-9' }, attempt: 3, attempts: 3 }, error: 'boom on attempt 3' }]);
      assert.deepEqual(retries, [1, 2]);
      assert.equal(runsOf(id).length, 3);
    },
  ],
  [
    'given a concurrency of 3 and 12 slow jobs, then never more than 3 run at once',
    async ({ open, jobId }) => {
      const queue = await open();
      let active = 0;
      let mostActive = 0;
      let done = 0;
      queue.work(
        async () => {
          active += 1;
          mostActive = Math.max(mostActive, active);
          await sleep(40);
          active -= 1;
          done += 1;
        },
        { concurrency: 3 },
      );
      for (let index = 0; index < 12; index += 1) await queue.enqueue('slow', { index }, { jobId: jobId(`slow-${index}`) });
      await waitUntil(() => done === 12, 'the twelve jobs ran');
      assert.ok(mostActive <= 3, `${mostActive} jobs ran at once`);
      assert.ok(mostActive >= 2, `jobs ran one at a time (${mostActive} at most) despite a concurrency of 3`);
    },
  ],
  [
    'given an active job, when closed, then close() waits for it, the jobs still waiting do not run, and enqueue() is refused',
    async ({ open, jobId }) => {
      const queue = await open();
      const first = jobId('first');
      const release = gate();
      let firstFinished = false;
      const { handler, runsOf, seen } = recorder(async (job) => {
        if (job.id !== first) return;
        await release.opened;
        firstFinished = true;
      });
      queue.work(handler, { concurrency: 1 });
      await queue.enqueue('held', {}, { jobId: first });
      await queue.enqueue('behind', {}, { jobId: jobId('second') });
      await waitUntil(() => runsOf(first).length === 1, 'the first job is active');
      let closed = false;
      const closing = queue.close().then(() => (closed = true));
      await sleep(100);
      assert.equal(closed, false, 'close() resolved while a job was still active');
      release.open();
      await closing;
      assert.equal(firstFinished, true);
      const runsAtClose = seen.length;
      await sleep(300);
      assert.equal(seen.length, runsAtClose, 'a job ran after close()');
      assert.deepEqual(
        seen.map((job) => job.id),
        [first],
      );
      await assert.rejects(queue.enqueue('late', {}, { jobId: jobId('late') }));
    },
  ],
];

const sharedJobsCase: [string, (given: Given) => Promise<void>] = [
  'given two instances on one queue working as competing consumers, then each of 50 jobs is handled exactly once',
  async ({ open, jobId }) => {
    const [first, second] = [await open(), await open()];
    const handledBy = new Map<string, string[]>();
    // Both warm-up jobs must be active at once before either finishes: with a concurrency of 1 each, that proves
    // both instances are consuming before the 50 jobs go in.
    const warmUp = [jobId('warm-up-1'), jobId('warm-up-2')];
    let warmUpsActive = 0;
    const worker =
      (instance: string): JobHandler =>
      async (job) => {
        handledBy.set(job.id, [...(handledBy.get(job.id) ?? []), instance]);
        if (warmUp.includes(job.id)) {
          warmUpsActive += 1;
          await waitUntil(() => warmUpsActive === 2, 'both instances hold a warm-up job');
        } else await sleep(5);
      };
    first.work(worker('first'), { concurrency: 1 });
    second.work(worker('second'), { concurrency: 1 });
    for (const id of warmUp) await first.enqueue('warm-up', {}, { jobId: id });
    await waitUntil(() => warmUpsActive === 2, 'both instances hold a warm-up job');
    const ids = Array.from({ length: 50 }, (_, index) => jobId(`job-${index}`));
    await Promise.all(ids.map((id, index) => (index % 2 === 0 ? first : second).enqueue('shared', { index }, { jobId: id })));
    await waitUntil(() => ids.every((id) => handledBy.has(id)), 'all 50 jobs were handled');
    const sentinels = [jobId('sentinel-1'), jobId('sentinel-2')];
    for (const id of sentinels) await first.enqueue('sentinel', {}, { jobId: id });
    await waitUntil(() => sentinels.every((id) => handledBy.has(id)), 'the sentinels were handled');
    const handledTwice = ids.filter((id) => handledBy.get(id)!.length !== 1);
    assert.deepEqual(handledTwice, [], 'jobs handled more than once');
  },
];

const ownJobsCase: [string, (given: Given) => Promise<void>] = [
  'given two instances on one queue name, then each works only the jobs enqueued on it (the adapter keeps jobs per instance)',
  async ({ open, jobId }) => {
    const [first, second] = [await open(), await open()];
    const handledBy: [string, string][] = [];
    first.work(async (job) => void handledBy.push(['first', job.id]));
    second.work(async (job) => void handledBy.push(['second', job.id]));
    const [onFirst, onSecond] = [jobId('on-first'), jobId('on-second')];
    await first.enqueue('own', {}, { jobId: onFirst });
    await second.enqueue('own', {}, { jobId: onSecond });
    await waitUntil(() => handledBy.length === 2, 'both jobs ran');
    assert.deepEqual(handledBy.sort(), [
      ['first', onFirst],
      ['second', onSecond],
    ]);
  },
];

/** The same cases on every JobQueue adapter. */
export const jobQueueConformance = (name: string, harness: JobQueueHarness, options: { notHere?: NotConfigured } = {}) => {
  const suite = `${name} conforms to the job queue port`;
  const pending = pendingByDesign(suite, options.notHere);
  describe(suite, () => {
    const cases = [...commonCases, harness.instances === 'share-jobs' ? sharedJobsCase : ownJobsCase];
    if (!pending && harness.reachable) before(() => harness.reachable!());
    for (const [title, run] of cases) {
      if (pending) pending.add(title);
      else
        it(title, async () => {
          const queueName = `conformance-${randomUUID()}`;
          const opened: JobQueue[] = [];
          const open = async () => {
            const queue = await harness.open(queueName);
            opened.push(queue);
            return queue;
          };
          try {
            await run({ open, jobId: (label = 'job') => `${label}-${randomUUID()}` });
          } finally {
            await Promise.all(opened.map((queue) => queue.close()));
            await harness.dispose?.(queueName);
          }
        });
    }
  });
};

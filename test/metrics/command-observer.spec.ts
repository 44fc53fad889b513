import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { type AppendOutcome, CommandHandler, type CommandObserver, type CommandOutcome } from '../../src/application/commands/command-handler.js';
import { createEventRegistry } from '../../src/infrastructure/modules/event-catalog.js';
import type { AppendOptions, EventData } from '../../src/application/ports/event-store.js';
import type { ProductCommand } from '../../src/domain/products/commands.js';
import { productDecider, productStream } from '../../src/domain/products/product.js';
import { MemoryEventStore } from '../../src/infrastructure/event-store/memory-event-store.js';
import { BullMqJobQueue } from '../../src/infrastructure/jobs/bullmq-job-queue.js';
import { InProcessJobQueue } from '../../src/infrastructure/jobs/in-process-job-queue.js';
import { pendingByDesign } from '../support/pending-by-design.js';
import { ResilientHttpClient } from '../../src/infrastructure/http-client/resilient-http-client.js';

const context = { correlationId: 'c-1' };
const adjust = (delta: number): ProductCommand => ({ type: 'AdjustStock', data: { delta, reason: 'count' } });

/** What the handler told its observer. */
class Heard implements CommandObserver {
  readonly settledWith: string[] = [];
  readonly retriedWith: string[] = [];
  readonly appends: AppendOutcome[] = [];
  settled(command: string, outcome: CommandOutcome): void {
    this.settledWith.push(`${command} ${outcome}`);
  }
  retried(command: string): void {
    this.retriedWith.push(command);
  }
  appended(seconds: number, outcome: AppendOutcome): void {
    assert.ok(seconds >= 0 && seconds < 10);
    this.appends.push(outcome);
  }
}

/** A memory store where another writer appends to the stream just before the next append, `times` times; or that fails. */
class ContendedStore extends MemoryEventStore {
  interleave = 0;
  fail = false;
  override async appendToStream(stream: string, events: readonly EventData[], options?: AppendOptions) {
    if (this.fail) throw new Error('disk full');
    if (this.interleave > 0) {
      this.interleave--;
      await super.appendToStream(stream, [{ ...events[0]!, id: randomUUID() }]);
    }
    return super.appendToStream(stream, events, options);
  }
}

describe('metrics hooks: the command handler tells its observer', () => {
  let store: ContendedStore;
  let handler: CommandHandler;
  let heard: Heard;
  let stream: string;

  beforeEach(async () => {
    store = new ContendedStore();
    handler = new CommandHandler(store, createEventRegistry());
    const productId = randomUUID();
    stream = productStream(productId);
    const create: ProductCommand = {
      type: 'CreateProduct',
      data: { productId, sku: 'MUG', name: 'Mug', description: '', price: { amount: 100, currency: 'EUR' }, initialStock: 0, createdBy: 'admin' },
    };
    await handler.handle(productDecider, stream, create, context);
    heard = new Heard();
    handler.observe(heard);
  });
  afterEach(() => store.close());

  it('given commands at once, one refused by its decider, then each is reported once with its outcome, and the one append timed', async () => {
    await Promise.allSettled([adjust(5), adjust(-10), adjust(2)].map((command) => handler.handle(productDecider, stream, command, context)));
    assert.deepEqual(heard.settledWith.sort(), ['AdjustStock accepted', 'AdjustStock accepted', 'AdjustStock refused_rule_violated']);
    assert.deepEqual(heard.appends, ['appended']);
    assert.deepEqual(heard.retriedWith, []);
  });

  it('given a concurrent write, then the append is a conflict, the command is retried and then accepted', async () => {
    store.interleave = 2;
    await handler.handle(productDecider, stream, adjust(1), context);
    assert.deepEqual(heard.settledWith, ['AdjustStock accepted']);
    assert.deepEqual(heard.retriedWith, ['AdjustStock', 'AdjustStock']);
    assert.deepEqual(heard.appends, ['conflict', 'conflict', 'appended']);
  });

  it('given a stale If-Match, then precondition_failed; given a store that fails, then failed', async () => {
    await assert.rejects(handler.handle(productDecider, stream, adjust(1), context, { expectedRevision: 7n }));
    store.fail = true;
    await assert.rejects(handler.handle(productDecider, stream, adjust(1), context));
    assert.deepEqual(heard.settledWith, ['AdjustStock precondition_failed', 'AdjustStock failed']);
    assert.deepEqual(heard.appends, ['failed']);
  });
});

describe('metrics hooks: job queue depth and circuit state', () => {
  it('the in-process queue counts its waiting, delayed and active jobs', async () => {
    const queue = new InProcessJobQueue();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    await queue.enqueue('step', {}, { jobId: 'a' });
    await queue.enqueue('step', {}, { jobId: 'b' });
    await queue.enqueue('step', {}, { jobId: 'later', delayMs: 60_000 });
    assert.deepEqual(await queue.depth(), { waiting: 2, delayed: 1, active: 0 });
    queue.work(() => gate, { concurrency: 1 });
    assert.deepEqual(await queue.depth(), { waiting: 1, delayed: 1, active: 1 });
    release();
    await queue.close();
  });

  const redisUrl = process.env.REDIS_URL;
  const bullmqDepth = 'the BullMQ queue counts its waiting, delayed and active jobs (getJobCounts)';
  if (!redisUrl)
    pendingByDesign('metrics hooks: BullMQ job queue depth', { needs: 'REDIS_URL', reason: 'no Redis server: set REDIS_URL (CI starts redis-server) to run' })!.add(bullmqDepth);
  else
    it(bullmqDepth, async () => {
      const queue = new BullMqJobQueue({ url: redisUrl, queueName: `depth-${randomUUID()}`, prefix: `spec-${randomUUID()}`, onError: () => {} });
      try {
        await queue.enqueue('step', {}, { jobId: 'a' });
        await queue.enqueue('step', {}, { jobId: 'b' });
        await queue.enqueue('step', {}, { jobId: 'later', delayMs: 60_000 });
        assert.deepEqual(await queue.depth(), { waiting: 2, delayed: 1, active: 0 });
      } finally {
        await queue.close();
      }
    });

  it('a resilient HTTP client says whether its circuit is closed or open', async () => {
    const client = new ResilientHttpClient({ name: 'nowhere', timeoutMs: 200, retries: 0, breakAfter: 1, halfOpenAfterMs: 60_000 });
    assert.deepEqual(client.circuit, { remote: 'nowhere', state: 'closed' });
    await assert.rejects(client.request('http://127.0.0.1:9/'));
    assert.deepEqual(client.circuit, { remote: 'nowhere', state: 'open' });
  });
});

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { CommandHandler, PreconditionFailedError } from '../../src/application/commands/command-handler.js';
import { createEventRegistry } from '../../src/application/events/event-catalog.js';
import type { AppendOptions, EventData } from '../../src/application/ports/event-store.js';
import type { ProductCommand } from '../../src/domain/products/commands.js';
import { productDecider, productStream } from '../../src/domain/products/product.js';
import { DomainError } from '../../src/domain/shared/errors.js';
import { MemoryEventStore } from '../../src/infrastructure/event-store/memory-event-store.js';

const context = { correlationId: 'c-1' };
const adjust = (delta: number): ProductCommand => ({ type: 'AdjustStock', data: { delta, reason: 'count' } });

/** A memory store that counts the appends it is asked for. */
class CountingStore extends MemoryEventStore {
  appends = 0;
  override appendToStream(stream: string, events: readonly EventData[], options?: AppendOptions) {
    this.appends++;
    return super.appendToStream(stream, events, options);
  }
}

describe('command handler', () => {
  let store: CountingStore;
  let handler: CommandHandler;
  let productId: string;
  let stream: string;
  const onHand = async (through = handler) => (await through.load(productDecider, stream)).state.onHand;
  const deltas = async () => (await store.readStream(stream)).slice(1).map((event) => (event.data as { delta: number }).delta);

  beforeEach(async () => {
    store = new CountingStore();
    handler = new CommandHandler(store, createEventRegistry());
    productId = randomUUID();
    stream = productStream(productId);
    const price = { amount: 100, currency: 'EUR' };
    const create: ProductCommand = {
      type: 'CreateProduct',
      data: { productId, sku: 'MUG', name: 'Mug', description: '', price, initialStock: 0, createdBy: 'admin' },
    };
    await handler.handle(productDecider, stream, create, context);
    store.appends = 0;
  });
  afterEach(() => store.close());

  it('given 20 commands to one stream at once, then each is applied once, in one append, and each answer has its own revision and position', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => handler.handle(productDecider, stream, adjust(i + 1), context)));
    assert.equal(store.appends, 1);
    assert.deepEqual(
      results.map((result) => result.revision),
      Array.from({ length: 20 }, (_, i) => BigInt(i + 1)),
    );
    assert.deepEqual(await deltas(), Array.from({ length: 20 }, (_, i) => i + 1));
    assert.equal(results[19]!.state.onHand, 210);
    const stored = (await store.readStream(stream)).slice(1);
    assert.deepEqual(
      results.map((result) => result.position),
      stored.map((event) => event.position),
      "each answer carries its own event's position (X-Position)",
    );
  });

  it('given commands at once, one of them refused by the domain, then only that one fails and the others are applied', async () => {
    const results = await Promise.allSettled([
      handler.handle(productDecider, stream, adjust(5), context),
      handler.handle(productDecider, stream, adjust(-10), context),
      handler.handle(productDecider, stream, adjust(2), context),
    ]);
    assert.deepEqual(results.map((result) => result.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.ok((results[1] as PromiseRejectedResult).reason instanceof DomainError);
    assert.deepEqual(await deltas(), [5, 2]);
  });

  it('given two commands at once pinned to the same revision, then the first is applied and the second is a precondition failure', async () => {
    const results = await Promise.allSettled([
      handler.handle(productDecider, stream, adjust(1), context, { expectedRevision: 0n }),
      handler.handle(productDecider, stream, adjust(2), context, { expectedRevision: 0n }),
    ]);
    assert.equal(results[0]!.status, 'fulfilled');
    assert.ok((results[1] as PromiseRejectedResult).reason instanceof PreconditionFailedError);
    assert.deepEqual(await deltas(), [1]);
  });

  it('given another writer appended since this handler cached the stream, then a command still applies on top of it: no lost update', async () => {
    const other = new CommandHandler(store, createEventRegistry());
    await handler.handle(productDecider, stream, adjust(1), context);
    await other.handle(productDecider, stream, adjust(10), context);
    await Promise.all([handler.handle(productDecider, stream, adjust(100), context), other.handle(productDecider, stream, adjust(1000), context)]);
    assert.equal(await onHand(), 1111);
    assert.equal(await onHand(other), 1111);
  });

  it('given a command with given event ids run twice, then the second run appends nothing and answers the same revision', async () => {
    const eventIds = (index: number) => `${productId.slice(0, 30)}-${index}`;
    const reserve: ProductCommand = { type: 'ReserveStock', data: { orderId: 'order-1', quantity: 1 } };
    await handler.handle(productDecider, stream, adjust(3), context);
    const first = await handler.handle(productDecider, stream, reserve, context, { eventIds });
    const second = await new CommandHandler(store, createEventRegistry()).handle(productDecider, stream, reserve, context, { eventIds });
    assert.equal(second.revision, first.revision);
    assert.equal((await store.readStream(stream)).length, 3);
  });
});

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { CommandHandler, MAX_ATTEMPTS, PreconditionFailedError } from '../../src/application/commands/command-handler.js';
import { createEventRegistry } from '../../src/infrastructure/modules/event-catalog.js';
import type { EventRegistry } from '../../src/application/events/event-registry.js';
import { type AppendOptions, type EventData, WrongExpectedVersionError } from '../../src/application/ports/event-store.js';
import type { ProductCommand } from '../../src/domain/products/commands.js';
import { productDecider, productStream } from '../../src/domain/products/product.js';
import { DomainError } from '../../src/domain/shared/errors.js';
import { MemoryEventStore } from '../../src/infrastructure/event-store/memory-event-store.js';
import { existing } from '../support/decider-spec.js';

const context = { correlationId: 'c-1' };
const adjust = (delta: number): ProductCommand => ({ type: 'AdjustStock', data: { delta, reason: 'count' } });
const creation = (productId: string): ProductCommand => ({
  type: 'CreateProduct',
  data: { productId, sku: 'MUG', name: 'Mug', description: '', price: { amount: 100, currency: 'EUR' }, initialStock: 0, createdBy: 'admin' },
});
/** Asserts a refusal by the domain's error, by kind and code. */
const refusedWith = (kind: DomainError['kind'], code: string) => (error: unknown) =>
  error instanceof DomainError && error.kind === kind && error.code === code;

/** A memory store where another writer always got there first: every append meets a concurrent write. */
class AlwaysContendedStore extends MemoryEventStore {
  appends = 0;
  override async appendToStream(stream: string, events: readonly EventData[], options?: AppendOptions) {
    if (events.some((event) => event.type === 'StockAdjusted')) {
      this.appends++;
      throw new WrongExpectedVersionError(stream, options?.expectedRevision ?? 'any', 999n);
    }
    return super.appendToStream(stream, events, options);
  }
}

/** The event registry, except that a stock adjustment by `delta` cannot be encoded. */
const registryRefusing = (delta: number): EventRegistry => {
  const registry = createEventRegistry();
  return Object.assign(Object.create(registry) as EventRegistry, {
    encode: (type: string, data: unknown) => {
      if ((data as { delta?: number }).delta === delta) throw new Error(`cannot encode a ${type} of ${delta}`);
      return registry.encode(type, data);
    },
  });
};

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
  const onHand = async (through = handler) => existing((await through.load(productDecider, stream)).state).onHand;
  const deltas = async () => (await store.readStream(stream)).slice(1).map((event) => (event.data as { delta: number }).delta);

  beforeEach(async () => {
    store = new CountingStore();
    handler = new CommandHandler(store, createEventRegistry());
    productId = randomUUID();
    stream = productStream(productId);
    await handler.handle(productDecider, stream, creation(productId), context);
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
    assert.equal(existing(results[19]!.state).onHand, 210);
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

  it('given a stream another writer changed since it was cached, when the cached state would refuse the command, then it is decided on the stream as it is', async () => {
    const other = new CommandHandler(store, createEventRegistry());
    await handler.handle(productDecider, stream, adjust(1), context);
    await handler.handle(productDecider, stream, adjust(-1), context);
    // This handler's cache says 0 on hand; another writer has put 10 there since.
    await other.handle(productDecider, stream, adjust(10), context);
    const result = await handler.handle(productDecider, stream, adjust(-4), context, { expect: 'existing' });
    assert.equal(result.state.onHand, 6);
    assert.deepEqual(await deltas(), [1, -1, 10, -4]);
  });

  it('given a stream another writer changed since it was cached, when the cached state would accept, then the append from it is refused and the command decided again on the stream as it is', async () => {
    const other = new CommandHandler(store, createEventRegistry());
    await handler.handle(productDecider, stream, adjust(5), context);
    await other.handle(productDecider, stream, adjust(-5), context);
    store.appends = 0;
    await assert.rejects(handler.handle(productDecider, stream, adjust(-3), context), (error) => error instanceof DomainError);
    assert.equal(store.appends, 1, 'one append from the cached state, refused for the concurrent write; none after the refusal');
    assert.deepEqual(await deltas(), [5, -5]);
  });

  it('given a stream every append of which meets a concurrent write, then a command gives up after its attempts with the conflict', async () => {
    const contended = new AlwaysContendedStore();
    const stuck = new CommandHandler(contended, createEventRegistry());
    const create: ProductCommand = {
      type: 'CreateProduct',
      data: { productId, sku: 'MUG', name: 'Mug', description: '', price: { amount: 100, currency: 'EUR' }, initialStock: 0, createdBy: 'admin' },
    };
    await stuck.handle(productDecider, stream, create, context);
    await assert.rejects(stuck.handle(productDecider, stream, adjust(1), context), (error) => error instanceof WrongExpectedVersionError);
    assert.equal(contended.appends, MAX_ATTEMPTS + 1, 'one attempt from the cached state, then MAX_ATTEMPTS from the stream');
    await contended.close();
  });

  it('given commands at once, one of whose events cannot be encoded, then only that one fails and the others are applied', async () => {
    const picky = new CommandHandler(store, registryRefusing(13));
    const results = await Promise.allSettled([5, 13, 2].map((delta) => picky.handle(productDecider, stream, adjust(delta), context)));
    assert.deepEqual(results.map((result) => result.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.match(String((results[1] as PromiseRejectedResult).reason), /cannot encode/);
    assert.deepEqual(await deltas(), [5, 2]);
    assert.equal((results[2] as PromiseFulfilledResult<{ state: { onHand: number } }>).value.state.onHand, 7);
  });

  describe('a state at a revision or later (loadSince)', () => {
    it('given the handler cached the stream at revision 1, when asked for revision 1, then it answers the cached state without reading', async () => {
      await handler.handle(productDecider, stream, adjust(2), context);
      let reads = 0;
      const readStream = store.readStream.bind(store);
      store.readStream = (...args) => (reads++, readStream(...args));
      const { state, revision } = await handler.loadSince(productDecider, stream, 1n);
      assert.deepEqual([existing(state).onHand, revision, reads], [2, 1n, 0]);
    });

    it('given another writer appended past the cached revision, when asked for its revision, then it reads the stream', async () => {
      await handler.handle(productDecider, stream, adjust(2), context);
      await new CommandHandler(store, createEventRegistry()).handle(productDecider, stream, adjust(5), context);
      const { state, revision } = await handler.loadSince(productDecider, stream, 2n);
      assert.deepEqual([existing(state).onHand, revision], [7, 2n]);
    });
  });

  describe('the stream state a command expects', () => {
    it('given a stream that exists, when a command expects a new one, then it is refused as a conflict named after the stream and nothing is appended', async () => {
      await assert.rejects(handler.handle(productDecider, stream, creation(productId), context, { expect: 'new' }), refusedWith('conflict', 'product_exists'));
      assert.equal(store.appends, 0);
    });

    it('given no stream, when a command expects an existing one, then it is refused as not found, named after the stream, and nothing is appended', async () => {
      const missing = productStream(randomUUID());
      await assert.rejects(handler.handle(productDecider, missing, adjust(1), context, { expect: 'existing' }), refusedWith('not_found', 'product_not_found'));
      assert.equal(store.appends, 0);
      assert.deepEqual(await store.readStream(missing), []);
    });

    it('given no stream, when a creation expects a new one, then it is appended, and a command in the same turn that expects an existing one applies on top of it', async () => {
      const id = randomUUID();
      const [created, adjusted] = await Promise.all([
        handler.handle(productDecider, productStream(id), creation(id), context, { expect: 'new' }),
        handler.handle(productDecider, productStream(id), adjust(3), context, { expect: 'existing' }),
      ]);
      assert.equal(created.state.productId, id);
      assert.equal(adjusted.state.onHand, 3);
      assert.equal(store.appends, 1);
    });

    it('given no stream, when a command expecting a new one decides nothing, then it fails and nothing is appended', async () => {
      const missing = productStream(randomUUID());
      await assert.rejects(handler.handle(productDecider, missing, adjust(1), context, { expect: 'new' }), /expected to create/);
      assert.deepEqual(await store.readStream(missing), []);
    });

    it('given either is expected, then a command on a missing stream is decided on the absent state (here: nothing to do)', async () => {
      const result = await handler.handle(productDecider, productStream(randomUUID()), adjust(1), context);
      assert.deepEqual([result.events, result.state, result.revision], [[], { status: 'absent' }, -1n]);
    });
  });
});

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandContext, RequestIdentity } from '../../src/application/commands/command-context.js';
import { CommandHandler, PreconditionFailedError } from '../../src/application/commands/command-handler.js';
import { IdempotencyKeyReusedError, requestEventId, resourceId } from '../../src/application/commands/request-keys.js';
import { createEventRegistry } from '../../src/infrastructure/modules/event-catalog.js';
import type { EventStore } from '../../src/application/ports/event-store.js';
import type { OrderCommand } from '../../src/domain/orders/commands.js';
import { orderDecider, orderStream } from '../../src/domain/orders/order.js';
import type { ProductCommand } from '../../src/domain/products/commands.js';
import { productDecider, productStream } from '../../src/domain/products/product.js';
import { MemoryEventStore } from '../../src/infrastructure/event-store/memory-event-store.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { esdbStoreOnDouble } from '../support/esdb-double/esdb-store-on-double.js';

const STORES: { name: string; open(): { store: EventStore; dispose(): void } }[] = [
  { name: 'memory', open: () => ({ store: new MemoryEventStore(), dispose: () => undefined }) },
  {
    name: 'SQLite',
    open: () => {
      const dir = mkdtempSync(join(tmpdir(), 'ledgerflow-repeats-'));
      return { store: new SqliteEventStore(join(dir, 'events.sqlite')), dispose: () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  { name: 'EventStoreDB (client double)', open: () => ({ store: esdbStoreOnDouble().store, dispose: () => undefined }) },
];

const adjust = (delta: number): ProductCommand => ({ type: 'AdjustStock', data: { delta, reason: 'count' } });
/** As the services send them: a command on an aggregate expects it to exist, a creation expects a new stream. */
const existing = { expect: 'existing' } as const;

/**
 * A request the command handler is given again, its first answer lost: the handler finds the request's key in the
 * stream (wherever its state came from: read, cached or cached behind) and answers as the first attempt did.
 */
for (const { name, open } of STORES) {
  describe(`command handler: a request handled again (${name} event store)`, () => {
    let store: EventStore;
    let dispose: () => void;
    let handler: CommandHandler;
    let stream: string;
    let productId: string;
    const fresh = () => new CommandHandler(store, createEventRegistry());
    /** The context of a request under `key`, with this body fingerprint, that counts the replays it is told of. */
    const request = (key: string, fingerprint = 'body-1') => {
      const told = { replays: 0 };
      const idempotency: RequestIdentity = { key, fingerprint, onReplay: () => void told.replays++ };
      return { context: { correlationId: randomUUID(), idempotency } satisfies CommandContext, told };
    };
    const deltas = async () => (await store.readStream(stream)).slice(1).map((event) => (event.data as { delta: number }).delta);

    beforeEach(async () => {
      ({ store, dispose } = open());
      handler = fresh();
      productId = randomUUID();
      stream = productStream(productId);
      const price = { amount: 100, currency: 'EUR' };
      const create: ProductCommand = { type: 'CreateProduct', data: { productId, sku: 'MUG', name: 'Mug', description: '', price, initialStock: 0, createdBy: 'admin' } };
      await handler.handle(productDecider, stream, create, { correlationId: 'setup' });
    });
    afterEach(async () => {
      await store.close();
      dispose();
    });

    it('given a request applied, when a restarted process handles it again, then nothing is appended and the answer is the first one', async () => {
      const { context, told } = request('key-1');
      const first = await handler.handle(productDecider, stream, adjust(5), context, existing);
      const again = await fresh().handle(productDecider, stream, adjust(5), request('key-1').context, existing);
      assert.deepEqual(await deltas(), [5]);
      assert.deepEqual({ revision: again.revision, position: again.position, onHand: again.state.onHand }, { revision: first.revision, position: first.position, onHand: 5 });
      assert.deepEqual(again.events, []);
      assert.equal(told.replays, 0, 'the first attempt is no replay');
    });

    it('given a request applied and others after it, when handled again from the cached state, then the answer is the stream as the first left it', async () => {
      const first = await handler.handle(productDecider, stream, adjust(5), request('key-1').context, existing);
      await handler.handle(productDecider, stream, adjust(7), request('key-2').context, existing);
      const { context, told } = request('key-1');
      const again = await handler.handle(productDecider, stream, adjust(5), context, existing);
      assert.deepEqual(await deltas(), [5, 7]);
      assert.equal(again.revision, first.revision);
      assert.equal(again.position, first.position);
      assert.equal(again.state.onHand, 5);
      assert.equal(told.replays, 1, 'told it is a replay');
    });

    it('given a request applied by another process since this one cached the stream, when handled again here, then nothing is appended', async () => {
      await handler.handle(productDecider, stream, adjust(1), { correlationId: 'c' });
      const first = await fresh().handle(productDecider, stream, adjust(5), request('key-1').context, existing);
      const again = await handler.handle(productDecider, stream, adjust(5), request('key-1').context, existing);
      assert.deepEqual(await deltas(), [1, 5]);
      assert.equal(again.revision, first.revision);
      assert.equal(again.state.onHand, 6);
    });

    it('given a request applied at a revision pinned with If-Match, when handled again once the stream moved on, then it is answered, not a precondition failure', async () => {
      const first = await handler.handle(productDecider, stream, adjust(5), request('key-1').context, { ...existing, expectedRevision: 0n });
      await handler.handle(productDecider, stream, adjust(2), { correlationId: 'c' });
      const again = await fresh().handle(productDecider, stream, adjust(5), request('key-1').context, { ...existing, expectedRevision: 0n });
      assert.equal(again.revision, first.revision);
      assert.deepEqual(await deltas(), [5, 2]);
      await assert.rejects(handler.handle(productDecider, stream, adjust(5), request('key-3').context, { ...existing, expectedRevision: 0n }), PreconditionFailedError);
    });

    it('given a request applied, when its key comes again with another body, then it is refused and nothing is appended', async () => {
      await handler.handle(productDecider, stream, adjust(5), request('key-1').context, existing);
      for (const through of [handler, fresh()])
        await assert.rejects(through.handle(productDecider, stream, adjust(6), request('key-1', 'body-2').context), IdempotencyKeyReusedError);
      assert.deepEqual(await deltas(), [5]);
    });

    it('given the same request twice at once, then it is applied once and both get the same answer', async () => {
      const [one, two] = await Promise.all([
        handler.handle(productDecider, stream, adjust(5), request('key-1').context, existing),
        handler.handle(productDecider, stream, adjust(5), request('key-1').context, existing),
      ]);
      assert.deepEqual(await deltas(), [5]);
      assert.equal(one.revision, two.revision);
      assert.equal(one.position, two.position);
    });

    it('given commands under other keys at once, then each is applied: a key tells requests apart, not commands', async () => {
      await Promise.all([1, 2, 3].map((delta) => handler.handle(productDecider, stream, adjust(5), request(`key-${delta}`).context)));
      assert.deepEqual(await deltas(), [5, 5, 5]);
    });

    it('given a request, then its events carry ids derived from its key and record the key and body fingerprint', async () => {
      const { context } = request('key-1');
      await handler.handle(productDecider, stream, adjust(5), context, existing);
      const [, adjusted] = await store.readStream(stream);
      assert.equal(adjusted!.id, requestEventId(context.idempotency, 0));
      assert.equal(adjusted!.metadata.idempotencyKey, 'key-1');
      assert.equal(adjusted!.metadata.requestFingerprint, 'body-1');
    });

    it('given a create applied, when handled again, then the resource its key names exists once and the answer is the first one', async () => {
      const { context } = request('order-key');
      const orderId = resourceId(context, 'order');
      assert.equal(resourceId(request('order-key').context, 'order'), orderId, 'the same key names the same order');
      assert.notEqual(resourceId(request('other-key').context, 'order'), orderId);
      const place: OrderCommand = {
        type: 'PlaceOrder',
        data: { orderId, customerId: 'ada', items: [{ productId, quantity: 1, unitPrice: { amount: 100, currency: 'EUR' } }], paymentToken: 'tok_visa', placedAt: new Date().toISOString() },
      };
      const first = await handler.handle(orderDecider, orderStream(orderId), place, context, { expect: 'new' });
      const again = await fresh().handle(orderDecider, orderStream(orderId), place, request('order-key').context, { expect: 'new' });
      assert.equal((await store.readStream(orderStream(orderId))).length, 1);
      assert.equal(again.revision, first.revision);
      assert.equal(again.state.status, 'pending');
      const repeat = await fresh().repeatOf(orderDecider, orderStream(orderId), request('order-key').context);
      assert.equal(repeat?.revision, first.revision);
      assert.equal(await fresh().repeatOf(orderDecider, orderStream(resourceId(request('new-key').context, 'order')), request('new-key').context), undefined);
    });
  });
}

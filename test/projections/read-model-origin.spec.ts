import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventStore } from '../../src/application/ports/event-store.js';
import type { ReadStore } from '../../src/application/ports/read-store.js';
import { MemoryEventStore } from '../../src/infrastructure/event-store/memory-event-store.js';
import { MongoClient } from 'mongodb';
import { MemoryReadStore } from '../../src/infrastructure/read-store/memory-read-store.js';
import { MongoReadStore } from '../../src/infrastructure/read-store/mongo-read-store.js';
import { SqliteReadStore } from '../../src/infrastructure/read-store/sqlite-read-store.js';
import { readModelOrigin, recordReadModelOrigin } from '../../src/projections/read-model-origin.js';

const appendSome = async (events: EventStore, count: number): Promise<bigint> => {
  let last = 0n;
  for (let index = 0; index < count; index++)
    last = (await events.appendToStream(`thing-${randomUUID()}`, [{ id: randomUUID(), type: 'ThingHappened', data: { index }, metadata: { correlationId: 'c', causationId: 'c' } }])).position;
  return last;
};

type Opened = { store: ReadStore; done: () => Promise<unknown> };

/** With MONGODB_URL set (CI starts FerretDB), on MongoDB too: a database per case, dropped after it. */
const mongo = (url: string) => async (): Promise<Opened> => {
  const database = `ledgerflow_origin_${randomUUID().replaceAll('-', '')}`;
  const store = await MongoReadStore.connect(url, database);
  return {
    store,
    done: async () => {
      await store.close();
      const client = await MongoClient.connect(url);
      await client.db(database).dropDatabase();
      await client.close();
    },
  };
};

const readStores: [string, () => Promise<Opened>][] = [
  ['memory read store', async () => ({ store: new MemoryReadStore(), done: async () => undefined })],
  [
    'SQLite read store',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ledgerflow-origin-'));
      const store = new SqliteReadStore(join(dir, 'read-models.sqlite'));
      return { store, done: async () => (await store.close(), rmSync(dir, { recursive: true, force: true })) };
    },
  ],
  ...(process.env.MONGODB_URL ? [['MongoDB read store', mongo(process.env.MONGODB_URL)] as [string, () => Promise<Opened>]] : []),
];

for (const [name, openReadStore] of readStores)
  describe(`read-model origin (${name})`, () => {
    let readStore: ReadStore;
    let done: () => Promise<unknown>;
    const things = { projection: 'things', generation: 0 };
    beforeEach(async () => {
      ({ store: readStore, done } = await openReadStore());
      await readStore.define('things', [{ name: 'things' }]);
    });
    afterEach(() => done());

    it('new read models and a new store: this store, nothing kept yet; once kept, this store and kept', async () => {
      const events = new MemoryEventStore();
      assert.deepEqual(await readModelOrigin(events, readStore, ['things']), { kind: 'this-store', storeId: await events.storeId(), recorded: false });
      await recordReadModelOrigin(readStore, await events.storeId());
      assert.deepEqual(await readModelOrigin(events, readStore, ['things']), { kind: 'this-store', storeId: await events.storeId(), recorded: true });
    });

    it('read models that keep the id of another store: another store, whatever their checkpoints', async () => {
      const first = new MemoryEventStore();
      await recordReadModelOrigin(readStore, await first.storeId());
      const second = new MemoryEventStore();
      await appendSome(second, 3);
      const origin = await readModelOrigin(second, readStore, ['things']);
      assert.equal(origin.kind, 'another-store');
      assert.ok(origin.kind === 'another-store' && origin.why.includes(await first.storeId()) && origin.why.includes(await second.storeId()), JSON.stringify(origin));
    });

    it('read models that keep no id, with a checkpoint past the head: another store, named with the positions', async () => {
      const events = new MemoryEventStore();
      await appendSome(events, 2);
      await readStore.commit(things, [], 5n);
      const origin = await readModelOrigin(events, readStore, ['things']);
      assert.deepEqual(origin, { kind: 'another-store', storeId: await events.storeId(), why: 'things has processed position 5, past the head of this event store (2): another store, or a later state of this one' });
    });

    it('a checkpoint kept beside the read models (the saga delivery) past the head tells it too', async () => {
      const events = new MemoryEventStore();
      await readStore.define('saga_delivery', []);
      await readStore.commit({ projection: 'saga_delivery', generation: 0 }, [], 7n);
      const origin = await readModelOrigin(events, readStore, ['things'], [{ projection: 'saga_delivery', generation: 0 }]);
      assert.equal(origin.kind, 'another-store');
    });

    it('checkpoints at or below the head, with the id kept: this store', async () => {
      const events = new MemoryEventStore();
      const head = await appendSome(events, 4);
      await readStore.commit(things, [], head);
      await recordReadModelOrigin(readStore, await events.storeId());
      assert.equal((await readModelOrigin(events, readStore, ['things'])).kind, 'this-store');
    });

    it('keeping another id replaces the one kept', async () => {
      await recordReadModelOrigin(readStore, 'first-store');
      const events = new MemoryEventStore();
      await recordReadModelOrigin(readStore, await events.storeId());
      assert.deepEqual(await readModelOrigin(events, readStore, ['things']), { kind: 'this-store', storeId: await events.storeId(), recorded: true });
    });
  });

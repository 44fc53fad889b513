import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventItemOf, REDACTED } from '../../src/application/event-browser/event-item.js';
import { readAllPage, readStreamPage } from '../../src/application/event-browser/event-pages.js';
import { type LiveTail, openLiveTail } from '../../src/application/event-browser/live-tail.js';
import { type EventData, type EventStore, InvalidPositionError, type RecordedEvent } from '../../src/application/ports/event-store.js';
import { EsdbEventStore } from '../../src/infrastructure/event-store/esdb-event-store.js';
import { MemoryEventStore } from '../../src/infrastructure/event-store/memory-event-store.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { EsdbClientDouble } from '../support/esdb-double/esdb-client-double.js';
import { RecordingLog, within } from '../support/esdb-double/esdb-store-on-double.js';

const event = (type: string, correlationId: string = randomUUID(), data: unknown = {}): EventData => ({
  id: randomUUID(),
  type,
  data,
  metadata: { correlationId, causationId: correlationId },
});

const positions = (events: readonly RecordedEvent[]) => events.map((recorded) => recorded.position);
const revisions = (events: readonly RecordedEvent[]) => events.map((recorded) => Number(recorded.revision));

/** The next `count` events of a live tail, each within 2 s. */
const take = async (tail: LiveTail, count: number): Promise<RecordedEvent[]> => {
  const iterator = tail[Symbol.asyncIterator]();
  const taken: RecordedEvent[] = [];
  while (taken.length < count) {
    const next = await within(iterator.next(), `live event ${taken.length + 1} of ${count}`);
    if (next.done) throw new Error('the tail ended');
    taken.push(next.value);
  }
  return taken;
};

/** Appends one event at a time, so that each stream's events interleave with the others' in `$all`. */
const appendEach = async (store: EventStore, entries: readonly [stream: string, event: EventData][]): Promise<RecordedEvent[]> => {
  for (const [stream, data] of entries) await store.appendToStream(stream, [data]);
  const ids = new Set(entries.map(([, data]) => data.id));
  const recorded: RecordedEvent[] = [];
  for await (const read of store.readAll()) if (ids.has(read.id)) recorded.push(read);
  return recorded;
};

const adapters: [name: string, open: () => Promise<{ store: EventStore; dispose(): Promise<void> }>][] = [
  ['MemoryEventStore', async () => ({ store: new MemoryEventStore(), dispose: async () => undefined })],
  [
    'SqliteEventStore',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ledgerflow-event-browser-'));
      const store = new SqliteEventStore(join(dir, 'events.db'));
      return { store, dispose: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  ],
  [
    'EsdbEventStore on the client double',
    async () => ({ store: new EsdbEventStore(new EsdbClientDouble({ writeTimeoutMs: 100 }), { log: new RecordingLog() }), dispose: async () => undefined }),
  ],
];

for (const [name, open] of adapters) {
  describe(`event browser on ${name}`, () => {
    let store: EventStore;
    let dispose: () => Promise<void>;
    beforeEach(async () => ({ store, dispose } = await open()));
    afterEach(async () => {
      await store.close();
      await dispose();
    });

    describe('a stream, a page at a time', () => {
      beforeEach(() => store.appendToStream('order-1', [0, 1, 2, 3, 4].map((index) => event('Noted', undefined, { index }))));

      it('pages forwards from the start, each page saying where the next begins, the last saying none', async () => {
        const first = await readStreamPage(store, 'order-1', { direction: 'forwards', limit: 2 });
        assert.deepEqual([revisions(first!.events), first!.next], [[0, 1], 2n]);
        const second = await readStreamPage(store, 'order-1', { direction: 'forwards', fromRevision: 2n, limit: 2 });
        assert.deepEqual([revisions(second!.events), second!.next], [[2, 3], 4n]);
        const last = await readStreamPage(store, 'order-1', { direction: 'forwards', fromRevision: 4n, limit: 2 });
        assert.deepEqual([revisions(last!.events), last!.next], [[4], null]);
      });

      it('pages backwards from the end, or from a revision', async () => {
        const first = await readStreamPage(store, 'order-1', { direction: 'backwards', limit: 2 });
        assert.deepEqual([revisions(first!.events), first!.next], [[4, 3], 2n]);
        const rest = await readStreamPage(store, 'order-1', { direction: 'backwards', fromRevision: 1n, limit: 5 });
        assert.deepEqual([revisions(rest!.events), rest!.next], [[1, 0], null]);
      });

      it('answers an empty page past the end of a stream that exists, and nothing for a stream without events', async () => {
        assert.deepEqual(await readStreamPage(store, 'order-1', { direction: 'forwards', fromRevision: 9n, limit: 2 }), { events: [], next: null });
        assert.equal(await readStreamPage(store, 'order-2', { direction: 'forwards', limit: 2 }), null);
        assert.equal(await readStreamPage(store, 'order-2', { direction: 'backwards', limit: 2 }), null);
      });
    });

    describe('$all, a page at a time', () => {
      it('filters by type and stream prefix, in position order', async () => {
        const recorded = await appendEach(store, [
          ['order-1', event('OrderPlaced')],
          ['product-1', event('StockReserved')],
          ['order-2', event('OrderPlaced')],
          ['order-1', event('OrderConfirmed')],
        ]);
        const page = await readAllPage(store, { types: ['OrderPlaced', 'OrderConfirmed'], streamPrefix: 'order-1', limit: 10 });
        assert.deepEqual(positions(page.events), positions([recorded[0]!, recorded[3]!]));
        assert.equal(page.next, null);
        const typed = await readAllPage(store, { types: ['OrderPlaced'], limit: 1 });
        assert.deepEqual([positions(typed.events), typed.next], [[recorded[0]!.position], recorded[2]!.position]);
      });

      it('fills a page with the events of a correlation id however far apart they are, and says where the next page starts', async () => {
        const wanted = randomUUID();
        const entries: [string, EventData][] = [];
        for (let index = 0; index < 5; index++) {
          entries.push(['order-9', event('Noted', wanted)]);
          for (let other = 0; other < 7; other++) entries.push([`noise-${other}`, event('Noted')]);
        }
        const recorded = await appendEach(store, entries);
        const matching = recorded.filter((each) => each.metadata.correlationId === wanted);
        const first = await readAllPage(store, { correlationId: wanted, limit: 3 });
        assert.deepEqual(positions(first.events), positions(matching.slice(0, 3)));
        assert.equal(first.next, matching[3]!.position);
        const second = await readAllPage(store, { correlationId: wanted, fromPosition: first.next!, limit: 3 });
        assert.deepEqual([positions(second.events), second.next], [positions(matching.slice(3)), null]);
      });

      it('looks at no more than its scan limit for one page, and goes on from where it stopped', async () => {
        const wanted = randomUUID();
        const entries: [string, EventData][] = [['order-9', event('Noted', wanted)]];
        for (let other = 0; other < 12; other++) entries.push([`noise-${other}`, event('Noted')]);
        entries.push(['order-9', event('Noted', wanted)]);
        const recorded = await appendEach(store, entries);
        const first = await readAllPage(store, { correlationId: wanted, fromPosition: recorded[0]!.position, limit: 5 }, 10);
        assert.deepEqual(positions(first.events), [recorded[0]!.position], 'a page cut short by the bound');
        assert.equal(first.next, recorded[10]!.position, 'the first event not looked at');
        const second = await readAllPage(store, { correlationId: wanted, fromPosition: first.next!, limit: 5 }, 10);
        assert.deepEqual([positions(second.events), second.next], [[recorded[13]!.position], null]);
      });
    });

    describe('$all followed live', () => {
      it('from the head: only what is appended after it opened', async () => {
        await store.appendToStream('order-1', [event('Before')]);
        const tail = await openLiveTail(store, {}, 'head');
        try {
          await store.appendToStream('order-1', [event('After')]);
          assert.deepEqual((await take(tail, 1)).map((each) => each.type), ['After']);
        } finally {
          await tail.close();
        }
      });

      it('after a position (Last-Event-ID): only the events after it; from a position: that event too', async () => {
        const recorded = await appendEach(store, [
          ['order-1', event('First')],
          ['order-1', event('Second')],
          ['order-1', event('Third')],
        ]);
        const after = await openLiveTail(store, {}, { after: recorded[0]!.position });
        const from = await openLiveTail(store, {}, { from: recorded[1]!.position });
        try {
          assert.deepEqual((await take(after, 2)).map((each) => each.type), ['Second', 'Third']);
          assert.deepEqual((await take(from, 2)).map((each) => each.type), ['Second', 'Third']);
          await store.appendToStream('order-1', [event('Fourth')]);
          assert.deepEqual((await take(after, 1)).map((each) => each.type), ['Fourth']);
          assert.deepEqual((await take(from, 1)).map((each) => each.type), ['Fourth']);
        } finally {
          await after.close();
          await from.close();
        }
      });

      it('keeps to its filters, the correlation id included, and ends when closed', async () => {
        const wanted = randomUUID();
        const tail = await openLiveTail(store, { types: ['Wanted'], correlationId: wanted }, 'head');
        await store.appendToStream('order-1', [event('Wanted'), event('Other', wanted), event('Wanted', wanted)]);
        const [only] = await take(tail, 1);
        assert.deepEqual([only!.type, only!.metadata.correlationId], ['Wanted', wanted]);
        await tail.close();
        assert.equal((await within(tail[Symbol.asyncIterator]().next(), 'the end of a closed tail')).done, true);
      });
    });

    if (name.startsWith('EsdbEventStore'))
      it('refuses a position inside a record (EventStoreDB positions are log offsets) as InvalidPositionError, for a page and a live tail', async () => {
        const [recorded] = await appendEach(store, [
          ['order-1', event('Noted')],
          ['order-1', event('Noted')],
        ]);
        const inside = recorded!.position + 1n;
        const refused = (error: unknown) => error instanceof InvalidPositionError && error.position === inside;
        await assert.rejects(readAllPage(store, { fromPosition: inside, limit: 5 }), refused);
        await assert.rejects(readAllPage(store, { fromPosition: inside, types: ['Noted'], limit: 5 }), refused);
        await assert.rejects(openLiveTail(store, {}, { after: inside }), refused);
        await assert.rejects(openLiveTail(store, {}, { from: inside }), refused);
      });
  });
}

describe('event browser items', () => {
  it('show positions as decimal strings and revisions as numbers, and never a secret', () => {
    const item = eventItemOf({
      ...event('UserRegistered', 'c-1', { userId: 'u-1', passwordHash: 'scrypt$abc', nested: [{ token: 'tok_visa', amount: 1 }], paymentToken: 'tok_visa' }),
      streamId: 'user-u-1',
      revision: 0n,
      position: 2n ** 60n,
      recordedAt: new Date('2025-01-01T00:00:00.000Z'),
    });
    assert.equal(item.position, '1152921504606846976');
    assert.equal(item.revision, 0);
    assert.equal(item.recordedAt, '2025-01-01T00:00:00.000Z');
    assert.deepEqual(item.data, { userId: 'u-1', passwordHash: REDACTED, nested: [{ token: REDACTED, amount: 1 }], paymentToken: REDACTED });
  });
});

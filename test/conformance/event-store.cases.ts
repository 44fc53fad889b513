import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AllSubscription,
  type EventData,
  type EventStore,
  type ExpectedRevision,
  type RecordedEvent,
  WrongExpectedVersionError,
} from '../../src/application/ports/event-store.js';
import { type NotConfigured, pendingByDesign } from '../support/pending-by-design.js';

/**
 * What each case gets: a store of its own and names no other case (or run) shares, so the cases also hold on a
 * shared EventStoreDB server. Nothing assumes an empty store: positions are compared with `start`, or with each other.
 */
interface Given {
  store: EventStore;
  /** Head position when the case began; events of this case all come after it. */
  start: bigint;
  /** Every stream of this case starts with it: `stream('alpha')` is `<prefix>alpha`. */
  prefix: string;
  stream(name: string): string;
  /** A stream outside `prefix`, for events a filter must leave out. */
  foreign(name: string): string;
  /** An event type no other case uses. */
  type(name: string): string;
  /** This case's events (streams under `prefix`), read from `$all`. */
  ours(): Promise<RecordedEvent[]>;
}

const STEP_MS = 2_000;

const event = (type = 'ConformanceTested', data: unknown = {}): EventData => ({
  id: randomUUID(),
  type,
  data,
  metadata: { correlationId: randomUUID(), causationId: randomUUID() },
});
const events = (count: number, type?: string): EventData[] => Array.from({ length: count }, (_, index) => event(type, { index }));

const ids = (list: readonly { id: string }[]): string[] => list.map((e) => e.id);
const revisions = (list: readonly RecordedEvent[]): bigint[] => list.map((e) => e.revision);
const range = (from: number, to: number): bigint[] => Array.from({ length: to - from + 1 }, (_, i) => BigInt(from + i));

const collect = async <T>(iterable: AsyncIterable<T>): Promise<T[]> => {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
};

const assertIncreasingPositions = (list: readonly RecordedEvent[]): void =>
  list.slice(1).forEach((e, i) => assert.ok(e.position > list[i]!.position, `position ${e.position} after ${list[i]!.position}`));

/** Fails with `what` instead of hanging when `promise` takes longer than `ms`. */
const within = async <T>(promise: Promise<T>, what: string, ms = STEP_MS): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
};

const eventually = async (check: () => boolean, what: string, ms = STEP_MS): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms: ${what}`);
    await sleep(5);
  }
};

/** Reads a subscription `count` events at a time (events `keep` rejects are not counted), each within STEP_MS. */
const reader = (subscription: AllSubscription, keep: (e: RecordedEvent) => boolean = () => true) => {
  const iterator = subscription[Symbol.asyncIterator]();
  return async (count: number): Promise<RecordedEvent[]> => {
    const read: RecordedEvent[] = [];
    while (read.length < count) {
      const next = await within(iterator.next(), `subscription event ${read.length + 1} of ${count}`);
      if (next.done) throw new Error('the subscription ended');
      if (keep(next.value)) read.push(next.value);
    }
    return read;
  };
};

/** Consumes with `for await` in the background, as a projection would. */
const consume = (subscription: AllSubscription) => {
  const received: RecordedEvent[] = [];
  const done = (async () => {
    for await (const e of subscription) received.push(e);
  })();
  return { received, done };
};

/** 1,234 events of this case in 13 batches over 3 streams, with 15 foreign events after each batch; returns their ids. */
const seedMany = async (t: Given): Promise<string[]> => {
  const written: string[] = [];
  for (let batch = 0; batch < 13; batch++) {
    const batchEvents = events(batch === 12 ? 34 : 100);
    await t.store.appendToStream(t.stream(`many-${batch % 3}`), batchEvents);
    await t.store.appendToStream(t.foreign(`noise-${batch % 2}`), events(15));
    written.push(...ids(batchEvents));
  }
  return written;
};

/** The append must fail with a WrongExpectedVersionError that says why, and write nothing at all. */
const refused = async (t: Given, stream: string, batch: EventData[], expected: ExpectedRevision, actual: bigint | 'no_stream') => {
  const streamBefore = await t.store.readStream(stream);
  const headBefore = await t.store.headPosition();
  await assert.rejects(t.store.appendToStream(stream, batch, { expectedRevision: expected }), (error: unknown) => {
    assert.ok(error instanceof WrongExpectedVersionError, `expected a WrongExpectedVersionError, got ${String(error)}`);
    assert.equal(error.streamId, stream);
    assert.equal(error.expected, expected);
    assert.equal(error.actual, actual);
    return true;
  });
  assert.deepEqual(await t.store.readStream(stream), streamBefore, 'the stream is unchanged');
  assert.equal(await t.store.headPosition(), headBefore, 'the head is unchanged');
  const written = new Set(ids(await t.ours()));
  assert.ok(ids(batch).every((id) => !written.has(id)), 'no event of the refused batch was written');
};

export interface ConformanceOptions {
  notHere?: NotConfigured;
  /** Another handle on the same data as `store` (a second connection, a second client), which stays open. */
  another?: (store: EventStore) => Promise<EventStore>;
  /** Every `open()` reaches the same data (one shared server): two opened stores are not two stores. */
  shared?: boolean;
}

export const eventStoreConformance = (name: string, open: () => Promise<EventStore>, options: ConformanceOptions = {}): void => {
  const pending = pendingByDesign(name, options.notHere);
  const test = (title: string, body: (t: Given) => Promise<void>): void => {
    if (pending) {
      pending.add(title);
      return;
    }
    it(title, async () => {
      const store = await open();
      try {
        const tag = randomUUID().replaceAll('-', '');
        const prefix = `conformance${tag}-`;
        const start = await store.headPosition();
        await body({
          store,
          start,
          prefix,
          stream: (stream) => `${prefix}${stream}`,
          foreign: (stream) => `foreign${tag}-${stream}`,
          type: (type) => `C${tag}${type}`,
          ours: () => collect(store.readAll({ fromPosition: start, filter: { streamPrefixes: [prefix] } })),
        });
      } finally {
        await store.close();
      }
    });
  };
  const append = (t: Given, stream: string, batch: EventData[], expectedRevision: ExpectedRevision = 'any') =>
    t.store.appendToStream(stream, batch, { expectedRevision });

  describe(name, () => {
    describe('expected revision', () => {
      test('given a new stream, when appending with no_stream, then it succeeds at revision 0', async (t) => {
        const result = await append(t, t.stream('a'), [event()], 'no_stream');
        assert.equal(result.nextExpectedRevision, 0n);
        assert.equal((await t.store.readStream(t.stream('a'))).length, 1);
      });
      test('given an existing stream, when appending with no_stream, then it is refused and writes nothing', async (t) => {
        await append(t, t.stream('a'), events(2));
        await refused(t, t.stream('a'), [event()], 'no_stream', 1n);
      });
      test('given a missing stream, when appending with stream_exists, then it is refused and writes nothing', async (t) => {
        await refused(t, t.stream('a'), events(2), 'stream_exists', 'no_stream');
        assert.deepEqual(await t.store.readStream(t.stream('a')), []);
      });
      test('given an existing stream, when appending with stream_exists, then it succeeds', async (t) => {
        await append(t, t.stream('a'), [event()]);
        const result = await append(t, t.stream('a'), [event()], 'stream_exists');
        assert.equal(result.nextExpectedRevision, 1n);
      });
      test('given a stream at revision 2, when appending with expected revision 2, then it succeeds', async (t) => {
        await append(t, t.stream('a'), events(3));
        const result = await append(t, t.stream('a'), events(2), 2n);
        assert.equal(result.nextExpectedRevision, 4n);
        assert.deepEqual(revisions(await t.store.readStream(t.stream('a'))), range(0, 4));
      });
      test('given a stream at revision 2, when appending with a wrong revision, then it is refused with the actual revision', async (t) => {
        await append(t, t.stream('a'), events(3));
        await refused(t, t.stream('a'), [event()], 1n, 2n);
        await refused(t, t.stream('a'), [event()], 3n, 2n);
        await refused(t, t.stream('b'), [event()], 0n, 'no_stream');
      });
      test('given a new or an existing stream, when appending with any (or no option), then it succeeds', async (t) => {
        assert.equal((await append(t, t.stream('a'), [event()], 'any')).nextExpectedRevision, 0n);
        assert.equal((await append(t, t.stream('a'), [event()], 'any')).nextExpectedRevision, 1n);
        assert.equal((await t.store.appendToStream(t.stream('a'), [event()])).nextExpectedRevision, 2n);
        assert.equal((await t.store.appendToStream(t.stream('b'), [event()])).nextExpectedRevision, 0n);
      });
    });

    describe('atomic batch', () => {
      test('given a new stream, when appending a batch of 3, then they land with consecutive revisions and increasing positions', async (t) => {
        const batch = events(3);
        const result = await append(t, t.stream('a'), batch, 'no_stream');
        const stored = await t.store.readStream(t.stream('a'));
        assert.deepEqual(ids(stored), ids(batch));
        assert.deepEqual(revisions(stored), range(0, 2));
        assert.ok(stored[0]!.position > t.start);
        assertIncreasingPositions(stored);
        assert.equal(result.nextExpectedRevision, 2n);
        assert.equal(result.position, stored[2]!.position);
      });
      test('given an existing stream, when appending a batch, then the result is the last event’s revision and position', async (t) => {
        await append(t, t.stream('a'), events(2));
        const result = await append(t, t.stream('a'), events(3), 1n);
        const stored = await t.store.readStream(t.stream('a'));
        assert.deepEqual(revisions(stored), range(0, 4));
        assertIncreasingPositions(stored);
        assert.equal(result.nextExpectedRevision, 4n);
        assert.equal(result.position, stored[4]!.position);
      });
      test('given a batch refused by its expected revision, then none of its events is written', async (t) => {
        await append(t, t.stream('a'), [event()]);
        await refused(t, t.stream('a'), events(3), 5n, 0n);
        await refused(t, t.stream('b'), events(3), 'stream_exists', 'no_stream');
        assert.equal((await t.ours()).length, 1);
      });
    });

    describe('idempotent re-append', () => {
      const again = (first: ExpectedRevision, second: ExpectedRevision, existing: number) =>
        test(`given a batch appended with ${String(first)}, when the same batch is appended again with ${String(second)}, then it succeeds with the same result and writes nothing`, async (t) => {
          if (existing > 0) await append(t, t.stream('a'), events(existing));
          const batch = events(3);
          const result = await append(t, t.stream('a'), batch, first);
          const stream = await t.store.readStream(t.stream('a'));
          const all = await t.ours();
          const repeated = await append(t, t.stream('a'), batch, second);
          assert.equal(repeated.nextExpectedRevision, result.nextExpectedRevision);
          assert.equal(repeated.position, result.position);
          assert.deepEqual(await t.store.readStream(t.stream('a')), stream);
          assert.equal((await t.ours()).length, all.length);
        });
      again('no_stream', 'no_stream', 0);
      again(1n, 1n, 2);
      again('no_stream', 'any', 0);
      again('any', 'any', 1);
    });

    describe('readStream', () => {
      const fiveEvents = async (t: Given) => {
        await append(t, t.stream('a'), events(5));
        await append(t, t.stream('b'), events(2));
        return t.store.readStream(t.stream('a'));
      };
      test('given 5 events, when reading forwards, then they come in revision order', async (t) => {
        const stored = await fiveEvents(t);
        assert.deepEqual(revisions(stored), range(0, 4));
        assert.ok(stored.every((e) => e.streamId === t.stream('a')));
      });
      test('given 5 events, when reading backwards, then they come newest first', async (t) => {
        const stored = await fiveEvents(t);
        assert.deepEqual(await t.store.readStream(t.stream('a'), { direction: 'backwards' }), stored.toReversed());
      });
      test('given 5 events, when reading from a revision, then it is included, in either direction', async (t) => {
        const stored = await fiveEvents(t);
        assert.deepEqual(await t.store.readStream(t.stream('a'), { fromRevision: 2n }), stored.slice(2));
        assert.deepEqual(await t.store.readStream(t.stream('a'), { direction: 'backwards', fromRevision: 2n }), stored.slice(0, 3).toReversed());
      });
      test('given 5 events, when reading with maxCount, then at most that many come back', async (t) => {
        const stored = await fiveEvents(t);
        const read = (options: Parameters<EventStore['readStream']>[1]) => t.store.readStream(t.stream('a'), options);
        assert.deepEqual(await read({ maxCount: 2 }), stored.slice(0, 2));
        assert.deepEqual(await read({ maxCount: 2, fromRevision: 1n }), stored.slice(1, 3));
        assert.deepEqual(await read({ maxCount: 2, direction: 'backwards' }), [stored[4], stored[3]]);
        assert.deepEqual(await read({ maxCount: 2, direction: 'backwards', fromRevision: 1n }), [stored[1], stored[0]]);
        assert.deepEqual(await read({ maxCount: 10 }), stored);
      });
      test('given a missing stream, when reading it, then it is empty in either direction', async (t) => {
        assert.deepEqual(await t.store.readStream(t.stream('missing')), []);
        assert.deepEqual(await t.store.readStream(t.stream('missing'), { direction: 'backwards' }), []);
      });
      test('given an event with nested data and full metadata, when reading it back, then every field round-trips', async (t) => {
        const data = { order: { lines: [{ sku: 'SKU-1', quantity: 2, price: 12.5 }], note: 'zoë “quoted” ✓' }, paid: false, coupon: null };
        const metadata = { correlationId: randomUUID(), causationId: randomUUID(), userId: 'user-42' };
        const written = { id: randomUUID(), type: t.type('OrderPlaced'), data, metadata };
        const before = Date.now();
        await append(t, t.stream('a'), [event()]);
        const result = await append(t, t.stream('a'), [written]);
        const [read] = await t.store.readStream(t.stream('a'), { fromRevision: 1n });
        assert.ok(read);
        assert.equal(read.id, written.id);
        assert.equal(read.type, written.type);
        assert.deepEqual(read.data, data);
        assert.equal(read.metadata.correlationId, metadata.correlationId);
        assert.equal(read.metadata.causationId, metadata.causationId);
        assert.equal(read.metadata.userId, metadata.userId);
        assert.equal(read.streamId, t.stream('a'));
        assert.equal(read.revision, 1n);
        assert.equal(typeof read.position, 'bigint');
        assert.equal(read.position, result.position);
        assert.ok(read.recordedAt instanceof Date);
        assert.ok(Math.abs(read.recordedAt.getTime() - before) < 60_000, `recordedAt ${read.recordedAt.toISOString()} is about now`);
        assert.deepEqual((await t.ours()).at(-1), read, 'readAll gives the same event');
      });
    });

    describe('readAll', () => {
      /** alpha: Opened Noted Noted | beta-1: Opened Noted | alpha: Closed | beta-2: Opened, with foreign events in between. */
      const seed = async (t: Given) => {
        const [opened, noted, closed] = [t.type('Opened'), t.type('Noted'), t.type('Closed')];
        await append(t, t.stream('alpha'), [event(opened), event(noted), event(noted)]);
        await append(t, t.foreign('x'), [event(opened)]);
        await append(t, t.stream('beta-1'), [event(opened), event(noted)]);
        await append(t, t.stream('alpha'), [event(closed)]);
        await append(t, t.foreign('x'), [event(noted)]);
        await append(t, t.stream('beta-2'), [event(opened)]);
        const ours = await t.ours();
        assert.equal(ours.length, 7);
        assertIncreasingPositions(ours);
        return { ours, opened, closed };
      };
      const read = (t: Given, options: Parameters<EventStore['readAll']>[0]) => collect(t.store.readAll(options));
      const mine = (t: Given) => ({ streamPrefixes: [t.prefix] });

      test('given events, when reading forwards from a position, then that event and the later ones come back in order', async (t) => {
        const { ours } = await seed(t);
        assert.deepEqual(await read(t, { fromPosition: ours[3]!.position, filter: mine(t) }), ours.slice(3));
        assert.deepEqual(await read(t, { fromPosition: ours[0]!.position, maxCount: 3 }), ours.slice(0, 3));
        assert.deepEqual(await read(t, { direction: 'forwards', fromPosition: ours[1]!.position, maxCount: 1 }), [ours[1]]);
      });
      test('given events, when reading backwards, then they come newest first, from the position given (inclusive)', async (t) => {
        const { ours } = await seed(t);
        assert.deepEqual(await read(t, { direction: 'backwards', filter: mine(t) }), ours.toReversed());
        assert.deepEqual(await read(t, { direction: 'backwards', fromPosition: ours[4]!.position, filter: mine(t) }), ours.slice(0, 5).toReversed());
        assert.deepEqual(await read(t, { direction: 'backwards', fromPosition: ours[2]!.position, maxCount: 2 }), [ours[2], ours[1]]);
      });
      test('given events, when reading with maxCount, then that many matching events come back', async (t) => {
        const { ours } = await seed(t);
        assert.deepEqual(await read(t, { fromPosition: t.start, maxCount: 4, filter: mine(t) }), ours.slice(0, 4));
        assert.deepEqual(await read(t, { direction: 'backwards', maxCount: 2, filter: mine(t) }), [ours[6], ours[5]]);
        assert.deepEqual(await read(t, { fromPosition: t.start, maxCount: 0, filter: mine(t) }), []);
      });
      test('given events, when filtering by stream prefixes, then only those streams’ events come back', async (t) => {
        const { ours } = await seed(t);
        const streams = (...prefixes: string[]) => read(t, { fromPosition: t.start, filter: { streamPrefixes: prefixes } });
        assert.deepEqual(await streams(t.stream('beta')), ours.filter((e) => e.streamId.startsWith(t.stream('beta'))));
        assert.deepEqual(
          await streams(t.stream('alpha'), t.stream('beta-2')),
          ours.filter((e) => e.streamId === t.stream('alpha') || e.streamId === t.stream('beta-2')),
        );
        assert.deepEqual(await streams(t.stream('none')), []);
      });
      test('given events, when filtering by event types, then only those types come back', async (t) => {
        const { ours, opened, closed } = await seed(t);
        const types = (...eventTypes: string[]) => read(t, { fromPosition: t.start, filter: { eventTypes } });
        const openedEvents = await types(opened);
        assert.equal(openedEvents.length, 4);
        assert.deepEqual(openedEvents.filter((e) => e.streamId.startsWith(t.prefix)), ours.filter((e) => e.type === opened));
        assert.deepEqual(await types(opened, closed).then((list) => list.length), 5);
      });
      test('given more than 1,000 events, when reading all, then every page comes back complete and in order', async (t) => {
        const written = await seedMany(t);
        const ours = await t.ours();
        assert.equal(ours.length, 1_234);
        assert.deepEqual(ids(ours), written);
        assertIncreasingPositions(ours);
        const unfiltered = await read(t, { fromPosition: ours[0]!.position });
        assert.deepEqual(ids(unfiltered.filter((e) => e.streamId.startsWith(t.prefix))), written);
        assert.equal(unfiltered.filter((e) => e.streamId.startsWith(t.foreign(''))).length, 13 * 15);
        assert.deepEqual(ids(await read(t, { direction: 'backwards', filter: mine(t) })), written.toReversed());
        assert.deepEqual(ids(await read(t, { fromPosition: t.start, maxCount: 1_001, filter: mine(t) })), written.slice(0, 1_001));
        assert.deepEqual(ids(await read(t, { fromPosition: ours[1_100]!.position, filter: mine(t) })), written.slice(1_100));
      });
    });

    describe('subscribeToAll', () => {
      test('given events, when subscribing and appending more while consuming, then catch-up and live events all come once, in order', async (t) => {
        const mineOnly = (e: RecordedEvent) => e.streamId.startsWith(t.prefix);
        const before = events(5);
        await append(t, t.stream('a'), before.slice(0, 3));
        await append(t, t.stream('b'), before.slice(3));
        const subscription = t.store.subscribeToAll({ fromPosition: t.start });
        try {
          const read = reader(subscription, mineOnly);
          const received = await read(2);
          const during = events(3);
          for (const e of during) await append(t, t.stream('a'), [e]);
          received.push(...(await read(6)));
          const waiting = read(2);
          await sleep(50);
          const live = events(2);
          await append(t, t.stream('b'), live.slice(0, 1));
          await append(t, t.foreign('x'), events(2));
          await append(t, t.stream('a'), live.slice(1));
          received.push(...(await waiting));
          assert.deepEqual(ids(received), ids([...before, ...during, ...live]));
          assertIncreasingPositions(received);
          const marker = event();
          await append(t, t.stream('c'), [marker]);
          assert.deepEqual(ids(await read(1)), [marker.id], 'nothing is delivered twice before the next event');
        } finally {
          await subscription.close();
        }
      });
      test('given more than 1,000 events, when subscribing, then catch-up pages through all of them, in order, then goes live', async (t) => {
        const written = await seedMany(t);
        const subscription = t.store.subscribeToAll({ fromPosition: t.start, filter: { streamPrefixes: [t.prefix] } });
        try {
          const read = reader(subscription);
          const caughtUp = await read(written.length);
          assert.deepEqual(ids(caughtUp), written);
          assertIncreasingPositions(caughtUp);
          const marker = event();
          await append(t, t.stream('many-0'), [marker]);
          assert.deepEqual(ids(await read(1)), [marker.id]);
        } finally {
          await subscription.close();
        }
      });
      test('given a checkpoint, when resuming from it, then only later events are delivered', async (t) => {
        const batch = events(4);
        await append(t, t.stream('a'), batch);
        const checkpoint = (await t.store.readStream(t.stream('a')))[1]!.position;
        const subscription = t.store.subscribeToAll({ fromPosition: checkpoint, filter: { streamPrefixes: [t.prefix] } });
        try {
          const read = reader(subscription);
          assert.deepEqual(ids(await read(2)), ids(batch.slice(2)));
          const marker = event();
          await append(t, t.stream('a'), [marker]);
          assert.deepEqual(ids(await read(1)), [marker.id]);
        } finally {
          await subscription.close();
        }
      });
      test('given a filtered subscription, then it delivers only matching events, catch-up and live', async (t) => {
        const [opened, noted] = [t.type('Opened'), t.type('Noted')];
        await append(t, t.stream('alpha'), [event(opened), event(noted)]);
        await append(t, t.stream('beta'), [event(noted), event(opened)]);
        await append(t, t.foreign('x'), [event(opened)]);
        const byStream = t.store.subscribeToAll({ fromPosition: t.start, filter: { streamPrefixes: [t.stream('beta')] } });
        const byType = t.store.subscribeToAll({ fromPosition: t.start, filter: { eventTypes: [opened] } });
        try {
          const [readByStream, readByType] = [reader(byStream), reader(byType)];
          assert.deepEqual((await readByStream(2)).map((e) => [e.streamId, e.type]), [[t.stream('beta'), noted], [t.stream('beta'), opened]]);
          const openedStreams = [t.stream('alpha'), t.stream('beta'), t.foreign('x')];
          assert.deepEqual((await readByType(3)).map((e) => [e.streamId, e.type]), openedStreams.map((s) => [s, opened]));
          await append(t, t.stream('alpha'), [event(noted), event(opened)]);
          await append(t, t.stream('beta'), [event(noted)]);
          assert.deepEqual((await readByType(1)).map((e) => [e.streamId, e.type]), [[t.stream('alpha'), opened]]);
          assert.deepEqual((await readByStream(1)).map((e) => [e.streamId, e.type]), [[t.stream('beta'), noted]]);
        } finally {
          await Promise.all([byStream.close(), byType.close()]);
        }
      });
      test('given a for await waiting for live events, when the subscription is closed, then the loop ends', async (t) => {
        const subscription = t.store.subscribeToAll({ fromPosition: t.start, filter: { streamPrefixes: [t.prefix] } });
        const { received, done } = consume(subscription);
        try {
          await append(t, t.stream('a'), [event()]);
          await eventually(() => received.length === 1, 'the live event');
          await sleep(20);
        } finally {
          await within(subscription.close(), 'close()');
        }
        await within(done, 'the for await loop to end after close()');
        assert.equal(received.length, 1);
      });
      test('given events a filter skips, then scannedPosition advances past them', async (t) => {
        const subscription = t.store.subscribeToAll({ fromPosition: t.start, filter: { streamPrefixes: [t.stream('wanted')] } });
        const { received, done } = consume(subscription);
        try {
          const skipped = await append(t, t.stream('skipped'), events(40));
          await eventually(() => (subscription.scannedPosition ?? -1n) >= skipped.position, 'scannedPosition to pass the skipped events');
          assert.equal(received.length, 0);
          const wanted = await append(t, t.stream('wanted'), [event()]);
          await eventually(() => received.length === 1, 'the wanted event');
          assert.equal(received[0]!.position, wanted.position);
          await eventually(() => (subscription.scannedPosition ?? -1n) >= wanted.position, 'scannedPosition to reach the wanted event');
        } finally {
          await within(subscription.close(), 'close()');
        }
        await within(done, 'the for await loop to end after close()');
      });
    });

    describe('concurrent appenders', () => {
      test('given 20 appenders retrying on conflicts, when each appends 5 events to one stream, then the stream holds all 100 once, without gaps', async (t) => {
        const stream = t.stream('contended');
        const won: bigint[] = [];
        let conflicts = 0;
        const appender = async (appenderId: number) => {
          for (let seq = 0; seq < 5; ) {
            const next = event('Tagged', { appenderId, seq });
            for (;;) {
              const [last] = await t.store.readStream(stream, { direction: 'backwards', maxCount: 1 });
              try {
                const result = await append(t, stream, [next], last ? last.revision : 'no_stream');
                won.push(result.nextExpectedRevision);
                seq++;
                break;
              } catch (error) {
                if (!(error instanceof WrongExpectedVersionError)) throw error;
                conflicts++;
              }
            }
          }
        };
        await Promise.all(Array.from({ length: 20 }, (_, appenderId) => appender(appenderId)));
        const stored = await t.store.readStream(stream);
        assert.equal(won.length, 100, `100 successful appends (and ${conflicts} conflicts)`);
        assert.deepEqual(won.toSorted((a, b) => (a < b ? -1 : a > b ? 1 : 0)), range(0, 99), 'one success per revision');
        assert.deepEqual(revisions(stored), range(0, 99));
        assert.equal(new Set(ids(stored)).size, 100);
        for (let appenderId = 0; appenderId < 20; appenderId++) {
          const seqs = stored.map((e) => e.data as { appenderId: number; seq: number }).filter((d) => d.appenderId === appenderId);
          assert.deepEqual(seqs.map((d) => d.seq), [0, 1, 2, 3, 4], `appender ${appenderId}'s events, once each, in order`);
        }
      });
      test('given 20 appenders racing to create a stream with no_stream, then exactly one wins and 19 get a WrongExpectedVersionError', async (t) => {
        const stream = t.stream('reservation');
        const attempts = Array.from({ length: 20 }, (_, appenderId) => event('Reserved', { appenderId }));
        const results = await Promise.allSettled(attempts.map((e) => append(t, stream, [e], 'no_stream')));
        const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [attempts[i]!] : []));
        const losers = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
        assert.equal(winners.length, 1);
        assert.equal(losers.length, 19);
        assert.ok(losers.every((error) => error instanceof WrongExpectedVersionError));
        assert.deepEqual(ids(await t.store.readStream(stream)), ids(winners));
      });
    });

    describe('appends started together', () => {
      test('given appends to several streams started at once, one with a wrong expected revision, then only that one is refused and the others are all stored', async (t) => {
        const existing = t.stream('existing');
        await append(t, existing, events(2));
        const batches = [0, 1, 2, 3].map((i) => ({ stream: t.stream(`together-${i}`), events: events(2) }));
        const results = await Promise.allSettled([
          ...batches.map((batch) => append(t, batch.stream, batch.events, 'no_stream')),
          append(t, existing, [event()], 5n),
        ]);
        assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected']);
        assert.ok((results[4] as PromiseRejectedResult).reason instanceof WrongExpectedVersionError);
        for (const batch of batches) assert.deepEqual(ids(await t.store.readStream(batch.stream)), ids(batch.events));
        assert.equal((await t.store.readStream(existing)).length, 2);
        const positions = results.slice(0, 4).map((r) => (r as PromiseFulfilledResult<{ position: bigint }>).value.position);
        assert.equal(new Set(positions).size, 4, 'each append has a position of its own');
      });
      test('given the same batch appended twice at once, then both succeed with the same result and it is stored once', async (t) => {
        const stream = t.stream('twice');
        const batch = events(3);
        const [first, second] = await Promise.all([append(t, stream, batch, 'no_stream'), append(t, stream, batch, 'no_stream')]);
        assert.deepEqual(second, first);
        assert.deepEqual(ids(await t.store.readStream(stream)), ids(batch));
      });
    });

    describe('storeId', () => {
      test('given a store, then it has an id, the same each time it is asked, even asked several times at once', async (t) => {
        const answers = await Promise.all([t.store.storeId(), t.store.storeId(), t.store.storeId()]);
        assert.equal(typeof answers[0], 'string');
        assert.match(answers[0]!, /^\S{8,200}$/);
        assert.equal(new Set(answers).size, 1, `one id: ${answers.join(', ')}`);
        assert.equal(await t.store.storeId(), answers[0]);
      });

      test('given its id asked for, then the head has not moved, and no read or subscription shows where it is kept', async (t) => {
        const head = await t.store.headPosition();
        await t.store.storeId();
        assert.equal(await t.store.headPosition(), head, 'the head is where it was');
        const newer = (await collect(t.store.readAll({ fromPosition: t.start }))).filter((e) => e.position > t.start);
        assert.deepEqual(newer, [], 'nothing new in $all');
        const subscription = t.store.subscribeToAll({ fromPosition: t.start });
        try {
          const marker = event();
          await append(t, t.stream('after-id'), [marker]);
          const read = reader(subscription);
          const delivered: RecordedEvent[] = [];
          while (!delivered.some((e) => e.id === marker.id)) delivered.push(...(await read(1)));
          const others = delivered.filter((e) => !e.streamId.startsWith(t.prefix) && (!options.shared || e.streamId.startsWith('$') || e.type.startsWith('$')));
          assert.deepEqual(others.map((e) => `${e.streamId} ${e.type}`), [], 'the subscription delivers what was appended, not the id');
        } finally {
          await subscription.close();
        }
      });

      if (options.another) {
        const another = options.another;
        test('given another handle on the same store, then it gives the same id: the id is kept in the store', async (t) => {
          const id = await t.store.storeId();
          const second = await another(t.store);
          try {
            assert.equal(await second.storeId(), id);
          } finally {
            await second.close();
          }
        });

        test('given two handles on a store whose id was never asked for, when both ask at once, then both get one id', async (t) => {
          const second = await another(t.store);
          try {
            const [first, other] = await Promise.all([t.store.storeId(), second.storeId()]);
            assert.equal(other, first);
          } finally {
            await second.close();
          }
        });
      }

      if (!options.shared)
        test('given another store, then its id is another', async (t) => {
          const other = await open();
          try {
            assert.notEqual(await other.storeId(), await t.store.storeId());
          } finally {
            await other.close();
          }
        });
    });

    describe('headPosition', () => {
      test('given appends, then the head position grows with them and reaches each append’s position', async (t) => {
        const first = await append(t, t.stream('a'), [event()]);
        const afterFirst = await t.store.headPosition();
        assert.ok(afterFirst > t.start);
        assert.ok(afterFirst >= first.position);
        const second = await append(t, t.stream('b'), events(3));
        const afterSecond = await t.store.headPosition();
        assert.ok(second.position > first.position);
        assert.ok(afterSecond > afterFirst);
        assert.ok(afterSecond >= second.position);
      });
    });
  });
};

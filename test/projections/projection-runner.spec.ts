import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { RecordedEvent } from '../../src/application/ports/event-store.js';
import { MemoryEventStore } from '../../src/infrastructure/event-store/memory-event-store.js';
import { MemoryReadStore } from '../../src/infrastructure/read-store/memory-read-store.js';
import type { Projection } from '../../src/projections/projection.js';
import { ProjectionRunner } from '../../src/projections/projection-runner.js';

const counted = (failOn?: (event: RecordedEvent) => boolean): Projection => ({
  name: 'counters',
  collections: [{ name: 'counters' }],
  documents: [
    {
      collection: 'counters',
      eventTypes: ['Counted'],
      documentIds: (event) => [(event.data as { counter: string }).counter],
      evolve(document, event, id) {
        if (failOn?.(event)) throw new Error('the handler cannot take this event');
        return { id, count: ((document?.count as number | undefined) ?? 0) + 1 };
      },
    },
  ],
});

const count = (counter: string) => ({
  id: randomUUID(),
  type: 'Counted',
  data: { counter },
  metadata: { correlationId: 'c', causationId: 'c' },
});
const other = () => ({ id: randomUUID(), type: 'Ignored', data: {}, metadata: { correlationId: 'c', causationId: 'c' } });

describe('projection runner', () => {
  let events: MemoryEventStore;
  let readStore: MemoryReadStore;
  let runner: ProjectionRunner | undefined;

  beforeEach(() => {
    events = new MemoryEventStore();
    readStore = new MemoryReadStore();
  });
  afterEach(async () => {
    await runner?.stop();
    runner = undefined;
  });

  const start = async (projection: Projection) => {
    runner = new ProjectionRunner(projection, events, readStore, { decode: (event) => event, retries: 2, retryDelayMs: 5 });
    await runner.start();
    return runner;
  };

  it('given events before and after it starts, then the read model counts every one once and reports no lag', async () => {
    await events.appendToStream('counter-a', [count('a'), count('a')]);
    const projection = await start(counted());
    const { position } = await events.appendToStream('counter-a', [count('a')]);
    assert.equal(await projection.waitFor(position, 2000), true);
    assert.deepEqual(await readStore.get('counters', 'a'), { id: 'a', count: 3 });
    const info = await projection.info();
    assert.equal(info.lag, '0');
    assert.equal(info.status, 'live');
  });

  it('given a position of an event it does not handle, when waited for, then it resolves once the runner has passed it', async () => {
    const projection = await start(counted());
    const { position } = await events.appendToStream('elsewhere-1', [other()]);
    assert.equal(await projection.waitFor(position, 2000), true);
  });

  it('given a position nobody has written yet, when waited for, then it gives up after the timeout', async () => {
    const projection = await start(counted());
    assert.equal(await projection.waitFor(10_000n, 50), false);
  });

  it('given a handler that keeps failing, then the projection stops faulted, naming the event, and skips nothing', async () => {
    await events.appendToStream('counter-b', [count('b')]);
    const poison = count('poison');
    await events.appendToStream('counter-poison', [poison]);
    await events.appendToStream('counter-b', [count('b')]);
    const projection = await start(counted((event) => (event.data as { counter: string }).counter === 'poison'));
    for (let attempt = 0; attempt < 100 && (await projection.info()).status !== 'faulted'; attempt++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const info = await projection.info();
    assert.equal(info.status, 'faulted');
    assert.equal(info.error?.eventId, poison.id);
    assert.match(info.error?.message ?? '', /cannot take this event/);
    assert.deepEqual(await readStore.get('counters', 'b'), { id: 'b', count: 1 }, 'the event after the poison one is not applied');
  });

  it('given a rebuild, then the shadow generation is swapped in with the same documents and the live one kept serving', async () => {
    for (let index = 0; index < 50; index++) await events.appendToStream(`counter-${index % 5}`, [count(String(index % 5))]);
    const projection = await start(counted());
    assert.equal(await projection.waitFor(await events.headPosition(), 2000), true);
    const before = await readStore.find('counters', { limit: 100 });
    const rebuilding = projection.rebuild();
    assert.deepEqual(await readStore.find('counters', { limit: 100 }), before, 'queries are served while it rebuilds');
    await rebuilding;
    assert.equal(await readStore.activeGeneration('counters'), 1);
    assert.deepEqual(await readStore.find('counters', { limit: 100 }), before);
    const { position } = await events.appendToStream('counter-0', [count('0')]);
    assert.equal(await projection.waitFor(position, 2000), true);
    assert.deepEqual(await readStore.get('counters', '0'), { id: '0', count: 11 }, 'the swapped-in generation stays live');
  });
});

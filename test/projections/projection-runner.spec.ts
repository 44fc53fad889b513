import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { RecordedEvent } from '../../src/application/ports/event-store.js';
import { type DocumentChange, documentKey, type ProjectionTarget } from '../../src/application/ports/read-store.js';
import { MemoryEventStore } from '../../src/infrastructure/event-store/memory-event-store.js';
import { MemoryReadStore } from '../../src/infrastructure/read-store/memory-read-store.js';
import { CheckpointProgress } from '../../src/projections/checkpoint-progress.js';
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

  const start = async (projection: Projection, options: { batchSize?: number } = {}) => {
    runner = new ProjectionRunner(projection, events, readStore, { decode: (event) => event, retries: 2, retryDelayMs: 5, ...options });
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

  it('given events it does not handle after the last it applied, once it is idle, then its saved checkpoint passes them too (for those who follow it from elsewhere)', async () => {
    const projection = await start(counted());
    await events.appendToStream('counter-a', [count('a')]);
    const { position } = await events.appendToStream('elsewhere-1', [other(), other()]);
    assert.equal(await projection.waitFor(position, 2000), true);
    assert.equal(await new CheckpointProgress(readStore).waitFor('counters', position, 3000), true, 'the checkpoint in the read store reached the head');
    assert.equal(await readStore.checkpoint({ projection: 'counters', generation: 0 }), position);
    assert.deepEqual(await readStore.get('counters', 'a'), { id: 'a', count: 1 });
  });

  it('given only events it does not handle before it starts, then its listeners hear the head it passed on starting', async () => {
    const { position } = await events.appendToStream('elsewhere-1', [other(), other()]);
    runner = new ProjectionRunner(counted(), events, readStore, { decode: (event) => event });
    const heard: bigint[] = [];
    runner.onProgress((_name, reached) => heard.push(reached));
    await runner.start();
    await runner.waitFor(position, 2000);
    assert.deepEqual(heard, [position]);
  });

  it('given a position nobody has written yet, when waited for, then it gives up after the timeout', async () => {
    const projection = await start(counted());
    assert.equal(await projection.waitFor(10_000n, 50), false);
  });

  it('given a caller waiting when the runner is stopped (its lease lost) and started again, then the wait ends once the new run passes the position', async () => {
    const projection = await start(counted());
    const { position } = await events.appendToStream('counter-a', [count('a')]);
    const waiting = projection.waitFor(position + 1n, 3000);
    await projection.stop();
    await projection.start();
    await events.appendToStream('counter-a', [count('a')]);
    assert.equal(await waiting, true);
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

  it('given a rebuild held mid-way, then queries are served from the live generation until the rebuilt one is swapped in', async () => {
    for (let index = 0; index < 50; index++) await events.appendToStream(`counter-${index % 5}`, [count(String(index % 5))]);
    const held = new HeldRebuild();
    readStore = held;
    const projection = await start(counted(), { batchSize: 10 });
    assert.equal(await projection.waitFor(await events.headPosition(), 2000), true);
    const before = await readStore.find('counters', { limit: 100 });
    assert.deepEqual(before.items.map((item) => item.count), [10, 10, 10, 10, 10]);

    const rebuilding = projection.rebuild();
    await held.holding;
    try {
      // Mid-way: the rebuild has committed its first 10 events to generation 1 and waits to commit the next 10.
      const checkpoint = await readStore.checkpoint({ projection: 'counters', generation: 1 });
      assert.ok(checkpoint > 0n && checkpoint < (await events.headPosition()), `generation 1 is part-built (checkpoint ${checkpoint})`);
      const partial = await readStore.load({ projection: 'counters', generation: 1 }, [{ collection: 'counters', id: '0' }]);
      assert.deepEqual(partial.get(documentKey('counters', '0'))?.document, { id: '0', count: 2 }, 'generation 1 holds part of the counts');
      assert.deepEqual(await readStore.find('counters', { limit: 100 }), before, 'queries are served from the live generation while it rebuilds');
      assert.deepEqual(await readStore.get('counters', '0'), { id: '0', count: 10 });
      assert.equal((await projection.info()).status, 'rebuilding');
      assert.equal(await readStore.activeGeneration('counters'), 0);
    } finally {
      held.release();
    }
    await rebuilding;
    assert.equal(await readStore.activeGeneration('counters'), 1);
    assert.deepEqual(await readStore.find('counters', { limit: 100 }), before);
    const { position } = await events.appendToStream('counter-0', [count('0')]);
    assert.equal(await projection.waitFor(position, 2000), true);
    assert.deepEqual(await readStore.get('counters', '0'), { id: '0', count: 11 }, 'the swapped-in generation stays live');
  });
});

/** A memory read store that lets the rebuild (generation 1) commit once, then holds its next commit until released. */
class HeldRebuild extends MemoryReadStore {
  readonly holding: Promise<void>;
  private reached!: () => void;
  private released!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.released = resolve));
  private rebuildCommits = 0;

  constructor() {
    super();
    this.holding = new Promise((resolve) => (this.reached = resolve));
  }

  release(): void {
    this.released();
  }

  override async commit(target: ProjectionTarget, changes: readonly DocumentChange[], checkpoint: bigint): Promise<void> {
    if (target.generation === 1 && ++this.rebuildCommits === 2) {
      this.reached();
      await this.gate;
    }
    return super.commit(target, changes, checkpoint);
  }
}

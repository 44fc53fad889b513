import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { DocumentChange, ProjectionTarget, StoredDocument } from '../../src/application/ports/read-store.js';
import { MemoryEventStore } from '../../src/infrastructure/event-store/memory-event-store.js';
import { MemoryReadStore } from '../../src/infrastructure/read-store/memory-read-store.js';
import type { Projection } from '../../src/projections/projection.js';
import { ProjectionRunner, RebuildAbandonedError } from '../../src/projections/projection-runner.js';
import { describeRebuild, rebuildProjections } from '../../src/projections/rebuild-projections.js';

const counters: Projection = {
  name: 'counters',
  collections: [{ name: 'counters' }],
  documents: [
    {
      collection: 'counters',
      eventTypes: ['Counted'],
      documentIds: (event) => [(event.data as { counter: string }).counter],
      evolve: (document, _event, id) => ({ id, count: ((document?.count as number | undefined) ?? 0) + 1 }),
    },
  ],
};

const metadata = { correlationId: 'c', causationId: 'c' };
const count = (counter: string) => ({ id: randomUUID(), type: 'Counted', data: { counter }, metadata });
const other = () => ({ id: randomUUID(), type: 'Ignored', data: {}, metadata });

/** A memory read store that holds the rebuild's (generation 1) second commit until released. */
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

describe('a rebuild, visible while it runs', () => {
  let events: MemoryEventStore;
  let runner: ProjectionRunner | undefined;

  beforeEach(() => {
    events = new MemoryEventStore();
  });
  afterEach(async () => {
    await runner?.stop();
    runner = undefined;
  });

  it('given 50 events of its type among others, when rebuilt, then info shows the rebuild (done, total, started at) until it is swapped in', async () => {
    for (let index = 0; index < 50; index++) await events.appendToStream(`counter-${index % 5}`, [count(String(index % 5)), other()]);
    const readStore = new HeldRebuild();
    runner = new ProjectionRunner(counters, events, readStore, { decode: (event) => event, batchSize: 10 });
    await runner.start();
    assert.equal(await runner.waitFor(await events.headPosition(), 2000), true);
    assert.equal((await runner.info()).rebuild, null, 'no rebuild before one is asked for');

    const before = Date.now();
    const rebuilt = runner.rebuild();
    const asked = await runner.info();
    assert.equal(asked.status, 'rebuilding', 'it shows as soon as it is asked for');
    assert.ok(asked.rebuild);
    assert.ok(Date.parse(asked.rebuild.startedAt) >= before - 1000 && Date.parse(asked.rebuild.startedAt) <= Date.now());
    assert.equal(runner.rebuild(), rebuilt, 'asked again, it joins the running rebuild');

    await readStore.holding;
    try {
      const midway = await runner.info();
      assert.equal(midway.status, 'rebuilding');
      assert.equal(midway.rebuild?.eventsTotal, 50, 'the events of its type up to the head, the others not counted');
      assert.ok(midway.rebuild!.eventsDone >= 10 && midway.rebuild!.eventsDone < 50, `part done: ${JSON.stringify(midway.rebuild)}`);
      assert.equal(midway.rebuild?.startedAt, asked.rebuild.startedAt);
    } finally {
      readStore.release();
    }
    await rebuilt;
    const after = await runner.info();
    assert.equal(after.rebuild, null);
    assert.equal(after.status, 'live');
    assert.equal(await readStore.activeGeneration('counters'), 1);
  });

  it('given events appended while it runs, then eventsTotal is never below eventsDone', async () => {
    for (let index = 0; index < 20; index++) await events.appendToStream('counter-a', [count('a')]);
    const readStore = new HeldRebuild();
    runner = new ProjectionRunner(counters, events, readStore, { decode: (event) => event, batchSize: 5 });
    await runner.start();
    const rebuilt = runner.rebuild();
    await readStore.holding;
    for (let index = 0; index < 30; index++) await events.appendToStream('counter-a', [count('a')]);
    readStore.release();
    for (let look = 0; look < 200; look++) {
      const { rebuild } = await runner.info();
      if (rebuild === null) break;
      assert.ok(rebuild.eventsTotal >= rebuild.eventsDone, JSON.stringify(rebuild));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await rebuilt;
    assert.deepEqual(await readStore.get('counters', 'a'), { id: 'a', count: 50 });
  });

  it('given the runner stopped mid-way, then the rebuild is given up (RebuildAbandonedError) and shows no more', async () => {
    for (let index = 0; index < 50; index++) await events.appendToStream('counter-a', [count('a')]);
    const readStore = new HeldRebuild();
    runner = new ProjectionRunner(counters, events, readStore, { decode: (event) => event, batchSize: 10 });
    await runner.start();
    const rebuilt = runner.rebuild();
    await readStore.holding;
    const stopping = runner.stop();
    readStore.release();
    await stopping;
    await assert.rejects(rebuilt, RebuildAbandonedError);
    assert.equal((await runner.info()).rebuild, null);
    runner = undefined;
  });

  it('reports what the live generation commits, with the documents as they were, and nothing a rebuild replays until it is swapped in', async () => {
    const readStore = new MemoryReadStore();
    runner = new ProjectionRunner(counters, events, readStore, { decode: (event) => event });
    await runner.start();
    const heard: { counts: unknown[]; before: unknown[] }[] = [];
    runner.onLiveChanges((projection, changes, before: ReadonlyMap<string, StoredDocument>) => {
      assert.equal(projection, 'counters');
      heard.push({ counts: changes.map((change) => change.document?.count), before: [...before.values()].map((stored) => stored.document.count) });
    });
    let { position } = await events.appendToStream('counter-a', [count('a')]);
    assert.equal(await runner.waitFor(position, 2000), true);
    ({ position } = await events.appendToStream('counter-a', [count('a')]));
    assert.equal(await runner.waitFor(position, 2000), true);
    assert.deepEqual(heard, [
      { counts: [1], before: [] },
      { counts: [2], before: [1] },
    ]);
    heard.length = 0;
    await runner.rebuild();
    assert.deepEqual(heard, [], 'the rebuild replayed the past unheard');
    ({ position } = await events.appendToStream('counter-a', [count('a')]));
    assert.equal(await runner.waitFor(position, 2000), true);
    assert.deepEqual(heard, [{ counts: [3], before: [2] }], 'the swapped-in generation is heard');
  });
});

describe('npm run rebuild-projections (rebuildProjections)', () => {
  it('counts the events it read from $all as well as those it applied', async () => {
    const events = new MemoryEventStore();
    for (let index = 0; index < 10; index++) await events.appendToStream('counter-a', [count('a')]);
    for (let index = 0; index < 3; index++) await events.appendToStream(`elsewhere-${index}`, [other()]);
    const readStore = new MemoryReadStore();
    const progress: { done: number; read: number }[] = [];
    const result = await rebuildProjections([counters], events, readStore, {
      decode: (event) => event,
      batchSize: 4,
      onProgress: ({ done, read }) => progress.push({ done, read }),
    });
    assert.deepEqual(result, { events: 10, read: 13, head: await events.headPosition() });
    assert.deepEqual(progress.at(-1), { done: 10, read: 13 });
    assert.deepEqual(await readStore.get('counters', 'a'), { id: 'a', count: 10 });
    assert.equal(describeRebuild([counters], result, 0.25), `rebuilt 1 projection(s) (counters): read 13 event(s) of $all up to position ${result.head}, applied 10, in 0.3 s`);
  });
});

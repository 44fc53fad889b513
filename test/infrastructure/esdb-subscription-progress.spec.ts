import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AllSubscription, RecordedEvent } from '../../src/application/ports/event-store.js';
import { ProjectionWorker } from '../../src/projections/projection-worker.js';
import type { Projection } from '../../src/projections/projection.js';
import { MemoryReadStore } from '../../src/infrastructure/read-store/memory-read-store.js';
import type { CheckpointBehaviour } from '../support/esdb-double/filtered-all-subscription.js';
import { esdbStoreOnDouble, eventually, someEvents } from '../support/esdb-double/esdb-store-on-double.js';

/** Consumes in the background, as a projection would, noting every position the subscription reports. */
const watch = (subscription: AllSubscription) => {
  const received: RecordedEvent[] = [];
  const scanned = new Set<bigint>();
  let watching = true;
  const sampling = (async () => {
    while (watching) {
      if (subscription.scannedPosition !== undefined) scanned.add(subscription.scannedPosition);
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  const done = (async () => {
    for await (const event of subscription) received.push(event);
  })();
  return {
    received,
    scanned,
    async stop() {
      await subscription.close();
      await done;
      watching = false;
      await sampling;
    },
  };
};

const SERVERS: CheckpointBehaviour[] = ['24.10.0', '24.10.5', '25.0.0'];

describe('EsdbEventStore subscriptions on the client double: how far they have read', () => {
  for (const checkpoints of SERVERS) {
    describe(`on a ${checkpoints} server`, () => {
      const given = async () => {
        const { client, store } = esdbStoreOnDouble({ checkpoints });
        const idle: bigint[] = [];
        const subscription = store.subscribeToAll({ filter: { eventTypes: ['Wanted'] }, onIdle: (position) => void idle.push(position) });
        return { client, store, idle, subscription };
      };

      it('given 40 events the filter skips before subscribing, then scannedPosition and onIdle pass them once caught up', async () => {
        const { client, store } = esdbStoreOnDouble({ checkpoints });
        await store.appendToStream('wanted-1', someEvents(1, 'Wanted'));
        const skipped = await store.appendToStream('noise-1', someEvents(40));
        const idle: bigint[] = [];
        const subscription = store.subscribeToAll({ filter: { eventTypes: ['Wanted'] }, onIdle: (position) => void idle.push(position) });
        const watching = watch(subscription);
        try {
          await eventually(() => (subscription.scannedPosition ?? -1n) >= skipped.position, 'scannedPosition to pass the skipped events');
          await eventually(() => idle.some((position) => position >= skipped.position), 'onIdle past the skipped events');
          assert.equal(watching.received.length, 1);
        } finally {
          await watching.stop();
          await store.close();
        }
        assert.ok(client.recordsSent < 100, `a probe reads what the filter skipped, not $all again (${client.recordsSent} records)`);
      });

      it('given 40 events the filter skips appended while live, then scannedPosition passes them', async () => {
        const { store, subscription } = await given();
        const watching = watch(subscription);
        try {
          await store.appendToStream('wanted-1', someEvents(1, 'Wanted'));
          await eventually(() => watching.received.length === 1, 'the wanted event');
          const skipped = await store.appendToStream('noise-1', someEvents(40));
          await eventually(() => (subscription.scannedPosition ?? -1n) >= skipped.position, 'scannedPosition to pass the skipped events');
        } finally {
          await watching.stop();
          await store.close();
        }
      });

      it('given the newest event is one the filter skips, appended by another process, then onIdle reaches the head', async () => {
        const { client, store, idle, subscription } = await given();
        const watching = watch(subscription);
        try {
          await store.appendToStream('wanted-1', someEvents(1, 'Wanted'));
          await eventually(() => watching.received.length === 1, 'the wanted event');
          // Written by the client directly: no append through this store tells its subscriptions to look.
          await client.appendToStream('noise-1', [{ id: randomUUID(), type: 'Noise', contentType: 'application/json', data: {}, metadata: undefined }], { expectedRevision: 'any' });
          const head = await store.headPosition();
          await eventually(() => idle.some((position) => position >= head), 'onIdle at the head');
        } finally {
          await watching.stop();
          await store.close();
        }
      });

      it('given skipped events in catch-up and live, then every position reported is where a record starts, and a new subscription can start from it', async () => {
        const { client, store } = esdbStoreOnDouble({ checkpoints });
        await store.appendToStream('wanted-1', someEvents(1, 'Wanted'));
        await store.appendToStream('noise-1', someEvents(70));
        const idle: bigint[] = [];
        const subscription = store.subscribeToAll({ filter: { eventTypes: ['Wanted'] }, onIdle: (position) => void idle.push(position) });
        const watching = watch(subscription);
        let last: bigint;
        try {
          const live = await store.appendToStream('noise-2', someEvents(70));
          await eventually(() => (subscription.scannedPosition ?? -1n) >= live.position, 'scannedPosition to pass the live events');
          last = subscription.scannedPosition!;
        } finally {
          await watching.stop();
        }
        const reported = [...watching.scanned, ...idle];
        assert.ok(reported.length > 1);
        for (const position of reported) assert.ok(client.log.isRecordStart(position), `${position} is not where a record starts`);
        const resumed = store.subscribeToAll({ fromPosition: last, filter: { eventTypes: ['Wanted'] } });
        const next = watch(resumed);
        try {
          const wanted = await store.appendToStream('wanted-2', someEvents(1, 'Wanted'));
          await eventually(() => next.received.length === 1, 'the next wanted event, from the reported position');
          assert.equal(next.received[0]!.position, wanted.position);
        } finally {
          await next.stop();
          await store.close();
        }
      });
    });
  }

  it('given a subscription from the start over events it all skips, where 24.10.0 sends ulong.MaxValue as a checkpoint, then scannedPosition stays within the log', async () => {
    const { client, store } = esdbStoreOnDouble({ checkpoints: '24.10.0' });
    const skipped = await store.appendToStream('noise-1', someEvents(3));
    const subscription = store.subscribeToAll({ filter: { eventTypes: ['Wanted'] } });
    const watching = watch(subscription);
    try {
      await eventually(() => (subscription.scannedPosition ?? -1n) >= skipped.position, 'scannedPosition to pass the skipped events');
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      await watching.stop();
      await store.close();
    }
    for (const position of watching.scanned) assert.ok(position < client.log.endOfLog, `${position} is past the end of the log`);
  });

  it('given a projection whose newest event is of a type it does not handle, then its worker catches up with the head', async () => {
    const { store } = esdbStoreOnDouble();
    const projection: Projection = {
      name: 'wanted',
      collections: [{ name: 'wanted' }],
      documents: [{ collection: 'wanted', eventTypes: ['Wanted'], documentIds: (event) => [event.streamId], evolve: (_, event) => ({ id: event.streamId }) }],
    };
    const readStore = new MemoryReadStore();
    await readStore.define(projection.name, projection.collections);
    const worker = new ProjectionWorker(projection, { projection: projection.name, generation: 0 }, store, readStore, { decode: (event) => event });
    try {
      await store.appendToStream('wanted-1', someEvents(1, 'Wanted'));
      await store.appendToStream('noise-1', someEvents(3));
      await worker.start();
      assert.ok(await worker.processed.waitFor(await store.headPosition(), 2_000), 'caught up with the head');
    } finally {
      await worker.stop();
      await store.close();
    }
  });
});

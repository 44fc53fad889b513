import assert from 'node:assert/strict';
import type { RecordedEvent } from '../../src/application/ports/event-store.js';
import { esdbStoreOnDouble, someEvents, within } from '../support/esdb-double/esdb-store-on-double.js';

const collect = async (iterable: AsyncIterable<RecordedEvent>): Promise<RecordedEvent[]> => {
  const items: RecordedEvent[] = [];
  for await (const item of iterable) items.push(item);
  return items;
};

describe('EsdbEventStore filtered reads on the client double', () => {
  const given = async () => {
    const { client, store } = esdbStoreOnDouble();
    const wanted: string[] = [];
    for (let i = 0; i < 3; i++) {
      await store.appendToStream('noise-1', someEvents(400));
      const batch = someEvents(1, 'Wanted');
      wanted.push(batch[0]!.id);
      await store.appendToStream(`wanted-${i}`, batch);
    }
    return { client, store, wanted };
  };

  it('given 1,200 events of which 3 match, when reading forwards filtered, then the 3 come back and little else is downloaded', async () => {
    const { client, store, wanted } = await given();
    try {
      const before = client.recordsSent;
      const read = await within(collect(store.readAll({ filter: { eventTypes: ['Wanted'] } })), 'the filtered read');
      assert.deepEqual(read.map((event) => event.id), wanted);
      const downloaded = client.recordsSent - before;
      assert.ok(downloaded < 20, `${downloaded} records downloaded for 3 events`);
    } finally {
      await store.close();
    }
  });

  it('given a filtered read from a position, then the event there is included and the read ends at the head, however many events it skips', async () => {
    const { store, wanted } = await given();
    try {
      const [first] = await store.readStream('wanted-0');
      const read = await within(collect(store.readAll({ fromPosition: first!.position, filter: { streamPrefixes: ['wanted-'] } })), 'the filtered read');
      assert.deepEqual(read.map((event) => event.id), wanted);
      const none = await within(collect(store.readAll({ fromPosition: first!.position, filter: { eventTypes: ['Missing'] } })), 'a read that finds nothing');
      assert.deepEqual(none, []);
    } finally {
      await store.close();
    }
  });

  it('given events appended while a filtered read runs, then the read still ends', async () => {
    const { store, wanted } = await given();
    try {
      let appending = true;
      const appender = (async () => {
        while (appending) await store.appendToStream('wanted-late', someEvents(1, 'Wanted'));
      })();
      const read = await within(collect(store.readAll({ filter: { eventTypes: ['Wanted'] } })), 'the filtered read');
      appending = false;
      await appender;
      assert.deepEqual(read.slice(0, 3).map((event) => event.id), wanted);
    } finally {
      await store.close();
    }
  });
});

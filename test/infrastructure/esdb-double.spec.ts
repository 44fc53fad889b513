import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  type AllStreamSubscription,
  DeadlineExceededError,
  END,
  eventTypeFilter,
  FORWARDS,
  jsonEvent,
  type Position,
  START,
  streamNameFilter,
  UnknownError,
} from '@eventstore/db-client';
import { EsdbClientDouble, type EsdbClientDoubleOptions } from '../support/esdb-double/esdb-client-double.js';
import type { CheckpointBehaviour } from '../support/esdb-double/filtered-all-subscription.js';
import { prepareSizeOnDisk } from '../support/esdb-double/record-size.js';

/**
 * The double of the EventStoreDB client behaves as its sources say (each behaviour cites them in the double's code):
 * these cases pin the behaviours the adapter's specs rely on, so a change to the double that loses one shows here.
 */

const ULONG_MAX = 2n ** 64n - 1n;
const events = (count: number, type = 'Noise') => Array.from({ length: count }, (_, index) => jsonEvent({ id: randomUUID(), type, data: { index } }));

const collect = async <T>(iterable: AsyncIterable<T>): Promise<T[]> => {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
};

/** What a subscription call streams, in order, as the adapter would see it. */
const record = (open: (checkpointReached: (subscription: AllStreamSubscription, position: Position) => void) => AllStreamSubscription) => {
  const seen: string[] = [];
  const subscription = open((_, position) => void seen.push(`checkpoint ${position.commit}/${position.prepare}`));
  subscription.on('confirmation', () => seen.push('confirmation'));
  subscription.on('caughtUp', () => seen.push('caughtUp'));
  subscription.on('data', (resolved: { event?: { position: Position } }) => seen.push(`event ${resolved.event?.position.commit}`));
  return { seen, subscription };
};

const until = async (check: () => boolean, what: string): Promise<void> => {
  const deadline = Date.now() + 2_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
};

const double = (options: EsdbClientDoubleOptions = {}) => new EsdbClientDouble({ writeTimeoutMs: 50, ...options });

describe('EsdbClientDouble (a double of @eventstore/db-client 6.2.1 over EventStoreDB 24.10)', () => {
  describe('positions', () => {
    it('given appended events, then each position is the byte offset where the previous record ends', async () => {
      const client = double();
      const batch = events(3);
      await client.appendToStream('orders-1', batch, { expectedRevision: 'any' });
      const read = await collect(client.readAll({ fromPosition: START, direction: FORWARDS }));
      const positions = read.map((resolved) => resolved.event!.position.commit);
      assert.equal(read.length, 3, '$epoch-information is never shown in $all');
      for (let i = 1; i < positions.length; i++) {
        const previous = read[i - 1]!.event!;
        const size = prepareSizeOnDisk('orders-1', 'Noise', Buffer.from(JSON.stringify(previous.data)), new Uint8Array());
        assert.equal(positions[i], positions[i - 1]! + BigInt(size));
      }
      assert.ok(read.every((resolved) => resolved.commitPosition === resolved.event!.position.commit && resolved.event!.position.prepare === resolved.commitPosition));
    });

    it('given a position inside a record, then reading from it fails as on the server (UnknownError), and subscribing fails with INVALID_ARGUMENT after the confirmation', async () => {
      const client = double();
      const { position } = await client.appendToStream('orders-1', events(2), { expectedRevision: 'any' });
      const inside = { commit: position!.commit - 1n, prepare: position!.commit - 1n };
      await assert.rejects(collect(client.readAll({ fromPosition: inside })), (error: unknown) => error instanceof UnknownError && error.code === 2);
      const { seen, subscription } = record((checkpointReached) =>
        client.subscribeToAll({ fromPosition: inside, filter: streamNameFilter({ prefixes: ['orders-'], checkpointReached }) }),
      );
      const failed = new Promise<unknown>((resolve) => subscription.on('error', resolve));
      const error = await failed;
      assert.ok(error instanceof UnknownError && error.code === 3, `got ${String(error)}`);
      assert.deepEqual(seen, ['confirmation']);
    });
  });

  describe('appends', () => {
    it('given the same batch appended twice at once, then the second times out (IdempotentNotReady), and once indexed the same batch is answered idempotently', async () => {
      const client = double({ writeTimeoutMs: 30 });
      const batch = events(2);
      const [first, second] = await Promise.allSettled([
        client.appendToStream('orders-1', batch, { expectedRevision: 'no_stream' }),
        client.appendToStream('orders-1', batch, { expectedRevision: 'no_stream' }),
      ]);
      assert.equal(first.status, 'fulfilled');
      assert.ok(second.status === 'rejected' && second.reason instanceof DeadlineExceededError);
      const again = await client.appendToStream('orders-1', batch, { expectedRevision: 'no_stream' });
      assert.deepEqual(again, (first as PromiseFulfilledResult<unknown>).value);
      assert.equal((await collect(client.readStream('orders-1', {}))).length, 2);
    });
  });

  describe('subscription checkpoints', () => {
    /** One wanted event, then `skipped` events the filter leaves out, all before subscribing after the wanted one. */
    const catchUpOver = async (checkpoints: CheckpointBehaviour, skipped: number) => {
      const client = double({ checkpoints });
      const wanted = await client.appendToStream('wanted-1', events(1, 'Wanted'), { expectedRevision: 'any' });
      const noise = await client.appendToStream('noise-1', events(skipped), { expectedRevision: 'any' });
      const from = wanted.position!;
      const { seen, subscription } = record((checkpointReached) =>
        client.subscribeToAll({ fromPosition: from, filter: eventTypeFilter({ regex: '^Wanted$', checkpointReached }) }),
      );
      await until(() => seen.includes('caughtUp'), 'caught up');
      await subscription.unsubscribe();
      return { seen, from: from.commit, last: noise.position!.commit, end: client.log.endOfLog, client };
    };

    it('given 40 skipped events in catch-up on 24.10.0, then the only checkpoint is the page start it began from, far short of them', async () => {
      const { seen, from } = await catchUpOver('24.10.0', 40);
      assert.deepEqual(seen, ['confirmation', `checkpoint ${from}/${from}`, 'caughtUp']);
    });

    it('given 40 skipped events in catch-up on 24.10.5, then the last checkpoint is the start of the last page (the 33rd considered event, prepare 0)', async () => {
      const { seen, from, client } = await catchUpOver('24.10.5', 40);
      const read = await collect(client.readAll({ fromPosition: { commit: from, prepare: from } }));
      const lastPageStart = read[32]!.event!.position.commit;
      assert.deepEqual(seen, ['confirmation', `checkpoint ${from}/${from}`, `checkpoint ${lastPageStart}/0`, 'caughtUp']);
    });

    it('given a last catch-up page that is empty on 25.0.0, then the checkpoint is the end of the log, where no record is yet (KurrentDB#4970)', async () => {
      const { seen, from, end } = await catchUpOver('25.0.0', 31);
      assert.deepEqual(seen, ['confirmation', `checkpoint ${from}/${from}`, `checkpoint ${end}/0`, 'caughtUp']);
    });

    it('given a subscription from the start that matches nothing before its first interval on 24.10.0, then the checkpoint is ulong.MaxValue (KDB-710)', async () => {
      const client = double({ checkpoints: '24.10.0' });
      const { seen } = record((checkpointReached) => client.subscribeToAll({ fromPosition: START, filter: eventTypeFilter({ regex: '^Wanted$', checkpointReached }) }));
      await until(() => seen.includes('caughtUp'), 'caught up');
      assert.deepEqual(seen, ['confirmation', `checkpoint ${ULONG_MAX}/${ULONG_MAX}`, 'caughtUp']);
      await client.dispose();
    });

    it('given 40 events appended live that the filter skips, then one checkpoint comes, at the 32nd event’s own position', async () => {
      const client = double();
      const { seen } = record((checkpointReached) => client.subscribeToAll({ fromPosition: END, filter: eventTypeFilter({ regex: '^Wanted$', checkpointReached }) }));
      await until(() => seen.includes('caughtUp'), 'caught up');
      await client.appendToStream('noise-1', events(40), { expectedRevision: 'any' });
      const read = await collect(client.readStream('noise-1', {}));
      const thirtySecond = read[31]!.event!.position!.commit;
      await until(() => seen.length === 3, 'the live checkpoint');
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(seen, ['confirmation', 'caughtUp', `checkpoint ${thirtySecond}/${thirtySecond}`]);
      await client.dispose();
    });
  });

  describe('live subscriptions', () => {
    it('given a consumer that stops reading while 200 events are appended, then the server falls behind, catches up again and every event still comes once, in order', async () => {
      const client = double();
      const subscription = client.subscribeToAll({ fromPosition: END, filter: streamNameFilter({ prefixes: ['orders-'] }) });
      const caughtUp = new Promise((resolve) => subscription.once('caughtUp', resolve));
      subscription.resume();
      await caughtUp;
      // From here the consumer reads nothing until every event is appended.
      subscription.pause();
      const appended: string[] = [];
      for (let i = 0; i < 20; i++) {
        const batch = events(10, 'Placed');
        appended.push(...batch.map((e) => e.id));
        await client.appendToStream(`orders-${i}`, batch, { expectedRevision: 'any' });
      }
      const received: string[] = [];
      for await (const resolved of subscription) {
        received.push(resolved.event!.id);
        if (received.length === appended.length) break;
      }
      assert.deepEqual(received, appended);
      assert.ok(client.fallsBehind > 0, 'the server fell behind');
      await client.dispose();
    });
  });
});

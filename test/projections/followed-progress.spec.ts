import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { MemoryEventStore } from '../../src/infrastructure/event-store/memory-event-store.js';
import { CheckpointProgress } from '../../src/projections/checkpoint-progress.js';
import { projectionNamespace } from '../../src/infrastructure/redis/redis-projection-leases.js';
import type { ProgressChannel } from '../../src/projections/projection-lease.js';
import { pendingByDesign } from '../support/pending-by-design.js';
import { Rig, type RigProcess, STORE_KINDS } from '../support/projector-rig.js';

const redisUrl = process.env.REDIS_URL;

/** The channel as a process uses it, its looks at the latest position counted; `deaf` hears no message. */
class CountedChannel implements ProgressChannel {
  latestReads = 0;
  constructor(
    private readonly inner: ProgressChannel,
    private readonly deaf = false,
  ) {}
  publish(projection: string, position: bigint): void {
    this.inner.publish(projection, position);
  }
  latest(projection: string): Promise<bigint> {
    this.latestReads++;
    return this.inner.latest(projection);
  }
  subscribe(listener: (projection: string, position: bigint) => void, onGap: () => void): Promise<void> {
    return this.inner.subscribe(this.deaf ? () => undefined : listener, onGap);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** One event of the projection `readModel` reads (counters: Counted, tallies: Tallied); its position. */
const write = async (rig: Rig, readModel: 'counters' | 'tallies'): Promise<bigint> =>
  (
    await rig.events.appendToStream(`thing-${randomUUID()}`, [
      { id: randomUUID(), type: readModel === 'counters' ? 'Counted' : 'Tallied', data: { key: 'k' }, metadata: { correlationId: 'c', causationId: 'c' } },
    ])
  ).position;

for (const kind of STORE_KINDS) {
  const title = `read-your-writes across processes: an API role woken by the projector's progress over Redis (${kind.name})`;
  const notHere = redisUrl ? kind.notHere : { needs: 'REDIS_URL', reason: 'no Redis server: set REDIS_URL (CI starts redis-server) to run' };
  const pending = pendingByDesign(title, notHere);
  const test = (name: string, body: (rig: Rig) => Promise<void>) => {
    if (pending) return pending.add(name);
    it(name, async () => {
      const rig = new Rig(new MemoryEventStore(), kind.open(), redisUrl!);
      try {
        await body(rig);
      } finally {
        await rig.close();
      }
    });
  };
  /** An API role whose channel is counted (and deaf when asked). */
  const apiRole = async (rig: Rig, options: { deaf?: boolean; recheckEveryMs?: number } = {}): Promise<RigProcess & { channel: CountedChannel }> => {
    let counted: CountedChannel | undefined;
    const role = await rig.apiRole('api', {
      channel: (inner) => (counted = new CountedChannel(inner, options.deaf)),
      ...(options.recheckEveryMs === undefined ? {} : { follow: { recheckEveryMs: options.recheckEveryMs } }),
    });
    return { ...role, channel: counted! };
  };

  describe(title, function () {
    this.timeout(60_000);

    test('every write is seen at once, and where the read models stand is looked up once per read model, not once per wait', async (rig) => {
      const projector = await rig.projector('projector');
      await projector.supervisor.start();
      const api = await apiRole(rig);
      // Listening begins: one look at each read model.
      for (const readModel of ['counters', 'tallies'] as const) assert.equal(await api.supervisor.waitFor(readModel, await write(rig, readModel), 5000), true);
      const looks = () => api.store.checkpointReads + api.channel.latestReads;
      assert.ok(looks() <= 4, `${looks()} looks to begin with`);

      const before = looks();
      const waits = 30;
      for (let index = 0; index < waits; index++) {
        const readModel = index % 2 === 0 ? 'counters' : 'tallies';
        assert.equal(await api.supervisor.waitFor(readModel, await write(rig, readModel), 5000), true, `write ${index} seen`);
      }
      // No polling: what woke each wait was the projector's message. (A wait the messages did not end within the
      // recheck interval, a second, would look once more: allowed once.)
      assert.ok(looks() - before <= 2, `${looks() - before} looks for ${waits} waits`);

      // What the same waits cost by polling the checkpoints (API roles without Redis): a look per wait at least.
      const polling = new CheckpointProgress(api.store);
      const polled = api.store.checkpointReads;
      for (let index = 0; index < 10; index++) assert.equal(await polling.waitFor('counters', await write(rig, 'counters'), 5000), true);
      assert.ok(api.store.checkpointReads - polled >= 10, 'polling reads at every wait');
    });

    test('a lost message does not hold a wait for its whole timeout: while a caller waits, the read model is looked up again now and then', async (rig) => {
      const projector = await rig.projector('projector');
      await projector.supervisor.start();
      const api = await apiRole(rig, { deaf: true, recheckEveryMs: 200 });
      assert.equal(await api.supervisor.waitFor('counters', await write(rig, 'counters'), 5000), true, 'the first look sees it');
      const head = await rig.events.headPosition();
      // Waits for the next write, which it will not hear of.
      const waiting = api.supervisor.waitFor('counters', head + 1n, 3000);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(await write(rig, 'counters'), head + 1n);
      assert.equal(await waiting, true, 'seen by a recheck, well before the timeout');
    });

    test('after the connection that listens was cut, a caller still waiting is told by a fresh look, not by the recheck', async (rig) => {
      const projector = await rig.projector('projector');
      await projector.supervisor.start();
      const api = await apiRole(rig, { recheckEveryMs: 60_000 });
      assert.equal(await api.supervisor.waitFor('counters', await write(rig, 'counters'), 5000), true);
      const head = await rig.events.headPosition();
      const waiting = api.supervisor.waitFor('counters', head + 1n, 10_000);
      const admin = new Redis(redisUrl!);
      try {
        // The listening connection is dropped (ioredis reconnects and subscribes again); what is published meanwhile is lost.
        const name = `${projectionNamespace(await api.store.identity())}listener`;
        const clients = String(await admin.client('LIST')).split('\n');
        const listener = clients.find((line) => line.includes(` name=${name} `));
        assert.ok(listener, 'the listening connection is named after the read store');
        await admin.client('KILL', 'ID', /\bid=(\d+)/.exec(listener)![1]!);
        assert.equal(await write(rig, 'counters'), head + 1n);
        assert.equal(await waiting, true);
      } finally {
        admin.disconnect();
      }
    });

    test('a projector that holds no lease waits like an API role: woken by the holder', async (rig) => {
      const holder = await rig.projector('holder');
      await holder.supervisor.start();
      const standby = await rig.projector('standby');
      await standby.supervisor.start();
      assert.ok(!standby.supervisor.writes('counters'));
      await standby.supervisor.waitFor('counters', await write(rig, 'counters'), 5000);
      const reads = standby.store.checkpointReads;
      for (let index = 0; index < 10; index++) assert.equal(await standby.supervisor.waitFor('counters', await write(rig, 'counters'), 5000), true);
      assert.ok(standby.store.checkpointReads - reads <= 1, `${standby.store.checkpointReads - reads} checkpoint reads for 10 waits`);
    });
  });
}

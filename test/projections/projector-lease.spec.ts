import assert from 'node:assert/strict';
import { MemoryEventStore } from '../../src/infrastructure/event-store/memory-event-store.js';
import { MemoryReadStore } from '../../src/infrastructure/read-store/memory-read-store.js';
import { rebuildProjections } from '../../src/projections/rebuild-projections.js';
import { pendingByDesign } from '../support/pending-by-design.js';
import { appendSome, eventually, LEASE_MS, PROJECTIONS, RETRY_MS, Rig, type RigProcess, STORE_KINDS } from '../support/projector-rig.js';
import { dumpReadModels } from '../support/read-model-dump.js';

const redisUrl = process.env.REDIS_URL;
const NAMES = PROJECTIONS.map((projection) => projection.name);

/** The read models as a fresh rebuild from the same events makes them. */
const freshRebuild = async (rig: Rig) => {
  const fresh = new MemoryReadStore();
  await rebuildProjections(PROJECTIONS, rig.events, fresh, { decode: (event) => event });
  return dumpReadModels(fresh, PROJECTIONS);
};

/** The shared read store as a new connection reads it. */
const storedNow = async (rig: Rig) => {
  const store = await rig.shared.connect();
  try {
    return await dumpReadModels(store, PROJECTIONS);
  } finally {
    await store.close();
  }
};

const activeGeneration = async (rig: Rig, name: string): Promise<number> => {
  const store = await rig.shared.connect();
  try {
    return await store.activeGeneration(name);
  } finally {
    await store.close();
  }
};

/** Every projection has processed `position`, as `by` sees it (its own runners, or the holder's progress). */
const caughtUp = async (by: RigProcess, position: bigint): Promise<void> => {
  for (const name of NAMES) assert.equal(await by.supervisor.waitFor(name, position, 10_000), true, `${by.who} sees ${name} reach ${position}`);
};

/**
 * Projector a holds every lease, then, paused or cut off from Redis, believes each renewal succeeds while its leases
 * run out; b, started then, takes them.
 */
const leasesRunOutUnnoticed = async (rig: Rig) => {
  const a = await rig.projector('a');
  await a.supervisor.start();
  await caughtUp(a, await appendSome(rig.events, 20));
  a.leases!.mode = 'unaware';
  const b = await rig.projector('b');
  await b.supervisor.start();
  assert.ok(await eventually(() => NAMES.every((name) => b.supervisor.writes(name)), 10_000), 'b takes the expired leases');
  return { a, b };
};

for (const kind of STORE_KINDS) {
  const title = `projector leases with fencing: two projectors over Redis and one read store (${kind.name})`;
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

  describe(title, function () {
    this.timeout(60_000);

    test('each projection is written by exactly one projector; both name the same holder; the read models equal a fresh rebuild', async (rig) => {
      await appendSome(rig.events, 20);
      const a = await rig.projector('a');
      const b = await rig.projector('b');
      await Promise.all([a.supervisor.start(), b.supervisor.start()]);
      const last = await appendSome(rig.events, 40);
      await caughtUp(a, last);
      await caughtUp(b, last);

      for (const name of NAMES) {
        assert.equal(rig.log.writers(name).size, 1, `${name} written by ${[...rig.log.writers(name)].join(' and ')}`);
        assert.notEqual(a.supervisor.writes(name), b.supervisor.writes(name), `${name}: one of them writes it`);
      }
      const [seenByA, seenByB] = [await a.supervisor.info(), await b.supervisor.info()];
      for (const name of NAMES) {
        const [atA, atB] = [seenByA.find((info) => info.name === name)!, seenByB.find((info) => info.name === name)!];
        assert.ok(atA.lease && atB.lease, 'with leases, every projection shows its lease');
        assert.equal(atA.lease.here, a.supervisor.writes(name));
        assert.equal(atB.lease.here, b.supervisor.writes(name));
        assert.equal(atA.lease.holder, atB.lease.holder, `${name}: both name one holder`);
        assert.equal(atA.lease.holder, (a.supervisor.writes(name) ? a : b).leases!.holderId);
      }
      assert.deepEqual(await storedNow(rig), await freshRebuild(rig));
    });

    test('the holder is killed (stops renewing, never releases): the other takes over within the lease time, and the read models equal a fresh rebuild', async (rig) => {
      const a = await rig.projector('a');
      await a.supervisor.start();
      const b = await rig.projector('b');
      await b.supervisor.start();
      for (const name of NAMES) assert.ok(a.supervisor.writes(name) && !b.supervisor.writes(name), `a, started first, holds ${name}`);
      await caughtUp(b, await appendSome(rig.events, 30));

      // Killed in the middle of a burst: it calls Redis no more and gives nothing up; its work stops.
      const burst = appendSome(rig.events, 60);
      a.leases!.mode = 'dead';
      await a.supervisor.stop();
      const killedAt = Date.now();
      assert.ok(await eventually(() => NAMES.every((name) => b.supervisor.writes(name)), 10_000), 'b takes over');
      const tookOver = Date.now() - killedAt;
      assert.ok(tookOver <= LEASE_MS + RETRY_MS + 750, `b took over ${tookOver} ms after the kill (lease ${LEASE_MS} ms, retry ${RETRY_MS} ms)`);

      const last = await appendSome(rig.events, 30);
      await burst;
      await caughtUp(b, last);
      for (const name of NAMES) assert.ok(rig.log.commits('b', name).length > 0, `b wrote ${name}`);
      assert.deepEqual(await storedNow(rig), await freshRebuild(rig));
    });

    test('a holder whose lease ran out without it noticing cannot write: the read store refuses its commits, and it stops', async (rig) => {
      const { a, b } = await leasesRunOutUnnoticed(rig);
      assert.ok(NAMES.every((name) => a.supervisor.writes(name)), 'a still believes it writes');

      // a's runners still follow the events and try to commit them.
      const last = await appendSome(rig.events, 30);
      assert.ok(await eventually(() => NAMES.every((name) => !a.supervisor.writes(name)), 10_000), 'a stops once a commit is refused');
      for (const name of NAMES) {
        const claimedByB = rig.log.entries.find((entry) => entry.who === 'b' && entry.what === 'claim' && entry.projection === name && entry.outcome === 'ok')!;
        const afterClaim = rig.log.entries.filter((entry) => entry.who === 'a' && entry.what === 'commit' && entry.projection === name && entry.startedAt > claimedByB.seq);
        assert.ok(afterClaim.length > 0, `a tried to commit ${name} after b claimed it`);
        assert.deepEqual(new Set(afterClaim.map((entry) => entry.outcome)), new Set(['refused']), `every commit of ${name} a began after b's claim was refused`);
        assert.ok(afterClaim.every((entry) => entry.fence! < claimedByB.fence!));
      }
      await caughtUp(b, last);
      assert.deepEqual(await storedNow(rig), await freshRebuild(rig));
    });

    test('a caller waiting on the holder when it loses its lease is answered from the new holder’s progress, not left waiting', async (rig) => {
      const { a } = await leasesRunOutUnnoticed(rig);
      const next = (await rig.events.headPosition()) + 30n;
      const waits = NAMES.map((name) => a.supervisor.waitFor(name, next, 10_000));
      assert.equal(await appendSome(rig.events, 30), next);
      assert.ok(await eventually(() => NAMES.every((name) => !a.supervisor.writes(name)), 10_000), 'a stops once a commit is refused');
      assert.deepEqual(await Promise.all(waits), NAMES.map(() => true));
    });

    test('a rebuild asked of the projector that does not hold the lease is handed over: the holder rebuilds, nobody else writes', async (rig) => {
      const a = await rig.projector('a');
      await a.supervisor.start();
      const b = await rig.projector('b');
      await b.supervisor.start();
      await caughtUp(b, await appendSome(rig.events, 40));

      const asked = await b.supervisor.rebuild('counters');
      assert.equal(asked.swapped, undefined, 'b hands it over');
      assert.ok(await eventually(async () => (await activeGeneration(rig, 'counters')) === 1), 'a swaps a rebuilt generation in');
      assert.deepEqual([...rig.log.writers('counters')], ['a']);
      assert.ok(rig.log.commits('a', 'counters').some((entry) => entry.generation === 1), 'a filled generation 1');
      const last = await appendSome(rig.events, 10);
      await caughtUp(b, last);
      assert.ok(await eventually(async () => (await b.supervisor.infoOf('counters')).rebuild === null), 'the rebuild is over, as b shows it');
      assert.deepEqual(await storedNow(rig), await freshRebuild(rig));
    });
  });
}

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { SqliteChargeLedger } from '../../src/infrastructure/payment-gateway/simulator/sqlite-charge-ledger.js';
import { SqliteReadStore } from '../../src/infrastructure/read-store/sqlite-read-store.js';

const appendMany = async (store: SqliteEventStore, count: number) => {
  const event = () => ({ id: randomUUID(), type: 'Counted', data: { pad: 'x'.repeat(200) }, metadata: { correlationId: 'c', causationId: 'c' } });
  await Promise.all(Array.from({ length: count }, (_, i) => store.appendToStream(`counter-${i}`, [event()])));
};

/** Waits until `condition` holds (a busy machine only makes this slower), failing after a generous `timeoutMs`. */
const waitUntil = async (condition: () => boolean, what: () => string, timeoutMs = 20_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`not within ${timeoutMs} ms: ${what()}`);
    await sleep(20);
  }
};

describe('SQLite event store WAL checkpoints', () => {
  let dir: string;
  let file: string;
  const bytesOf = (path: string) => statSync(path).size;
  const databaseBytes = () => bytesOf(file);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ledgerflow-checkpoints-'));
    file = join(dir, 'events.sqlite');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('given appends, then a background worker copies them from the WAL into the database file, with no commit doing it', async () => {
    const store = new SqliteEventStore(file);
    try {
      const before = databaseBytes();
      await appendMany(store, 2000);
      await waitUntil(
        () => databaseBytes() > before + 256 * 1024,
        () => `the database file grew from ${before} to ${databaseBytes()} bytes only`,
      );
    } finally {
      await store.close();
    }
  });

  it('given background checkpoints turned off, then appends below the automatic threshold stay in the WAL', async () => {
    // No fixed sleep: a store with background checkpoints, written beside it, is the clock. Once its worker has
    // checkpointed twice after the appends (so a whole interval has passed), a worker of this store would have too.
    const store = new SqliteEventStore(file, { backgroundCheckpoints: false });
    const controlFile = join(dir, 'control.sqlite');
    const control = new SqliteEventStore(controlFile);
    try {
      const before = databaseBytes();
      let controlBefore = bytesOf(controlFile);
      await Promise.all([appendMany(store, 2000), appendMany(control, 2000)]);
      for (let round = 1; round <= 2; round++) {
        await waitUntil(
          () => bytesOf(controlFile) > controlBefore + 256 * 1024,
          () => `the control store's worker checkpointed (round ${round}): ${bytesOf(controlFile)} bytes`,
        );
        controlBefore = bytesOf(controlFile);
        if (round === 1) await appendMany(control, 2000);
      }
      assert.ok(databaseBytes() < before + 64 * 1024, `database file stayed at ${databaseBytes()} bytes`);
    } finally {
      await Promise.all([store.close(), control.close()]);
    }
  });
});

describe('SQLite read models and charge ledger WAL checkpoints', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ledgerflow-checkpoints-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Below SQLite's automatic threshold (1000 pages), so only a background worker moves the commits into the file. */
  const copiedByAWorker = async (file: string, write: () => Promise<void>, growth: number) => {
    const before = statSync(file).size;
    await write();
    await waitUntil(
      () => statSync(file).size > before + growth,
      () => `the database file grew from ${before} to ${statSync(file).size} bytes only`,
    );
  };

  it('given read-model commits, then a background worker copies them from the WAL into the database file', async () => {
    const file = join(dir, 'read-models.sqlite');
    const store = new SqliteReadStore(file);
    try {
      await store.define('catalog', [{ name: 'products', indexes: [] }]);
      await copiedByAWorker(file, async () => {
        for (let batch = 0; batch < 10; batch++) {
          const changes = Array.from({ length: 50 }, (_, i) => ({ collection: 'products', id: `p-${batch}-${i}`, document: { id: `p-${batch}-${i}`, pad: 'x'.repeat(500) }, position: BigInt(batch + 1) }));
          await store.commit({ projection: 'catalog', generation: 0 }, changes, BigInt(batch + 1));
        }
      }, 128 * 1024);
    } finally {
      await store.close();
    }
  });

  it('given a read store of the saga thread (another connection checkpoints the file), then it starts no worker of its own', async () => {
    const file = join(dir, 'read-models.sqlite');
    const store = new SqliteReadStore(file, 'NORMAL', { checkpointedByAnother: true });
    try {
      await store.define('catalog', [{ name: 'products', indexes: [] }]);
      const before = statSync(file).size;
      const changes = Array.from({ length: 500 }, (_, i) => ({ collection: 'products', id: `p-${i}`, document: { id: `p-${i}`, pad: 'x'.repeat(500) }, position: 1n }));
      await store.commit({ projection: 'catalog', generation: 0 }, changes, 1n);
      await sleep(1000);
      assert.equal(statSync(file).size, before, 'nothing checkpointed the WAL into the file');
    } finally {
      await store.close();
    }
  });

  it('given charges, then a background worker copies them from the WAL into the ledger file', async () => {
    const file = join(dir, 'payments.sqlite');
    const ledger = new SqliteChargeLedger(file);
    try {
      // A commit per charge writes a few pages to the WAL: 100 of them stay below the automatic threshold.
      await copiedByAWorker(file, async () => {
        for (let i = 0; i < 100; i++) ledger.atomically(() => ledger.addCharge({ id: `ch_${i}`, orderId: `order-${i}-${'x'.repeat(1000)}`, amount: 100, currency: 'EUR' }));
      }, 64 * 1024);
    } finally {
      await ledger.close();
    }
  });
});

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';

const appendMany = async (store: SqliteEventStore, count: number) => {
  const event = () => ({ id: randomUUID(), type: 'Counted', data: { pad: 'x'.repeat(200) }, metadata: { correlationId: 'c', causationId: 'c' } });
  await Promise.all(Array.from({ length: count }, (_, i) => store.appendToStream(`counter-${i}`, [event()])));
};

describe('SQLite event store WAL checkpoints', () => {
  let dir: string;
  let file: string;
  const databaseBytes = () => statSync(file).size;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ledgerflow-checkpoints-'));
    file = join(dir, 'events.sqlite');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('given appends, then a background worker copies them from the WAL into the database file, with no commit doing it', async () => {
    const store = new SqliteEventStore(file);
    const before = databaseBytes();
    await appendMany(store, 2000);
    await sleep(800);
    assert.ok(databaseBytes() > before + 256 * 1024, `database file grew from ${before} to ${databaseBytes()} bytes`);
    await store.close();
  });

  it('given background checkpoints turned off, then appends below the automatic threshold stay in the WAL', async () => {
    const store = new SqliteEventStore(file, { backgroundCheckpoints: false });
    const before = databaseBytes();
    await appendMany(store, 2000);
    await sleep(800);
    assert.ok(databaseBytes() < before + 64 * 1024, `database file stayed at ${databaseBytes()} bytes`);
    await store.close();
  });
});

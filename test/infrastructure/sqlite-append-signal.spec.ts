import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordedEvent } from '../../src/application/ports/event-store.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { moduleWorker } from '../../src/infrastructure/process/module-worker.js';

describe('SqliteEventStore: appends by another thread of the process', () => {
  let dir: string;
  let store: SqliteEventStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ledgerflow-append-signal-'));
    // Polls once a minute: an event seen sooner was announced.
    store = new SqliteEventStore(join(dir, 'events.sqlite'), { pollMs: 60_000, backgroundCheckpoints: false });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('wake this thread’s subscriptions at once, not at their next poll', async () => {
    const subscription = store.subscribeToAll();
    const iterator = subscription[Symbol.asyncIterator]();
    const first = iterator.next();
    // The subscription has scanned the empty store and waits.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const eventId = randomUUID();
    const worker = moduleWorker(new URL('../support/append-in-thread.ts', import.meta.url), { workerData: { file: join(dir, 'events.sqlite'), eventId } });
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    const seen = await Promise.race([first, new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), 5_000))]);
    await exited;
    await subscription.close();
    assert.notEqual(seen, 'late', 'the subscription waited for its poll');
    assert.equal(((seen as IteratorResult<RecordedEvent>).value as RecordedEvent).id, eventId);
  });
});

import Database from 'better-sqlite3';
import type { EventData } from '../../src/application/ports/event-store.js';
import { WAL_AUTOCHECKPOINT_PAGES } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { openSqlite, type SqliteSynchronous } from '../../src/infrastructure/sqlite/open-sqlite.js';
import { type IdScheme, makeEvent, streamName } from './workload.js';

/**
 * The ceiling for SqliteEventStore: the same schema, pragmas (openSqlite's, and the adapter's WAL checkpoint interval)
 * and statements (a write transaction taken up front, `SELECT max(revision)` checked against the expected revision,
 * then one INSERT per event), called directly and synchronously, with numbers instead of bigints and no objects built
 * on read beyond the parsed JSON.
 */
export const RAW_SCHEMA = `
  CREATE TABLE IF NOT EXISTS events (
    position    INTEGER PRIMARY KEY,
    stream_id   TEXT    NOT NULL,
    revision    INTEGER NOT NULL,
    event_id    TEXT    NOT NULL UNIQUE,
    type        TEXT    NOT NULL,
    data        TEXT    NOT NULL,
    metadata    TEXT    NOT NULL,
    recorded_at INTEGER NOT NULL,
    UNIQUE (stream_id, revision)
  );
`;

export type RawRow = [position: number, streamId: string, revision: number, id: string, type: string, data: string, metadata: string, recordedAt: number];

export class RawSqlite {
  readonly db: Database.Database;
  private readonly lastRevision: Database.Statement;
  private readonly insert: Database.Statement;
  private readonly scan: Database.Statement;
  private readonly tx: Database.Transaction<(stream: string, events: readonly EventData[], expected: number | null) => number>;

  constructor(file: string, synchronous: SqliteSynchronous) {
    this.db = openSqlite(file, synchronous);
    this.db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
    this.db.exec(RAW_SCHEMA);
    this.lastRevision = this.db.prepare('SELECT max(revision) FROM events WHERE stream_id = ?').pluck();
    this.insert = this.db.prepare(
      'INSERT INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.scan = this.db
      .prepare('SELECT position, stream_id, revision, event_id, type, data, metadata, recorded_at FROM events ORDER BY position')
      .raw();
    this.tx = this.db.transaction((stream: string, events: readonly EventData[], expected: number | null): number => {
      const last = this.lastRevision.get(stream) as number | null;
      if (last !== expected) throw new Error(`stream ${stream}: expected revision ${expected}, actual ${last}`);
      let revision = last ?? -1;
      const recordedAt = Date.now();
      for (const event of events) {
        this.insert.run(stream, ++revision, event.id, event.type, JSON.stringify(event.data), JSON.stringify(event.metadata), recordedAt);
      }
      return revision;
    });
  }

  /** Appends with an exact expected revision (null: the stream must not exist); returns the new last revision. */
  append(stream: string, events: readonly EventData[], expected: number | null): number {
    return this.tx.immediate(stream, events, expected);
  }

  /** Visits every event in position order with its data and metadata parsed; returns how many. */
  scanAll(visit: (data: unknown, metadata: unknown, row: RawRow) => void): number {
    let count = 0;
    for (const row of this.scan.iterate() as IterableIterator<RawRow>) {
      visit(JSON.parse(row[5]), JSON.parse(row[6]), row);
      count++;
    }
    return count;
  }

  close(): void {
    this.db.close();
  }
}

/**
 * Writes the readAll dataset: `count` events in appends of `batchSize`, round-robin over `streams` streams, as fast as
 * SQLite takes them (one transaction, no journal, a page cache that holds the whole event_id index), then switches
 * the file to WAL as the adapters use it. Setup, not a measurement.
 */
export const buildReadDataset = (file: string, count: number, streams: number, batchSize: number, ids: IdScheme): void => {
  const db = new Database(file);
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -1048576');
  db.exec(RAW_SCHEMA);
  const insert = db.prepare(
    'INSERT INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const revisions = new Int32Array(streams).fill(-1);
  db.transaction(() => {
    const recordedAt = Date.now();
    for (let seq = 0, append = 0; seq < count; append++) {
      const s = append % streams;
      const stream = streamName(s);
      for (let i = 0; i < batchSize && seq < count; i++, seq++) {
        const event = makeEvent(seq, stream, ids);
        insert.run(stream, ++revisions[s]!, event.id, event.type, JSON.stringify(event.data), JSON.stringify(event.metadata), recordedAt);
      }
    }
  })();
  db.pragma('journal_mode = WAL');
  db.close();
};

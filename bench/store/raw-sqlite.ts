import Database from 'better-sqlite3';
import type { EventData } from '../../src/application/ports/event-store.js';
import { READ_PAGE, ROW_JSON, WAL_AUTOCHECKPOINT_BACKSTOP_PAGES } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { type BackgroundCheckpointer, startBackgroundCheckpointer } from '../../src/infrastructure/sqlite/background-checkpointer.js';
import { openSqlite, type SqliteSynchronous } from '../../src/infrastructure/sqlite/open-sqlite.js';
import { type IdScheme, makeEvent, streamName } from './workload.js';

/**
 * The ceiling for SqliteEventStore: the same work in SQLite, called directly and synchronously, without the adapter's
 * promises, bigints and event objects. The same schema and pragmas (openSqlite's); the same WAL checkpointing (a
 * worker thread, SqliteEventStore's backstop for commits); the same append statements (a write transaction taken up
 * front, each append in a savepoint of its own as the adapter's group commit runs it, `SELECT max(revision)` checked
 * against the expected revision, one INSERT per event); the same reads (the adapter's page query, READ_PAGE rows at a
 * time, each row one JSON text parsed once).
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

/** A row as the page query returns it, once parsed. */
export type RawRow = [position: number, streamId: string, revision: number, id: string, type: string, data: unknown, metadata: unknown, recordedAt: number];

export class RawSqlite {
  readonly db: Database.Database;
  private readonly checkpointer: BackgroundCheckpointer;
  private readonly lastRevision: Database.Statement;
  private readonly insert: Database.Statement;
  private readonly page: Database.Statement;
  private readonly group: Database.Transaction<(stream: string, events: readonly EventData[], expected: number | null) => number>;

  constructor(file: string, synchronous: SqliteSynchronous) {
    this.db = openSqlite(file, synchronous);
    this.db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_BACKSTOP_PAGES}`);
    this.checkpointer = startBackgroundCheckpointer(file);
    this.db.exec(RAW_SCHEMA);
    this.lastRevision = this.db.prepare('SELECT max(revision) FROM events WHERE stream_id = ?').pluck();
    this.insert = this.db.prepare(
      'INSERT INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.page = this.db.prepare(`SELECT ${ROW_JSON} FROM events WHERE position > ? ORDER BY position ASC LIMIT ?`).pluck();
    const append = this.db.transaction((stream: string, events: readonly EventData[], expected: number | null): number => {
      const last = this.lastRevision.get(stream) as number | null;
      if (last !== expected) throw new Error(`stream ${stream}: expected revision ${expected}, actual ${last}`);
      let revision = last ?? -1;
      const recordedAt = Date.now();
      for (const event of events) {
        this.insert.run(stream, ++revision, event.id, event.type, JSON.stringify(event.data), JSON.stringify(event.metadata), recordedAt);
      }
      return revision;
    });
    // The adapter commits a group of appends in one transaction, each append in a savepoint (a nested transaction).
    this.group = this.db.transaction((stream: string, events: readonly EventData[], expected: number | null): number => append(stream, events, expected));
  }

  /** Appends with an exact expected revision (null: the stream must not exist); returns the new last revision. */
  append(stream: string, events: readonly EventData[], expected: number | null): number {
    return this.group.immediate(stream, events, expected);
  }

  /** Visits every event in position order, a page at a time, each row parsed once; returns how many. */
  scanAll(visit: (row: RawRow) => void): number {
    let count = 0;
    let after = 0;
    for (;;) {
      const rows = this.page.all(after, READ_PAGE) as string[];
      for (const text of rows) {
        const row = JSON.parse(text) as RawRow;
        visit(row);
        after = row[0];
      }
      count += rows.length;
      if (rows.length < READ_PAGE) return count;
    }
  }

  async close(): Promise<void> {
    this.db.close();
    await this.checkpointer.stop();
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

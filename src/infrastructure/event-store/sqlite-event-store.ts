import Database from 'better-sqlite3';
import type {
  AllFilter,
  AllSubscription,
  AppendOptions,
  AppendResult,
  EventData,
  EventStore,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeToAllOptions,
} from '../../application/ports/event-store.js';
import { WrongExpectedVersionError } from '../../application/ports/event-store.js';
import { AppendSignal } from './append-signal.js';
import { catchUpSubscription, type ScanResult } from './catch-up-subscription.js';
import { assertExpectedRevision, isRepeatOfStoredBatch } from './expected-revision.js';
import { openSqlite, type SqliteSynchronous } from '../sqlite/open-sqlite.js';

type Row = [position: number, streamId: string, revision: number, id: string, type: string, data: string, metadata: string, recordedAt: number];

const SCHEMA = `
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
const COLUMNS = 'position, stream_id, revision, event_id, type, data, metadata, recorded_at';
const PAGE = 1000;

export interface SqliteEventStoreOptions {
  synchronous?: SqliteSynchronous;
  /** How often an idle subscription looks for appends made by other processes. */
  pollMs?: number;
}

const toEvent = (row: Row): RecordedEvent => ({
  position: BigInt(row[0]),
  streamId: row[1],
  revision: BigInt(row[2]),
  id: row[3],
  type: row[4],
  data: JSON.parse(row[5]),
  metadata: JSON.parse(row[6]),
  recordedAt: new Date(row[7]),
});

const filterSql = (filter: AllFilter | undefined): { sql: string; params: string[] } => {
  const clauses: string[] = [];
  const params: string[] = [];
  if (filter?.eventTypes) {
    clauses.push(`type IN (${filter.eventTypes.map(() => '?').join(', ') || 'NULL'})`);
    params.push(...filter.eventTypes);
  }
  if (filter?.streamPrefixes) {
    const prefixes = filter.streamPrefixes.map(() => 'substr(stream_id, 1, length(?)) = ?');
    clauses.push(`(${prefixes.join(' OR ') || '0'})`);
    for (const prefix of filter.streamPrefixes) params.push(prefix, prefix);
  }
  return { sql: clauses.map((clause) => ` AND ${clause}`).join(''), params };
};

/** The embedded event store: one SQLite file in WAL mode; appends take the write lock up front. */
export class SqliteEventStore implements EventStore {
  private readonly db: Database.Database;
  private readonly signal = new AppendSignal();
  private readonly pollMs: number;
  private readonly statements;
  private readonly appendBatch;
  private readonly filtered = new Map<string, Database.Statement>();

  constructor(file: string, options: SqliteEventStoreOptions = {}) {
    this.db = openSqlite(file, options.synchronous ?? 'NORMAL');
    this.db.exec(SCHEMA);
    this.pollMs = options.pollMs ?? 250;
    this.statements = {
      lastRevision: this.db.prepare('SELECT max(revision) FROM events WHERE stream_id = ?').pluck(),
      insert: this.db.prepare(
        'INSERT INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      byId: this.db.prepare(`SELECT ${COLUMNS} FROM events WHERE event_id = ?`).raw(),
      head: this.db.prepare('SELECT coalesce(max(position), 0) FROM events').pluck(),
      streamForwards: this.db
        .prepare(`SELECT ${COLUMNS} FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision LIMIT ?`)
        .raw(),
      streamBackwards: this.db
        .prepare(`SELECT ${COLUMNS} FROM events WHERE stream_id = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`)
        .raw(),
    };
    this.appendBatch = this.db.transaction((stream: string, events: readonly EventData[], expected: ExpectedRevision) => {
      const last = this.statements.lastRevision.get(stream) as number | null;
      assertExpectedRevision(stream, expected, last === null ? undefined : BigInt(last));
      let revision = last ?? -1;
      let position = 0;
      const recordedAt = Date.now();
      for (const event of events) {
        revision++;
        position = Number(
          this.statements.insert.run(
            stream,
            revision,
            event.id,
            event.type,
            JSON.stringify(event.data),
            JSON.stringify(event.metadata),
            recordedAt,
          ).lastInsertRowid,
        );
      }
      return { nextExpectedRevision: BigInt(revision), position: BigInt(position) };
    });
  }

  async appendToStream(stream: string, events: readonly EventData[], options: AppendOptions = {}): Promise<AppendResult> {
    const expected = options.expectedRevision ?? 'any';
    try {
      const result = this.appendBatch.immediate(stream, events, expected);
      if (events.length > 0) this.signal.notify();
      return result;
    } catch (error) {
      const repeat = this.repeatedBatch(stream, events, expected, error);
      if (repeat) return repeat;
      throw error;
    }
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const max = options.maxCount ?? -1;
    const rows =
      options.direction === 'backwards'
        ? this.statements.streamBackwards.all(stream, options.fromRevision ?? Number.MAX_SAFE_INTEGER, max)
        : this.statements.streamForwards.all(stream, options.fromRevision ?? 0, max);
    return (rows as Row[]).map(toEvent);
  }

  async *readAll(options: ReadAllOptions = {}): AsyncGenerator<RecordedEvent> {
    const backwards = options.direction === 'backwards';
    const statement = this.filteredStatement(options.filter, backwards ? '<' : '>', backwards ? 'DESC' : 'ASC');
    const { params } = filterSql(options.filter);
    let remaining = options.maxCount ?? Number.POSITIVE_INFINITY;
    let cursor = options.fromPosition === undefined ? (backwards ? Number.MAX_SAFE_INTEGER : 0) : Number(options.fromPosition) + (backwards ? 1 : -1);
    while (remaining > 0) {
      const rows = statement.all(cursor, ...params, Math.min(PAGE, remaining)) as Row[];
      for (const row of rows) yield toEvent(row);
      if (rows.length < PAGE) return;
      remaining -= rows.length;
      cursor = rows[rows.length - 1]![0];
    }
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): AllSubscription {
    return catchUpSubscription((after, limit, filter) => this.scanAfter(after, limit, filter), this.signal, {
      ...options,
      pollMs: this.pollMs,
    });
  }

  async headPosition(): Promise<bigint> {
    return BigInt(this.statements.head.get() as number);
  }

  async close(): Promise<void> {
    this.signal.releaseAll();
    if (this.db.open) this.db.close();
  }

  private scanAfter(after: bigint, limit: number, filter: AllFilter | undefined): ScanResult {
    const head = this.statements.head.get() as number;
    if (head <= Number(after)) return { events: [], scannedTo: undefined };
    const { params } = filterSql(filter);
    const rows = this.filteredStatement(filter, '>', 'ASC', true).all(Number(after), head, ...params, limit) as Row[];
    const scannedTo = rows.length === limit ? BigInt(rows[rows.length - 1]![0]) : BigInt(head);
    return { events: rows.map(toEvent), scannedTo };
  }

  private filteredStatement(filter: AllFilter | undefined, comparison: '<' | '>', order: 'ASC' | 'DESC', bounded = false): Database.Statement {
    const { sql } = filterSql(filter);
    const where = `position ${comparison} ?${bounded ? ' AND position <= ?' : ''}${sql}`;
    const text = `SELECT ${COLUMNS} FROM events WHERE ${where} ORDER BY position ${order} LIMIT ?`;
    let statement = this.filtered.get(text);
    if (!statement) {
      statement = this.db.prepare(text).raw();
      this.filtered.set(text, statement);
    }
    return statement;
  }

  private repeatedBatch(stream: string, events: readonly EventData[], expected: ExpectedRevision, error: unknown): AppendResult | undefined {
    const duplicateId = error instanceof Database.SqliteError && error.message.includes('events.event_id');
    if (!(error instanceof WrongExpectedVersionError) && !duplicateId) return undefined;
    const stored = events.flatMap((event) => {
      const row = this.statements.byId.get(event.id) as Row | undefined;
      return row ? [toEvent(row)] : [];
    });
    if (!isRepeatOfStoredBatch(stream, events.map((e) => e.id), expected, stored)) {
      if (duplicateId) throw new WrongExpectedVersionError(stream, expected, BigInt((this.statements.lastRevision.get(stream) as number | null) ?? -1));
      return undefined;
    }
    const last = stored[stored.length - 1]!;
    return { nextExpectedRevision: last.revision, position: last.position };
  }
}

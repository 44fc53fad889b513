import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import type {
  AllFilter,
  AllSubscription,
  AppendOptions,
  AppendResult,
  EventData,
  EventMetadata,
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
import { type BackgroundCheckpointer, type CheckpointChoices, checkpointInBackground, WAL_AUTOCHECKPOINT_BACKSTOP_PAGES } from '../sqlite/background-checkpointer.js';
import { openSqlite, type SqliteSynchronous } from '../sqlite/open-sqlite.js';
import { sqliteStoreId } from './sqlite-store-id.js';

/** A row as `ROW_JSON` returns it, once parsed: data and metadata come out of the same JSON.parse. */
type Row = [position: number, streamId: string, revision: number, id: string, type: string, data: unknown, metadata: EventMetadata, recordedAt: number];

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
/**
 * Reads return each row as one JSON array text, with the stored data and metadata spliced in as they are
 * (both are JSON.stringify output): one string per row to cross into JS and one JSON.parse, instead of eight
 * columns and two parses: about 10–15% less CPU per event read.
 */
export const ROW_JSON = `'[' || position || ',' || json_quote(stream_id) || ',' || revision || ',' || json_quote(event_id) || ',' || json_quote(type) || ',' || data || ',' || metadata || ',' || recorded_at || ']'`;
/** Rows a readAll page fetches. */
export const READ_PAGE = 1000;
/**
 * Pages written to the WAL before a commit checkpoints it (SQLite's default is 1000). A saga step's events have
 * name-based (v5) ids, scattered over the event_id index, so appends dirty leaf pages all over it; checkpointing less
 * often writes each hot page back once for many commits (bench/store.bench.ts measures it), for a WAL of up to ~40 MB.
 * With a background checkpointer this is only the backstop, should the worker ever fall behind.
 */
export const WAL_AUTOCHECKPOINT_PAGES = 10_000;
export { WAL_AUTOCHECKPOINT_BACKSTOP_PAGES };

export interface SqliteEventStoreOptions extends CheckpointChoices {
  synchronous?: SqliteSynchronous;
  /** How often an idle subscription looks for appends made by other processes. */
  pollMs?: number;
  /** Checkpoint the WAL from a worker thread instead of inside commits (default: on, for a file). */
  backgroundCheckpoints?: boolean;
}

const toEvent = (text: string): RecordedEvent => {
  const row = JSON.parse(text) as Row;
  return {
    position: BigInt(row[0]),
    streamId: row[1],
    revision: BigInt(row[2]),
    id: row[3],
    type: row[4],
    data: row[5],
    metadata: row[6],
    recordedAt: new Date(row[7]),
  };
};

/** The position of a `ROW_JSON` row without parsing it: the array's first element. */
const positionOf = (text: string): number => Number(text.slice(1, text.indexOf(',')));

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

/** An append waiting for its group's commit. */
interface QueuedAppend {
  stream: string;
  events: readonly EventData[];
  expected: ExpectedRevision;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

type AppendOutcome = { ok: true; result: AppendResult } | { ok: false; error: unknown };

/**
 * The embedded event store: one SQLite file in WAL mode; appends take the write lock up front.
 *
 * Group commit: the appends requested during one turn of the event loop are written in one transaction, each in a
 * savepoint of its own, so one append's refusal (a wrong expected revision) leaves the others in, and committed
 * at the end of the turn. A commit costs the same for one append as for fifty; under concurrent requests this is
 * what keeps the write path from spending most of its time committing. Nothing is acknowledged before its group is
 * committed, so a crash loses only unacknowledged appends.
 */
export class SqliteEventStore implements EventStore {
  private readonly db: Database.Database;
  private readonly signal: AppendSignal;
  private readonly pollMs: number;
  private readonly statements;
  private readonly appendBatch;
  private readonly appendGroup;
  private readonly filtered = new Map<string, Database.Statement>();
  private queued: QueuedAppend[] = [];
  private readonly checkpointer: BackgroundCheckpointer | undefined = undefined;
  private readonly id: string;

  constructor(file: string, options: SqliteEventStoreOptions = {}) {
    this.db = openSqlite(file, options.synchronous ?? 'NORMAL');
    this.signal = new AppendSignal(file === ':memory:' ? undefined : `ledgerflow:appended:${resolve(file)}`);
    if (options.backgroundCheckpoints ?? true) this.checkpointer = checkpointInBackground(this.db, file, options);
    else this.db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
    this.db.exec(SCHEMA);
    this.id = sqliteStoreId(this.db);
    this.pollMs = options.pollMs ?? 250;
    this.statements = {
      lastRevision: this.db.prepare('SELECT max(revision) FROM events WHERE stream_id = ?').pluck(),
      insert: this.db.prepare(
        'INSERT INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      byId: this.db.prepare(`SELECT ${ROW_JSON} FROM events WHERE event_id = ?`).pluck(),
      head: this.db.prepare('SELECT coalesce(max(position), 0) FROM events').pluck(),
      streamForwards: this.db
        .prepare(`SELECT ${ROW_JSON} FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision LIMIT ?`)
        .pluck(),
      streamBackwards: this.db
        .prepare(`SELECT ${ROW_JSON} FROM events WHERE stream_id = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`)
        .pluck(),
    };
    this.appendBatch = this.db.transaction((stream: string, events: readonly EventData[], expected: ExpectedRevision) => {
      const last = this.statements.lastRevision.get(stream) as number | null;
      assertExpectedRevision(stream, expected, last === null ? undefined : BigInt(last));
      let revision = last ?? -1;
      const positions: bigint[] = [];
      const recordedAt = Date.now();
      for (const event of events) {
        revision++;
        positions.push(
          BigInt(
            this.statements.insert.run(
            stream,
            revision,
            event.id,
            event.type,
            JSON.stringify(event.data),
            JSON.stringify(event.metadata),
              recordedAt,
            ).lastInsertRowid,
          ),
        );
      }
      return { nextExpectedRevision: BigInt(revision), position: positions[positions.length - 1] ?? 0n, positions };
    });
    // Inside this transaction, each appendBatch call runs in a savepoint: a failing one is rolled back alone.
    this.appendGroup = this.db.transaction((group: readonly QueuedAppend[]): AppendOutcome[] =>
      group.map(({ stream, events, expected }) => {
        try {
          return { ok: true, result: this.appendBatch(stream, events, expected) };
        } catch (error) {
          // A failure SQLite answers by rolling back the whole transaction takes the group down with it.
          if (!this.db.inTransaction) throw error;
          return { ok: false, error };
        }
      }),
    );
  }

  appendToStream(stream: string, events: readonly EventData[], options: AppendOptions = {}): Promise<AppendResult> {
    const expected = options.expectedRevision ?? 'any';
    return new Promise((resolve, reject) => {
      if (this.queued.push({ stream, events, expected, resolve, reject }) === 1) setImmediate(() => this.commitQueued());
    });
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const max = options.maxCount ?? -1;
    const rows =
      options.direction === 'backwards'
        ? this.statements.streamBackwards.all(stream, options.fromRevision ?? Number.MAX_SAFE_INTEGER, max)
        : this.statements.streamForwards.all(stream, options.fromRevision ?? 0, max);
    return (rows as string[]).map(toEvent);
  }

  readAll(options: ReadAllOptions = {}): AsyncIterableIterator<RecordedEvent> {
    const backwards = options.direction === 'backwards';
    let remaining = options.maxCount ?? Number.POSITIVE_INFINITY;
    let cursor = options.fromPosition === undefined ? (backwards ? Number.MAX_SAFE_INTEGER : 0) : Number(options.fromPosition) + (backwards ? 1 : -1);
    let last = false;
    let statement: Database.Statement | undefined;
    let params: string[] = [];
    // Nothing runs before the first next(), as with an async generator.
    return new PagedEvents(() => {
      if (last || remaining <= 0) return undefined;
      if (!statement) {
        statement = this.filteredStatement(options.filter, backwards ? '<' : '>', backwards ? 'DESC' : 'ASC');
        params = filterSql(options.filter).params;
      }
      const rows = statement.all(cursor, ...params, Math.min(READ_PAGE, remaining)) as string[];
      last = rows.length < READ_PAGE;
      remaining -= rows.length;
      if (rows.length > 0) cursor = positionOf(rows[rows.length - 1]!);
      return rows;
    });
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

  async storeId(): Promise<string> {
    return this.id;
  }

  async close(): Promise<void> {
    this.commitQueued();
    this.signal.releaseAll();
    if (this.db.open) this.db.close();
    await this.checkpointer?.stop();
  }

  /** Writes the appends queued during the last turn in one transaction, then answers each. */
  private commitQueued(): void {
    const group = this.queued;
    if (group.length === 0) return;
    this.queued = [];
    let outcomes: AppendOutcome[];
    try {
      if (!this.db.open) throw new Error('the event store is closed');
      outcomes = this.appendGroup.immediate(group);
    } catch (error) {
      // BEGIN or COMMIT itself failed (the database is busy, full or closed): none of the group was stored.
      for (const append of group) append.reject(error);
      return;
    }
    if (outcomes.some((outcome, i) => outcome.ok && group[i]!.events.length > 0)) this.signal.notify();
    outcomes.forEach((outcome, i) => {
      const { stream, events, expected, resolve, reject } = group[i]!;
      if (outcome.ok) return resolve(outcome.result);
      try {
        const repeat = this.repeatedBatch(stream, events, expected, outcome.error);
        if (repeat) resolve(repeat);
        else reject(outcome.error);
      } catch (error) {
        reject(error);
      }
    });
  }

  private scanAfter(after: bigint, limit: number, filter: AllFilter | undefined): ScanResult {
    const head = this.statements.head.get() as number;
    if (head <= Number(after)) return { events: [], scannedTo: undefined };
    const { params } = filterSql(filter);
    const events = (this.filteredStatement(filter, '>', 'ASC', true).all(Number(after), head, ...params, limit) as string[]).map(toEvent);
    const scannedTo = events.length === limit ? events[events.length - 1]!.position : BigInt(head);
    return { events, scannedTo };
  }

  private filteredStatement(filter: AllFilter | undefined, comparison: '<' | '>', order: 'ASC' | 'DESC', bounded = false): Database.Statement {
    const { sql } = filterSql(filter);
    const where = `position ${comparison} ?${bounded ? ' AND position <= ?' : ''}${sql}`;
    const text = `SELECT ${ROW_JSON} FROM events WHERE ${where} ORDER BY position ${order} LIMIT ?`;
    let statement = this.filtered.get(text);
    if (!statement) {
      statement = this.db.prepare(text).pluck();
      this.filtered.set(text, statement);
    }
    return statement;
  }

  private repeatedBatch(stream: string, events: readonly EventData[], expected: ExpectedRevision, error: unknown): AppendResult | undefined {
    const duplicateId = error instanceof Database.SqliteError && error.message.includes('events.event_id');
    if (!(error instanceof WrongExpectedVersionError) && !duplicateId) return undefined;
    const stored = events.flatMap((event) => {
      const row = this.statements.byId.get(event.id) as string | undefined;
      return row ? [toEvent(row)] : [];
    });
    if (!isRepeatOfStoredBatch(stream, events.map((e) => e.id), expected, stored)) {
      if (duplicateId) throw new WrongExpectedVersionError(stream, expected, BigInt((this.statements.lastRevision.get(stream) as number | null) ?? -1));
      return undefined;
    }
    const last = stored[stored.length - 1]!;
    return { nextExpectedRevision: last.revision, position: last.position, positions: stored.map((event) => event.position) };
  }
}

/**
 * Events of pages fetched on demand, parsed one at a time as they are consumed. Each `next()` settles at once:
 * one resolved promise per event, about half what an async generator's `yield` costs.
 */
class PagedEvents implements AsyncIterableIterator<RecordedEvent> {
  private page: readonly string[] = [];
  private index = 0;
  private finished = false;

  /** `nextPage` gives the next page of `ROW_JSON` rows, or undefined (or an empty page) at the end. */
  constructor(private readonly nextPage: () => readonly string[] | undefined) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<RecordedEvent, undefined>> {
    try {
      while (this.index >= this.page.length) {
        const page = this.finished ? undefined : this.nextPage();
        if (page === undefined || page.length === 0) return this.finish();
        this.page = page;
        this.index = 0;
      }
      return Promise.resolve({ value: toEvent(this.page[this.index++]!), done: false });
    } catch (error) {
      this.finished = true;
      this.page = [];
      return Promise.reject(error);
    }
  }

  return(): Promise<IteratorResult<RecordedEvent, undefined>> {
    return this.finish();
  }

  private finish(): Promise<IteratorReturnResult<undefined>> {
    this.finished = true;
    this.page = [];
    this.index = 0;
    return Promise.resolve({ value: undefined, done: true });
  }
}

import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import {
  assertIdentifier,
  type CollectionSpec,
  type DocumentChange,
  documentKey,
  FencedOffError,
  type FindQuery,
  type Page,
  type ProjectionTarget,
  type ReadDocument,
  type ReadStore,
  type Scalar,
  type StoredDocument,
} from '../../application/ports/read-store.js';
import { type BackgroundCheckpointer, type CheckpointChoices, checkpointInBackground } from '../sqlite/background-checkpointer.js';
import { openSqlite, type SqliteSynchronous } from '../sqlite/open-sqlite.js';
import { decodeCursor, encodeCursor } from './cursor.js';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS projection_checkpoints (
    projection TEXT NOT NULL, generation INTEGER NOT NULL, position INTEGER NOT NULL,
    PRIMARY KEY (projection, generation)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS projection_active (projection TEXT PRIMARY KEY, generation INTEGER NOT NULL) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS projection_fences (projection TEXT PRIMARY KEY, token INTEGER NOT NULL) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS read_store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
`;

const field = (name: string): string => (name === 'id' ? 'id' : `json_extract(doc, '$.${assertIdentifier(name)}')`);
const bindable = (value: Scalar): string | number | null => (typeof value === 'boolean' ? Number(value) : value);
const likePattern = (text: string): string => `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * `load` binds ids in chunks of one of these sizes (the last chunk padded with repeats of its last id), so a handful
 * of prepared statements serve every batch instead of one freshly prepared per distinct batch size.
 */
const LOAD_CHUNKS = [1, 4, 16, 64, 256, 500] as const;
const MAX_LOAD_CHUNK = LOAD_CHUNKS[LOAD_CHUNKS.length - 1]!;

export interface SqliteReadStoreOptions extends CheckpointChoices {
  /**
   * Page cache of the connection, in MiB (SQLite's default is 2). A batch of events updates documents of every age,
   * so pages all over each table and its id index: a cache that holds the hot ones saves re-reading them.
   */
  cacheMiB?: number;
  /**
   * Whether other connections (other processes) write this file too: projectors taking turns under a lease, or a
   * projector beside an API role. Then the generation each projection serves is read again whenever another
   * connection has committed, so that a swap (a rebuild) made elsewhere is followed. Without, it is read once.
   */
  otherWriters?: boolean;
}

/** Read models in a SQLite file: a table per collection and generation; checkpoints commit with the changes. */
export class SqliteReadStore implements ReadStore {
  private readonly db: Database.Database;
  private readonly collections = new Map<string, { projection: string; spec: CollectionSpec }>();
  private readonly active = new Map<string, number>();
  private readonly created = new Set<string>();
  /** Tables whose indexes this process has made sure of (a generation being filled gets them when it is activated). */
  private readonly indexed = new Set<string>();
  private readonly statements = new Map<string, Database.Statement>();
  private readonly otherWriters: boolean;
  /** `data_version` when the generations in `active` were read (with other writers). */
  private activeSeenAt: number | undefined;
  private readonly checkpointer: BackgroundCheckpointer | undefined;

  constructor(file: string, synchronous: SqliteSynchronous = 'NORMAL', options: SqliteReadStoreOptions = {}) {
    this.db = openSqlite(file, synchronous);
    this.db.pragma(`cache_size = ${-Math.round((options.cacheMiB ?? 64) * 1024)}`);
    this.db.exec(SCHEMA);
    this.otherWriters = options.otherWriters ?? false;
    this.checkpointer = checkpointInBackground(this.db, file, options);
  }

  async define(projection: string, collections: readonly CollectionSpec[]): Promise<void> {
    for (const spec of collections) this.collections.set(assertIdentifier(spec.name), { projection, spec });
    const generation = await this.activeGeneration(projection);
    this.ensureTables({ projection, generation });
  }

  async get(collection: string, id: string): Promise<ReadDocument | null> {
    if (typeof id !== 'string') throw new TypeError('id must be a string');
    const doc = this.statement(`SELECT doc FROM ${this.activeTable(collection)} WHERE id = ?`).pluck().get(id) as string | undefined;
    return doc === undefined ? null : (JSON.parse(doc) as ReadDocument);
  }

  /** SQLite's data_version: changes whenever another connection (another process) commits to the file. */
  dataVersion(): number {
    return this.statement('PRAGMA data_version').pluck().get() as number;
  }

  async find(collection: string, query: FindQuery): Promise<Page<ReadDocument>> {
    const clauses: string[] = [];
    const params: (string | number | null)[] = [];
    for (const [name, value] of Object.entries(query.where ?? {})) {
      if (value !== null && !['string', 'number', 'boolean'].includes(typeof value))
        throw new TypeError(`where.${name} must be a string, number, boolean or null`);
      clauses.push(value === null ? `${field(name)} IS NULL` : `${field(name)} = ?`);
      if (value !== null) params.push(bindable(value));
    }
    if (query.search && typeof query.search.text !== 'string') throw new TypeError('search.text must be a string');
    if (query.search && query.search.text !== '') {
      clauses.push(`(${query.search.fields.map((name) => `lower(${field(name)}) LIKE ? ESCAPE '\\'`).join(' OR ')})`);
      for (const _ of query.search.fields) params.push(likePattern(query.search.text));
    }
    const sort = field(query.orderBy ?? 'id');
    const descending = query.direction === 'desc';
    if (query.cursor !== undefined) {
      const after = decodeCursor(query.cursor);
      const op = descending ? '<' : '>';
      // SQLite orders NULLs first ascending and last descending; a comparison with NULL is never true.
      if (after.sort === null) {
        clauses.push(descending ? `(${sort} IS NULL AND id < ?)` : `((${sort} IS NULL AND id > ?) OR ${sort} IS NOT NULL)`);
        params.push(after.id);
      } else {
        clauses.push(`(${sort} ${op} ? OR (${sort} = ? AND id ${op} ?)${descending ? ` OR ${sort} IS NULL` : ''})`);
        params.push(bindable(after.sort), bindable(after.sort), after.id);
      }
    }
    const order = descending ? 'DESC' : 'ASC';
    const sql =
      `SELECT doc FROM ${this.activeTable(collection)}` +
      (clauses.length ? ` WHERE ${clauses.join(' AND ')}` : '') +
      ` ORDER BY ${sort} ${order}, id ${order} LIMIT ?`;
    const rows = this.statement(sql).pluck().all(...params, query.limit + 1) as string[];
    const items = rows.slice(0, query.limit).map((doc) => JSON.parse(doc) as ReadDocument);
    const last = items[items.length - 1];
    const sortField = query.orderBy ?? 'id';
    return {
      items,
      nextCursor: rows.length > query.limit && last ? encodeCursor({ sort: (last[sortField] ?? null) as Scalar, id: last.id }) : null,
    };
  }

  async activeGeneration(projection: string): Promise<number> {
    return this.activeOf(projection);
  }

  async checkpoint(target: ProjectionTarget): Promise<bigint> {
    const position = this.statement('SELECT position FROM projection_checkpoints WHERE projection = ? AND generation = ?')
      .pluck()
      .get(target.projection, target.generation) as number | undefined;
    return BigInt(position ?? 0);
  }

  async claimFence(projection: string, token: number): Promise<void> {
    this.db.transaction(() => this.claimFenceOf({ projection, generation: 0, fence: token })).immediate();
  }

  async identity(): Promise<string> {
    this.statement("INSERT INTO read_store_meta (key, value) VALUES ('identity', ?) ON CONFLICT DO NOTHING").run(randomUUID());
    return this.statement("SELECT value FROM read_store_meta WHERE key = 'identity'").pluck().get() as string;
  }

  async load(target: ProjectionTarget, keys: ReadonlyArray<{ collection: string; id: string }>): Promise<Map<string, StoredDocument>> {
    this.ensureTables(target);
    const found = new Map<string, StoredDocument>();
    // Each document once, however many events of the batch touch it.
    const idsByCollection = new Map<string, Set<string>>();
    for (const { collection, id } of keys) {
      let ids = idsByCollection.get(collection);
      if (!ids) idsByCollection.set(collection, (ids = new Set()));
      ids.add(id);
    }
    for (const [collection, idSet] of idsByCollection) {
      const table = this.table(collection, target.generation);
      const ids = [...idSet];
      for (let start = 0; start < ids.length; start += MAX_LOAD_CHUNK) {
        const chunk = ids.slice(start, start + MAX_LOAD_CHUNK);
        const size = LOAD_CHUNKS.find((candidate) => candidate >= chunk.length)!;
        while (chunk.length < size) chunk.push(chunk[chunk.length - 1]!);
        const sql = `SELECT id, position, doc FROM ${table} WHERE id IN (${'?,'.repeat(size - 1)}?)`;
        for (const row of this.statement(sql).raw().all(...chunk) as [string, number, string][]) {
          found.set(documentKey(collection, row[0]), { document: JSON.parse(row[2]) as ReadDocument, position: BigInt(row[1]) });
        }
      }
    }
    return found;
  }

  async commit(target: ProjectionTarget, changes: readonly DocumentChange[], checkpoint: bigint): Promise<void> {
    this.ensureTables(target);
    const writers = new Map<string, { upsert: Database.Statement; remove: Database.Statement }>();
    const writerOf = (collection: string) => {
      let writer = writers.get(collection);
      if (!writer) {
        const table = this.table(collection, target.generation);
        writer = {
          upsert: this.statement(
            `INSERT INTO ${table} (id, position, doc) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET position = excluded.position, doc = excluded.doc`,
          ),
          remove: this.statement(`DELETE FROM ${table} WHERE id = ?`),
        };
        writers.set(collection, writer);
      }
      return writer;
    };
    const write = this.db.transaction(() => {
      this.claimFenceOf(target);
      for (const change of changes) {
        const writer = writerOf(change.collection);
        if (change.document === null) writer.remove.run(change.id);
        else writer.upsert.run(change.id, Number(change.position), JSON.stringify(change.document));
      }
      this.statement(
        'INSERT INTO projection_checkpoints (projection, generation, position) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET position = excluded.position',
      ).run(target.projection, target.generation, Number(checkpoint));
    });
    write.immediate();
  }

  async activate(target: ProjectionTarget): Promise<void> {
    const previous = await this.activeGeneration(target.projection);
    this.ensureTables(target);
    this.db.transaction(() => {
      this.claimFenceOf(target);
      // A generation filled beside the live one was written without its indexes: built here, in one pass each.
      this.ensureIndexes(target);
      this.statement('INSERT INTO projection_active (projection, generation) VALUES (?, ?) ON CONFLICT DO UPDATE SET generation = excluded.generation').run(
        target.projection,
        target.generation,
      );
    }).immediate();
    this.active.set(target.projection, target.generation);
    if (previous !== target.generation) await this.drop({ projection: target.projection, generation: previous });
  }

  async drop(target: ProjectionTarget): Promise<void> {
    this.db.transaction(() => {
      this.claimFenceOf(target);
      for (const collection of this.collectionsOf(target.projection)) {
        const table = this.table(collection, target.generation);
        this.db.exec(`DROP TABLE IF EXISTS ${table}`);
        this.created.delete(table);
        this.indexed.delete(table);
      }
      this.statement('DELETE FROM projection_checkpoints WHERE projection = ? AND generation = ?').run(target.projection, target.generation);
    }).immediate();
    this.statements.clear();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
    await this.checkpointer?.stop();
  }

  /**
   * Within a write's transaction: refuses it (FencedOffError, which rolls the transaction back) when the projection
   * has seen a higher fencing token than the target's, else records the target's. One statement; none unfenced.
   */
  private claimFenceOf(target: ProjectionTarget): void {
    if (target.fence === undefined) return;
    const claimed = this.statement(
      'INSERT INTO projection_fences (projection, token) VALUES (?, ?) ON CONFLICT DO UPDATE SET token = excluded.token WHERE token <= excluded.token',
    ).run(target.projection, target.fence);
    if (claimed.changes === 0) {
      const highest = this.statement('SELECT token FROM projection_fences WHERE projection = ?').pluck().get(target.projection) as number;
      throw new FencedOffError(target.projection, target.fence, highest);
    }
  }

  private activeOf(projection: string): number {
    this.followOtherWriters();
    let generation = this.active.get(projection);
    if (generation === undefined) {
      generation = (this.statement('SELECT generation FROM projection_active WHERE projection = ?').pluck().get(projection) as number | undefined) ?? 0;
      this.active.set(projection, generation);
    }
    return generation;
  }

  /**
   * With other writers: forgets the generations read once another connection has committed. (The tables made sure of
   * are kept: a generation number is never served again once another has been swapped in after it.)
   */
  private followOtherWriters(): void {
    if (!this.otherWriters) return;
    const version = this.dataVersion();
    if (version === this.activeSeenAt) return;
    this.activeSeenAt = version;
    this.active.clear();
  }

  private collectionsOf(projection: string): string[] {
    return [...this.collections].filter(([, owner]) => owner.projection === projection).map(([name]) => name);
  }

  /**
   * Creates the generation's tables if missing. Only the generation queries are served from gets its indexes here:
   * one being filled beside it (a rebuild) is written without them, which spares every write the upkeep of each index
   * at a random place, and `activate` builds them before it swaps the generation in.
   */
  private ensureTables(target: ProjectionTarget): void {
    for (const collection of this.collectionsOf(target.projection)) {
      const table = this.table(collection, target.generation);
      if (this.created.has(table)) continue;
      this.db.exec(`CREATE TABLE IF NOT EXISTS ${table} (id TEXT PRIMARY KEY, position INTEGER NOT NULL, doc TEXT NOT NULL)`);
      this.created.add(table);
    }
    if ((this.active.get(target.projection) ?? target.generation) === target.generation) this.ensureIndexes(target);
  }

  private ensureIndexes(target: ProjectionTarget): void {
    for (const collection of this.collectionsOf(target.projection)) {
      const table = this.table(collection, target.generation);
      if (this.indexed.has(table)) continue;
      for (const name of this.collections.get(collection)?.spec.indexes ?? [])
        this.db.exec(`CREATE INDEX IF NOT EXISTS ${table}_${assertIdentifier(name)} ON ${table} (${field(name)})`);
      this.indexed.add(table);
    }
  }

  private table(collection: string, generation: number): string {
    if (!this.collections.has(collection)) throw new Error(`unknown collection ${collection}`);
    return `rm_${collection}_${generation}`;
  }

  private activeTable(collection: string): string {
    const owner = this.collections.get(collection);
    if (!owner) throw new Error(`unknown collection ${collection}`);
    const generation = this.activeOf(owner.projection);
    this.ensureTables({ projection: owner.projection, generation });
    return this.table(collection, generation);
  }

  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

import { randomUUID } from 'node:crypto';
import {
  type AnyBulkWriteOperation,
  type Collection,
  type Db,
  type Document,
  type Filter,
  MongoBulkWriteError,
  MongoClient,
  MongoServerError,
  type Sort,
} from 'mongodb';
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
import { decodeCursor, encodeCursor } from './cursor.js';

/*
 * Read models in MongoDB 6+ or FerretDB 1.24+ (CI tests this adapter against FerretDB with its SQLite backend).
 * Only what both servers do alike is used. FerretDB 1.24 differences this adapter relies on or avoids:
 *  - no multi-document transactions: a commit is not atomic. Every document remembers the position of the last
 *    event applied to it (`_position`) and each write is guarded by it, so a batch replayed after a crash
 *    between the document writes and the checkpoint write applies nothing twice (see `commit`).
 *  - an unordered bulkWrite (`ordered: false`) stops at the first write error, like an ordered one, instead of
 *    carrying on with the rest: commits use ordered bulk writes and resume after each ignorable error.
 *  - an `update` command of 100 or more statements matching existing documents hangs (SQLite backend): bulk
 *    writes are sent in batches of `WRITE_BATCH`.
 *  - the SQLite backend pushes only a filter that is exactly `{ _id: <string> }` down to SQLite; any other filter
 *    (`{ _id, _position: { $lt } }`, `$in`, every `find`) decodes and tests each document of the collection. So
 *    on FerretDB 1.x commits and loads use `{ _id }` point lookups and writes (`MongoWriteGuard` 'pointwise');
 *    `find` still scans (indexes are created, but FerretDB 1.x's SQLite backend does not use them for filters).
 *  - no findOneAndUpdate with a projection, no pipeline (aggregation) updates, no `$group` with several
 *    accumulators (wrong results), no partial or TTL indexes, no Decimal128, no change streams: none is used.
 *    Plain `$set` updates, replaceOne/deleteOne with upsert, single-field-ascending compound indexes, `$or`,
 *    `$in`, `$type`, `$regex` with `$options: 'i'`, and sort on a field plus `_id` behave as in MongoDB.
 *  - The duplicate-key error (11000) of an upsert whose filter did not match an existing `_id` is reported as
 *    MongoDB does, which is what the 'filter' position guard relies on.
 *  - `find` with `$type: [..]`, `{ f: null }` (null or missing) and the sort order across BSON types (null,
 *    numbers, strings, objects, arrays, booleans) match MongoDB, which the keyset cursor relies on.
 *
 * Layout: one physical collection per collection and generation (`<collection>__g<generation>`) holding
 * `{ _id: id, _position: number, ...fields }`; `projection_checkpoints` `{ _id: '<projection>#<generation>',
 * projection, generation, position }`; `projection_active` `{ _id: projection, generation, fence }`;
 * `read_store_meta` `{ _id: 'identity', value }`.
 *
 * Fencing (projectors taking turns under a lease): the projection's highest fencing token is kept in its
 * `projection_active` document and claimed by a conditional update of that one document, which cannot interleave
 * with another: a new holder claims it before it reads the active generation; a write that carries a token claims
 * it before it writes anything, and a swap (`activate`) moves the generation in the same update as the claim. Without
 * transactions, the documents of a commit are written after its claim, not with it: a holder whose claim succeeded
 * just before a new holder's may still land the batch in hand, each write guarded by its position (see
 * `MongoWriteGuard`); its next claim is refused.
 * Positions are stored as numbers: exact up to 2^53, which `toPosition` enforces.
 *
 * Filters are built only from validated pieces: field names pass `assertIdentifier` (never a `$` or a `.`),
 * values must be scalars (an object such as `{ $ne: null }` is refused), search text is regex-escaped.
 */

const CHECKPOINTS = 'projection_checkpoints';
const ACTIVE = 'projection_active';
const META = 'read_store_meta';
const DUPLICATE_KEY = 11000;
const NAMESPACE_NOT_FOUND = 26;
const LOAD_CHUNK = 500;
/**
 * Operations per bulkWrite. FerretDB 1.24 (SQLite backend) keeps the read cursor of every statement of an `update`
 * command open until the command ends, on a pool of 100 SQLite connections: an `update` of 100 or more statements
 * that match existing documents deadlocks, and long ones slow down. Well below that limit; MongoDB does not mind.
 */
const WRITE_BATCH = 32;

interface StoredShape extends Document {
  _id: string;
  _position: number;
}
interface CheckpointShape extends Document {
  _id: string;
  projection: string;
  generation: number;
  position: number;
}
interface ActiveShape extends Document {
  _id: string;
  generation?: number;
  /** The highest fencing token a write of the projection has carried (see `claimFence`). */
  fence?: number;
}
interface MetaShape extends Document {
  _id: string;
  value: string;
}

/** BSON sort order of the types a JSON document holds (null and missing sort alike, first). */
const TYPE_ORDER = ['null', 'number', 'string', 'object', 'array', 'bool'] as const;
type BsonType = (typeof TYPE_ORDER)[number];

const bsonType = (value: Scalar): BsonType =>
  value === null ? 'null' : typeof value === 'number' ? 'number' : typeof value === 'string' ? 'string' : 'bool';

const fieldName = (name: string): string => (assertIdentifier(name) === 'id' ? '_id' : name);

const scalar = (name: string, value: unknown): Scalar => {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  throw new TypeError(`where.${name} must be a string, finite number, boolean or null`);
};

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const toPosition = (position: bigint): number => {
  if (position < 0n || position > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`position ${position} does not fit this store`);
  return Number(position);
};

const physicalName = (collection: string, generation: number): string => `${collection}__g${generation}`;
const checkpointId = (target: ProjectionTarget): string => `${target.projection}#${target.generation}`;

const isDuplicateKey = (error: unknown): boolean => error instanceof MongoServerError && error.code === DUPLICATE_KEY;

/** What a document looks like on the way out: `_id` back to `id`, `_position` removed. */
const toReadDocument = ({ _id, _position, ...fields }: StoredShape): ReadDocument => ({ ...fields, id: _id });

/**
 * What a document looks like stored. The JSON round trip gives every adapter the same view of a document
 * (SQLite keeps JSON): undefined fields dropped, Dates as ISO strings; it also copies the caller's object.
 */
const toStored = (id: string, document: ReadDocument, position: number): StoredShape => {
  const { id: _id, _id: _ignored, _position: _ignoredToo, ...fields } = JSON.parse(JSON.stringify(document)) as Record<string, unknown>;
  return { ...fields, _id: id, _position: position };
};

/**
 * Keyset condition "comes after (sort, id)" in the sort order. `$gt`/`$lt` only compare values of the same BSON
 * type (type bracketing), so values of the types that sort after (or, descending, before) the cursor's are added
 * by `$type`, and null (which also matches a missing field) explicitly.
 */
const after = (field: string, sort: Scalar, id: string, descending: boolean): Filter<StoredShape> => {
  const op = descending ? '$lt' : '$gt';
  if (field === '_id') return { _id: { [op]: id } };
  const rank = TYPE_ORDER.indexOf(bsonType(sort));
  const beyond = descending ? TYPE_ORDER.slice(0, rank) : TYPE_ORDER.slice(rank + 1);
  const or: Filter<StoredShape>[] = [];
  if (sort !== null) or.push({ [field]: { [op]: sort } });
  const types = beyond.filter((type) => type !== 'null');
  if (types.length > 0) or.push({ [field]: { $type: types } });
  if (beyond.includes('null')) or.push({ [field]: null });
  or.push({ [field]: sort, _id: { [op]: id } });
  return { $or: or };
};

/**
 * How a commit keeps a change from overwriting a newer document:
 *  - 'filter' (MongoDB): the write's filter is `{ _id, _position: { $lt: position } }`, an atomic compare-and-set
 *    that also fences off a second projector whose lease ran out.
 *  - 'pointwise' (FerretDB 1.x): FerretDB's SQLite backend only pushes a filter that is exactly `{ _id: <string> }`
 *    down to SQLite; any other filter decodes and tests every document of the collection, so each guarded write
 *    would cost a full scan (a rebuild would be quadratic). The positions are read first, by `{ _id }` point
 *    lookups, stale changes are dropped, and the rest are written by `{ _id }`. The read and the write are not one
 *    atomic step: this relies on one projector per projection at a time (the Redis lease).
 */
export type MongoWriteGuard = 'filter' | 'pointwise';

export interface MongoReadStoreOptions {
  /** Default: 'pointwise' when the server is FerretDB 1.x (its `buildInfo` has `ferretdbVersion`), else 'filter'. */
  writeGuard?: MongoWriteGuard;
}

/** Point lookups in flight at once (the driver's pool holds 100 connections). */
const POINT_LOOKUPS = 16;

/** Read models in MongoDB (or FerretDB): a collection per read-model collection and generation. */
export class MongoReadStore implements ReadStore {
  private readonly collections = new Map<string, { projection: string; spec: CollectionSpec }>();
  /** Physical collections whose indexes this process has made sure of. */
  private readonly indexed = new Set<string>();
  private guard: Promise<MongoWriteGuard> | undefined;

  /** Connects to `url`; the database is `dbName`, else the one in the URL's path, else `ledgerflow`. */
  static async connect(url: string, dbName?: string, options: MongoReadStoreOptions = {}): Promise<MongoReadStore> {
    const client = new MongoClient(url, { ignoreUndefined: true });
    await client.connect();
    const fromUrl = /^mongodb(?:\+srv)?:\/\/[^/?]*\/([^?]+)/.exec(url)?.[1];
    return new MongoReadStore(client, dbName ?? (fromUrl ? decodeURIComponent(fromUrl) : 'ledgerflow'), options);
  }

  private readonly db: Db;

  constructor(
    private readonly client: MongoClient,
    dbName: string,
    options: MongoReadStoreOptions = {},
  ) {
    this.db = client.db(dbName);
    if (options.writeGuard) this.guard = Promise.resolve(options.writeGuard);
  }

  /** The write guard this store uses (see `MongoWriteGuard`). */
  writeGuard(): Promise<MongoWriteGuard> {
    this.guard ??= this.db
      .admin()
      .command({ buildInfo: 1 })
      .then((info): MongoWriteGuard => (typeof info.ferretdbVersion === 'string' && /^v?1\./.test(info.ferretdbVersion) ? 'pointwise' : 'filter'))
      .catch((error: unknown) => {
        this.guard = undefined;
        throw error;
      });
    return this.guard;
  }

  async define(projection: string, collections: readonly CollectionSpec[]): Promise<void> {
    for (const spec of collections) {
      for (const name of spec.indexes ?? []) assertIdentifier(name);
      this.collections.set(assertIdentifier(spec.name), { projection, spec });
    }
    await this.ensureIndexes({ projection, generation: await this.activeGeneration(projection) });
  }

  async get(collection: string, id: string): Promise<ReadDocument | null> {
    if (typeof id !== 'string') throw new TypeError('id must be a string');
    const stored = await (await this.activeCollection(collection)).findOne({ _id: id });
    return stored ? toReadDocument(stored) : null;
  }

  async find(collection: string, query: FindQuery): Promise<Page<ReadDocument>> {
    const and: Filter<StoredShape>[] = [];
    for (const [name, value] of Object.entries(query.where ?? {})) and.push({ [fieldName(name)]: scalar(name, value) });
    if (query.search && query.search.text !== '') {
      if (typeof query.search.text !== 'string') throw new TypeError('search.text must be a string');
      const pattern = escapeRegExp(query.search.text);
      and.push({ $or: query.search.fields.map((name) => ({ [fieldName(name)]: { $regex: pattern, $options: 'i' } })) });
    }
    const sortField = query.orderBy ?? 'id';
    const sortKey = fieldName(sortField);
    const descending = query.direction === 'desc';
    if (query.cursor !== undefined) {
      const cursor = decodeCursor(query.cursor);
      and.push(after(sortKey, cursor.sort, cursor.id, descending));
    }
    const direction = descending ? -1 : 1;
    const sort: Sort = sortKey === '_id' ? { _id: direction } : { [sortKey]: direction, _id: direction };
    const limit = Math.max(0, Math.floor(query.limit));
    const rows = await (await this.activeCollection(collection))
      .find(and.length === 0 ? {} : and.length === 1 ? and[0]! : { $and: and })
      .sort(sort)
      .limit(limit + 1)
      .toArray();
    const items = rows.slice(0, limit).map(toReadDocument);
    const last = items[items.length - 1];
    return {
      items,
      nextCursor: rows.length > limit && last ? encodeCursor({ sort: (last[sortField] ?? null) as Scalar, id: last.id }) : null,
    };
  }

  async activeGeneration(projection: string): Promise<number> {
    // Read every time, not cached: API processes must follow a swap made by the projector process.
    const active = await this.db.collection<ActiveShape>(ACTIVE).findOne({ _id: projection });
    return active?.generation ?? 0;
  }

  async checkpoint(target: ProjectionTarget): Promise<bigint> {
    const stored = await this.db.collection<CheckpointShape>(CHECKPOINTS).findOne({ _id: checkpointId(target) });
    return BigInt(stored?.position ?? 0);
  }

  async claimFence(projection: string, token: number): Promise<void> {
    await this.claim(projection, token);
  }

  async identity(): Promise<string> {
    const meta = this.db.collection<MetaShape>(META);
    try {
      await meta.insertOne({ _id: 'identity', value: randomUUID() });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    return (await meta.findOne({ _id: 'identity' }))!.value;
  }

  async load(target: ProjectionTarget, keys: ReadonlyArray<{ collection: string; id: string }>): Promise<Map<string, StoredDocument>> {
    const found = new Map<string, StoredDocument>();
    const idsByCollection = new Map<string, string[]>();
    for (const { collection, id } of keys) {
      if (typeof id !== 'string') throw new TypeError('id must be a string');
      idsByCollection.set(collection, [...(idsByCollection.get(collection) ?? []), id]);
    }
    const pointwise = (await this.writeGuard()) === 'pointwise';
    for (const [collection, ids] of idsByCollection) {
      const physical = this.physical(collection, target.generation);
      // On FerretDB 1.x an `$in` filter scans the whole collection; `{ _id }` lookups are pushed down.
      const documents = pointwise ? await this.pointLookups(physical, ids) : await this.findByIds(physical, ids);
      for (const stored of documents)
        found.set(documentKey(collection, stored._id), { document: toReadDocument(stored), position: BigInt(stored._position) });
    }
    return found;
  }

  /**
   * Not atomic (FerretDB has no transactions): the documents first, then the checkpoint. A change only replaces
   * or deletes a document whose `_position` is older than the change's (see `MongoWriteGuard`), so replaying a
   * batch after a crash between the two (or a redelivered event) changes nothing already applied; the checkpoint
   * only moves forwards.
   */
  async commit(target: ProjectionTarget, changes: readonly DocumentChange[], checkpoint: bigint): Promise<void> {
    const checkpointPosition = toPosition(checkpoint);
    // One write per document, its last change in the batch: two writes of one document at one position would
    // otherwise leave the first (the second's guard no longer matches).
    const latest = new Map<string, DocumentChange>();
    for (const change of changes) {
      const key = documentKey(change.collection, change.id);
      latest.delete(key);
      latest.set(key, change);
    }
    // Validate every change before writing any.
    const byCollection = new Map<string, { id: string; position: number; document: ReadDocument | null }[]>();
    for (const change of latest.values()) {
      const name = this.physical(change.collection, target.generation).collectionName;
      if (typeof change.id !== 'string') throw new TypeError('id must be a string');
      const list = byCollection.get(name) ?? [];
      byCollection.set(name, list);
      list.push({ id: change.id, position: toPosition(change.position), document: change.document });
    }
    await this.ensureIndexes(target);
    if (target.fence !== undefined) await this.claim(target.projection, target.fence);
    const pointwise = (await this.writeGuard()) === 'pointwise';
    for (const [name, list] of byCollection) {
      const physical = this.db.collection<StoredShape>(name);
      let fresh = list;
      if (pointwise) {
        const stored = new Map((await this.pointLookups(physical, list.map((change) => change.id), { _position: 1 })).map((doc) => [doc._id, doc._position]));
        fresh = list.filter((change) => !((stored.get(change.id) ?? -1) >= change.position));
      }
      const operations = fresh.map(({ id, position, document }): AnyBulkWriteOperation<StoredShape> => {
        const filter: Filter<StoredShape> = pointwise ? { _id: id } : { _id: id, _position: { $lt: position } };
        return document === null
          ? { deleteOne: { filter } }
          : { replaceOne: { filter, replacement: toStored(id, document, position), upsert: true } };
      });
      // Pointwise writes have no guard in the filter: a duplicate key there is a real conflict, not a stale change.
      await this.bulkWrite(physical, operations, { skipStale: !pointwise });
    }

    try {
      // Upsert guarded like the documents (a plain `$set`; no `$max`, no pipeline update): an older checkpoint
      // matches nothing and its upsert then fails on the existing `_id` with 11000, which means "already further".
      await this.db.collection<CheckpointShape>(CHECKPOINTS).updateOne(
        { _id: checkpointId(target), position: { $lt: checkpointPosition } },
        { $set: { projection: target.projection, generation: target.generation, position: checkpointPosition } },
        { upsert: true },
      );
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
  }

  async activate(target: ProjectionTarget): Promise<void> {
    await this.ensureIndexes(target);
    if (target.fence === undefined)
      await this.db.collection<ActiveShape>(ACTIVE).updateOne({ _id: target.projection }, { $set: { generation: target.generation } }, { upsert: true });
    else await this.claim(target.projection, target.fence, { generation: target.generation });
    // "Drops the others": every other generation of this projection's collections and checkpoints, including any
    // left behind by a process that stopped between a swap and its drop.
    const names = new Set(this.collectionsOf(target.projection));
    const existing = (await this.db.listCollections({}, { nameOnly: true }).toArray()).map((info) => info.name);
    for (const physical of existing) {
      const match = /^([A-Za-z_][A-Za-z0-9_]*)__g(\d+)$/.exec(physical);
      if (match && names.has(match[1]!) && Number(match[2]) !== target.generation) await this.dropCollection(physical);
    }
    await this.db.collection<CheckpointShape>(CHECKPOINTS).deleteMany({ projection: target.projection, generation: { $ne: target.generation } });
  }

  async drop(target: ProjectionTarget): Promise<void> {
    if (target.fence !== undefined) await this.claim(target.projection, target.fence);
    for (const collection of this.collectionsOf(target.projection)) await this.dropCollection(physicalName(collection, target.generation));
    await this.db.collection<CheckpointShape>(CHECKPOINTS).deleteOne({ _id: checkpointId(target) });
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  /**
   * Records `fence` as the projection's token (with `set`, in the same update) unless a higher one is stored: one
   * conditional upsert of the projection's `projection_active` document. When the condition fails, the upsert's
   * insert meets the existing `_id` (11000): refused.
   */
  private async claim(projection: string, fence: number, set: { generation?: number } = {}): Promise<void> {
    const active = this.db.collection<ActiveShape>(ACTIVE);
    for (;;) {
      try {
        await active.updateOne(
          { _id: projection, $or: [{ fence: { $lte: fence } }, { fence: { $exists: false } }] },
          { $set: { fence, ...set } },
          { upsert: true },
        );
        return;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        // Refused, unless the document was only just inserted by another claim, with a lower token: then again.
        const highest = (await active.findOne({ _id: projection }))?.fence;
        if (highest !== undefined && highest > fence) throw new FencedOffError(projection, fence, highest);
      }
    }
  }

  /**
   * Runs the operations in order, `WRITE_BATCH` at a time. With `skipStale` (the 'filter' guard), a duplicate-key
   * error (11000) comes from an upsert whose guard did not match an existing document: that document already holds
   * a newer (or the same) position, so the change is stale and is skipped, and the rest of the batch is resumed
   * after it. Any other error is thrown. (Ordered rather than `ordered: false` because FerretDB 1.24 stops an
   * unordered bulk write at its first error too, and an ordered one tells exactly where it stopped.)
   */
  private async bulkWrite(
    collection: Collection<StoredShape>,
    operations: AnyBulkWriteOperation<StoredShape>[],
    { skipStale }: { skipStale: boolean },
  ): Promise<void> {
    for (let start = 0; start < operations.length; start += WRITE_BATCH)
      await this.writeBatch(collection, operations.slice(start, start + WRITE_BATCH), skipStale);
  }

  private async writeBatch(collection: Collection<StoredShape>, operations: AnyBulkWriteOperation<StoredShape>[], skipStale: boolean): Promise<void> {
    let remaining = operations;
    while (remaining.length > 0) {
      try {
        await collection.bulkWrite(remaining, { ordered: true });
        return;
      } catch (error) {
        if (!skipStale || !(error instanceof MongoBulkWriteError) || error.err !== undefined || error.result.getWriteConcernError()) throw error;
        const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
        const first = writeErrors[0];
        if (!first || writeErrors.some((writeError) => writeError.code !== DUPLICATE_KEY)) throw error;
        remaining = remaining.slice(Math.max(...writeErrors.map((writeError) => writeError.index)) + 1);
      }
    }
  }

  private async findByIds(collection: Collection<StoredShape>, ids: readonly string[]): Promise<StoredShape[]> {
    const found: StoredShape[] = [];
    for (let start = 0; start < ids.length; start += LOAD_CHUNK)
      found.push(...(await collection.find({ _id: { $in: ids.slice(start, start + LOAD_CHUNK) } }).toArray()));
    return found;
  }

  /** One `{ _id }` lookup per id, a few at a time: the only filter FerretDB 1.x answers without a full scan. */
  private async pointLookups(collection: Collection<StoredShape>, ids: readonly string[], projection?: Document): Promise<StoredShape[]> {
    const found: StoredShape[] = [];
    const unique = [...new Set(ids)];
    for (let start = 0; start < unique.length; start += POINT_LOOKUPS) {
      const batch = await Promise.all(
        unique.slice(start, start + POINT_LOOKUPS).map((id) => collection.findOne({ _id: id }, projection ? { projection } : {})),
      );
      for (const stored of batch) if (stored) found.push(stored);
    }
    return found;
  }

  private async ensureIndexes(target: ProjectionTarget): Promise<void> {
    for (const collection of this.collectionsOf(target.projection)) {
      const name = physicalName(collection, target.generation);
      if (this.indexed.has(name)) continue;
      const physical = this.db.collection<StoredShape>(name);
      for (const field of this.collections.get(collection)?.spec.indexes ?? []) {
        // Compound with _id: the sort and keyset of `find` are (field, _id). No partial or TTL indexes (FerretDB).
        if (field !== 'id') await physical.createIndex({ [field]: 1, _id: 1 });
      }
      this.indexed.add(name);
    }
  }

  private async dropCollection(name: string): Promise<void> {
    this.indexed.delete(name);
    try {
      await this.db.dropCollection(name);
    } catch (error) {
      if (!(error instanceof MongoServerError && error.code === NAMESPACE_NOT_FOUND)) throw error;
    }
  }

  private collectionsOf(projection: string): string[] {
    return [...this.collections].filter(([, owner]) => owner.projection === projection).map(([name]) => name);
  }

  private physical(collection: string, generation: number): Collection<StoredShape> {
    if (!this.collections.has(collection)) throw new Error(`unknown collection ${collection}`);
    return this.db.collection<StoredShape>(physicalName(collection, generation));
  }

  private async activeCollection(collection: string): Promise<Collection<StoredShape>> {
    const owner = this.collections.get(collection);
    if (!owner) throw new Error(`unknown collection ${collection}`);
    return this.physical(collection, await this.activeGeneration(owner.projection));
  }
}

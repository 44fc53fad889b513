import { randomUUID } from 'node:crypto';
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

interface Stored {
  document: ReadDocument;
  position: bigint;
}

/** What SQLite keeps of a document: its JSON (undefined dropped, Dates as strings); also a copy of the caller's object. */
const normalize = (document: ReadDocument, id: string): ReadDocument => ({ ...(JSON.parse(JSON.stringify(document)) as ReadDocument), id });
const copy = (document: ReadDocument): ReadDocument => structuredClone(document);

const scalar = (name: string, value: unknown): Scalar => {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  throw new TypeError(`where.${name} must be a string, number, boolean or null`);
};

const valueOf = (document: ReadDocument, name: string): unknown => (name === 'id' ? document.id : document[name]);

/** SQLite's order for json_extract values: NULL, then numbers (booleans are 0/1), then text; text by code point (UTF-8 bytes). */
const rank = (value: unknown): number => {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'number' || typeof value === 'boolean') return 1;
  return 2;
};
const text = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));
const compareText = (a: string, b: string): number => (a === b ? 0 : Buffer.compare(Buffer.from(a), Buffer.from(b)));
const compareValues = (a: unknown, b: unknown): number => {
  const byRank = rank(a) - rank(b);
  if (byRank !== 0) return byRank;
  switch (rank(a)) {
    case 0:
      return 0;
    case 1:
      return Number(a) - Number(b);
    default:
      return compareText(text(a), text(b));
  }
};

/** Read models in process memory, for fast specs: the semantics of `SqliteReadStore`, plus the per-document position guard. */
export class MemoryReadStore implements ReadStore {
  private readonly collections = new Map<string, { projection: string; spec: CollectionSpec }>();
  private readonly active = new Map<string, number>();
  /** Keyed by `documentKey(collection, String(generation))`. */
  private readonly data = new Map<string, Map<string, Stored>>();
  /** Keyed by `documentKey(projection, String(generation))`. */
  private readonly checkpoints = new Map<string, bigint>();
  private readonly fences = new Map<string, number>();
  private readonly id = randomUUID();

  async define(projection: string, collections: readonly CollectionSpec[]): Promise<void> {
    for (const spec of collections) {
      for (const name of spec.indexes ?? []) assertIdentifier(name);
      this.collections.set(assertIdentifier(spec.name), { projection, spec });
    }
  }

  async get(collection: string, id: string): Promise<ReadDocument | null> {
    if (typeof id !== 'string') throw new TypeError('id must be a string');
    const stored = this.documents(collection, this.activeOf(collection)).get(id);
    return stored ? copy(stored.document) : null;
  }

  async find(collection: string, query: FindQuery): Promise<Page<ReadDocument>> {
    const where = Object.entries(query.where ?? {}).map(([name, value]) => [assertIdentifier(name), scalar(name, value)] as const);
    if (query.search && typeof query.search.text !== 'string') throw new TypeError('search.text must be a string');
    const search = query.search && query.search.text !== '' ? query.search : undefined;
    const needle = search?.text.toLowerCase();
    const searchFields = search?.fields.map(assertIdentifier) ?? [];
    const sortField = assertIdentifier(query.orderBy ?? 'id');
    const direction = query.direction === 'desc' ? -1 : 1;
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);

    const order = (a: ReadDocument, b: ReadDocument): number =>
      direction * (compareValues(valueOf(a, sortField), valueOf(b, sortField)) || compareText(a.id, b.id));
    const matches = (document: ReadDocument): boolean => {
      for (const [name, value] of where) {
        const actual = valueOf(document, name) ?? null;
        if (value === null ? actual !== null : actual !== value) return false;
      }
      if (needle !== undefined) {
        const hit = searchFields.some((name) => {
          const actual = valueOf(document, name);
          return typeof actual === 'string' && actual.toLowerCase().includes(needle);
        });
        if (!hit) return false;
      }
      if (after !== undefined) {
        const byCursor = compareValues(valueOf(document, sortField), after.sort) || compareText(document.id, after.id);
        if (direction * byCursor <= 0) return false;
      }
      return true;
    };

    const rows = [...this.documents(collection, this.activeOf(collection)).values()]
      .map((stored) => stored.document)
      .filter(matches)
      .sort(order)
      .slice(0, query.limit + 1);
    const items = rows.slice(0, query.limit).map(copy);
    const last = items[items.length - 1];
    return {
      items,
      nextCursor: rows.length > query.limit && last ? encodeCursor({ sort: (valueOf(last, sortField) ?? null) as Scalar, id: last.id }) : null,
    };
  }

  async activeGeneration(projection: string): Promise<number> {
    return this.active.get(projection) ?? 0;
  }

  async checkpoint(target: ProjectionTarget): Promise<bigint> {
    return this.checkpoints.get(documentKey(target.projection, String(target.generation))) ?? 0n;
  }

  async claimFence(projection: string, token: number): Promise<void> {
    this.claimFenceOf({ projection, generation: 0, fence: token });
  }

  async identity(): Promise<string> {
    return this.id;
  }

  async load(target: ProjectionTarget, keys: ReadonlyArray<{ collection: string; id: string }>): Promise<Map<string, StoredDocument>> {
    const found = new Map<string, StoredDocument>();
    for (const { collection, id } of keys) {
      const stored = this.documents(collection, target.generation).get(id);
      if (stored) found.set(documentKey(collection, id), { document: copy(stored.document), position: stored.position });
    }
    return found;
  }

  /** Atomic (nothing awaits in between); a change older than, or as old as, the stored document's position is skipped. */
  async commit(target: ProjectionTarget, changes: readonly DocumentChange[], checkpoint: bigint): Promise<void> {
    // Validate and serialise everything before writing anything, so a bad change leaves the store as it was.
    const writes = changes.map((change) => ({
      change,
      documents: this.documents(change.collection, target.generation, true),
      normalized: change.document === null ? null : normalize(change.document, change.id),
    }));
    this.claimFenceOf(target);
    const before = new Map<string, bigint | undefined>();
    for (const { change, documents } of writes) {
      const key = documentKey(change.collection, change.id);
      if (!before.has(key)) before.set(key, documents.get(change.id)?.position);
    }
    for (const { change, documents, normalized } of writes) {
      // Guard against what was stored before this commit, so several changes of one document in a batch apply in order.
      const stored = before.get(documentKey(change.collection, change.id));
      if (stored !== undefined && stored >= change.position) continue;
      if (normalized === null) documents.delete(change.id);
      else documents.set(change.id, { document: normalized, position: change.position });
    }
    this.checkpoints.set(documentKey(target.projection, String(target.generation)), checkpoint);
  }

  async activate(target: ProjectionTarget): Promise<void> {
    this.claimFenceOf(target);
    this.active.set(target.projection, target.generation);
    const others = new Set<number>();
    const generationOf = (key: string): number => Number(key.slice(key.indexOf('\u0000') + 1));
    for (const key of this.data.keys())
      if (this.collections.get(key.slice(0, key.indexOf('\u0000')))?.projection === target.projection) others.add(generationOf(key));
    for (const key of this.checkpoints.keys()) if (key.startsWith(documentKey(target.projection, ''))) others.add(generationOf(key));
    others.delete(target.generation);
    for (const generation of others) await this.drop({ projection: target.projection, generation });
  }

  async drop(target: ProjectionTarget): Promise<void> {
    this.claimFenceOf(target);
    for (const [name, owner] of this.collections)
      if (owner.projection === target.projection) this.data.delete(documentKey(name, String(target.generation)));
    this.checkpoints.delete(documentKey(target.projection, String(target.generation)));
  }

  async close(): Promise<void> {}

  private claimFenceOf(target: ProjectionTarget): void {
    if (target.fence === undefined) return;
    const highest = this.fences.get(target.projection) ?? 0;
    if (highest > target.fence) throw new FencedOffError(target.projection, target.fence, highest);
    this.fences.set(target.projection, target.fence);
  }

  private activeOf(collection: string): number {
    const owner = this.collections.get(collection);
    if (!owner) throw new Error(`unknown collection ${collection}`);
    return this.active.get(owner.projection) ?? 0;
  }

  private documents(collection: string, generation: number, create = false): Map<string, Stored> {
    if (!this.collections.has(collection)) throw new Error(`unknown collection ${collection}`);
    const key = documentKey(collection, String(generation));
    let documents = this.data.get(key);
    if (!documents) {
      documents = new Map();
      if (create) this.data.set(key, documents);
    }
    return documents;
  }
}

import {
  type CollectionSpec,
  type DocumentChange,
  documentKey,
  type FindQuery,
  type Page,
  type ProjectionTarget,
  type ReadDocument,
  type ReadStore,
  type StoredDocument,
} from '../../application/ports/read-store.js';

/** A read store that can tell when another connection (another process) has committed to it. */
export interface VersionedReadStore extends ReadStore {
  /** Changes whenever another connection has committed since the previous call; this connection's commits leave it. */
  dataVersion(): number;
}

/** Freezes a document all the way down: the cache hands the same object to every caller, and none may change it. */
const deepFreeze = <T>(value: T): T => {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
};

export interface DocumentCacheOptions {
  /** Most documents kept (least recently read go first). */
  capacity?: number;
  /**
   * Whether other processes commit to the store too (an API role beside a projector on one SQLite file). Then
   * every get first asks the store whether one did since the last get, and if so forgets everything. A process
   * that runs the projections itself is the store's only writer (rebuilds run with the server stopped): its own
   * commits forget exactly what they change, and no get pays for the question.
   */
  otherWriters?: boolean;
}

/**
 * Keeps the documents `get` served recently, deep-frozen, in front of a read store: a single-document read is
 * the hot query of the API, and answering it from memory spares a round through the database on every request.
 * This process's commits forget the documents they change, a generation swap or drop forgets everything, and
 * while any of those is under way gets go to the store.
 */
export class DocumentCache implements ReadStore {
  private readonly docs = new Map<string, ReadDocument>();
  private readonly capacity: number;
  private readonly otherWriters: boolean;
  private seenVersion: number | undefined;
  /** Writes under way: while there are any, gets bypass the cache. */
  private writing = 0;
  /** Bumped whenever something is forgotten: a read that overlapped that is not kept (it may predate the write). */
  private generation = 0;

  constructor(
    private readonly store: VersionedReadStore,
    options: DocumentCacheOptions = {},
  ) {
    this.capacity = options.capacity ?? 10_000;
    this.otherWriters = options.otherWriters ?? true;
  }

  async get(collection: string, id: string): Promise<ReadDocument | null> {
    if (this.writing > 0) return this.store.get(collection, id);
    if (this.otherWriters) this.noticeOtherWriters();
    const key = documentKey(collection, id);
    const cached = this.docs.get(key);
    if (cached !== undefined) {
      this.docs.delete(key);
      this.docs.set(key, cached);
      return cached;
    }
    const generation = this.generation;
    const document = await this.store.get(collection, id);
    if (document !== null && generation === this.generation && this.writing === 0) {
      this.docs.set(key, deepFreeze(document));
      if (this.docs.size > this.capacity) this.docs.delete(this.docs.keys().next().value!);
    }
    return document;
  }

  commit(target: ProjectionTarget, changes: readonly DocumentChange[], checkpoint: bigint): Promise<void> {
    return this.writingThen(
      () => this.store.commit(target, changes, checkpoint),
      () => {
        for (const change of changes) this.docs.delete(documentKey(change.collection, change.id));
      },
    );
  }

  activate(target: ProjectionTarget): Promise<void> {
    return this.writingThen(() => this.store.activate(target), () => this.docs.clear());
  }

  drop(target: ProjectionTarget): Promise<void> {
    return this.writingThen(() => this.store.drop(target), () => this.docs.clear());
  }

  async close(): Promise<void> {
    this.forgetAll();
    await this.store.close();
  }

  define(projection: string, collections: readonly CollectionSpec[]): Promise<void> {
    return this.store.define(projection, collections);
  }

  find(collection: string, query: FindQuery): Promise<Page<ReadDocument>> {
    return this.store.find(collection, query);
  }

  activeGeneration(projection: string): Promise<number> {
    return this.store.activeGeneration(projection);
  }

  checkpoint(target: ProjectionTarget): Promise<bigint> {
    return this.store.checkpoint(target);
  }

  claimFence(projection: string, token: number): Promise<void> {
    return this.store.claimFence(projection, token);
  }

  identity(): Promise<string> {
    return this.store.identity();
  }

  load(target: ProjectionTarget, keys: ReadonlyArray<{ collection: string; id: string }>): Promise<Map<string, StoredDocument>> {
    return this.store.load(target, keys);
  }

  /** Runs a write with the cache bypassed, then forgets what it may have changed (whether it succeeded or not). */
  private async writingThen(write: () => Promise<void>, forget: () => void): Promise<void> {
    this.writing++;
    try {
      await write();
    } finally {
      this.generation++;
      forget();
      this.writing--;
    }
  }

  private noticeOtherWriters(): void {
    const version = this.store.dataVersion();
    if (version !== this.seenVersion) {
      this.forgetAll();
      this.seenVersion = version;
    }
  }

  private forgetAll(): void {
    this.generation++;
    this.docs.clear();
  }
}

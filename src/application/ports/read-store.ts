/**
 * The read-model store port: disposable documents built by projections, read by queries.
 *
 * Every collection belongs to one projection. A projection writes into a *generation* of its
 * collections: the live one serves queries while a rebuild fills the next, then `activate` swaps it in.
 * Each stored document remembers the position of the last event applied to it, so a redelivered
 * event can be recognised and skipped whatever the adapter.
 */

export type Scalar = string | number | boolean | null;
export type ReadDocument = { id: string } & Record<string, unknown>;

export interface CollectionSpec {
  name: string;
  /** Top-level fields that queries filter or sort on. */
  indexes?: readonly string[];
}

export interface FindQuery {
  /** Equality on top-level fields; values are bound, never interpreted. */
  where?: Readonly<Record<string, Scalar>>;
  /** Case-insensitive substring match on any of these top-level string fields. */
  search?: { fields: readonly string[]; text: string };
  /** A top-level field; ties are broken by id. Defaults to id. */
  orderBy?: string;
  direction?: 'asc' | 'desc';
  limit: number;
  cursor?: string | undefined;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface ProjectionTarget {
  projection: string;
  generation: number;
  /**
   * The fencing token of the projection lease its writer holds (when projectors share the store). A write that
   * carries one (commit, activate, drop) is refused with FencedOffError, writing nothing, when the store has already
   * seen a higher token for the projection; otherwise the store remembers it, in the same transaction as the write.
   * Absent: no lease is in play (one process writes the store) and nothing is checked.
   */
  fence?: number;
}

export interface StoredDocument {
  document: ReadDocument;
  /** Position of the last event applied to this document. */
  position: bigint;
}

export interface DocumentChange {
  collection: string;
  id: string;
  /** null deletes the document. */
  document: ReadDocument | null;
  position: bigint;
}

export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
  constructor() {
    super('the cursor is not one this server gave out');
  }
}

/** A write carried a fencing token lower than one the store has seen for the projection: its writer's lease is gone. */
export class FencedOffError extends Error {
  override readonly name = 'FencedOffError';
  constructor(
    readonly projection: string,
    readonly fence: number,
    readonly highest: number,
  ) {
    super(`the ${projection} read model refuses a write fenced with token ${fence}: it has seen token ${highest}`);
  }
}

export interface ReadStore {
  /** Declares a projection's collections, creating what is missing. Call before anything else. */
  define(projection: string, collections: readonly CollectionSpec[]): Promise<void>;

  /** A document as the read model holds it. Treat it as read-only: a caching adapter may hand the same (frozen) object to every caller. */
  get(collection: string, id: string): Promise<ReadDocument | null>;
  find(collection: string, query: FindQuery): Promise<Page<ReadDocument>>;

  /** The generation queries are served from (0 until a rebuild swaps another in). */
  activeGeneration(projection: string): Promise<number>;
  /** The position a generation has applied up to; 0n when it has applied nothing. */
  checkpoint(target: ProjectionTarget): Promise<bigint>;
  load(target: ProjectionTarget, keys: ReadonlyArray<{ collection: string; id: string }>): Promise<Map<string, StoredDocument>>;
  /** Writes the changes and the new checkpoint together (atomically where the store can); fenced (see ProjectionTarget.fence). */
  commit(target: ProjectionTarget, changes: readonly DocumentChange[], checkpoint: bigint): Promise<void>;
  /**
   * Records `token` as the projection's fencing token (see ProjectionTarget.fence), or refuses with FencedOffError
   * (naming the highest seen) when a higher one has been: a new lease holder calls it before it reads or writes
   * anything, so that from then on no write of an older holder lands, not even one it began before.
   */
  claimFence(projection: string, token: number): Promise<void>;
  /**
   * A random id made the first time the store's data is used and kept with it: every process that opens the same
   * data (whatever it calls the file or server) gets the same id, and a fresh store another (projection leases are
   * named after it).
   */
  identity(): Promise<string>;
  /** Makes `generation` the one queries read, and drops the others. */
  activate(target: ProjectionTarget): Promise<void>;
  /** Drops a generation's documents and checkpoint (a rebuild starts from empty). */
  drop(target: ProjectionTarget): Promise<void>;
  close(): Promise<void>;
}

export const documentKey = (collection: string, id: string): string => `${collection}\u0000${id}`;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Collection and field names come from code; this keeps a mistake from ever reaching a query as syntax. */
export const assertIdentifier = (name: string): string => {
  if (!IDENTIFIER.test(name)) throw new Error(`not a valid collection or field name: ${name}`);
  return name;
};

/**
 * The leases that let several projectors share one read store: each projection is written by the one projector
 * holding its lease, which expires `ttlMs` after its last renewal (so a projector that dies, however it dies, is
 * replaced within that time). Each acquisition hands out a fencing token higher than any before it; every write the
 * holder makes carries it, and the read store refuses a write whose token is lower than one it has seen (see
 * ProjectionTarget.fence), so a holder whose lease ran out without it noticing cannot write any more.
 */
export interface ProjectionLeases {
  /** This process as holders are named: host, pid, role and a random part. */
  readonly holderId: string;
  readonly ttlMs: number;
  /**
   * Takes the lease of `projection` for `ttlMs` when nobody holds it, and answers its fencing token: higher than any
   * handed out before, and than `above` (a token the read store has seen, should the counter have been lost).
   * Undefined when another holds it.
   */
  acquire(projection: string, above?: number): Promise<number | undefined>;
  /**
   * Extends the lease taken with `token` by `ttlMs` from now and leaves `report` (what the holder says of the
   * projection) for the other projectors to show. `held` is false once the lease is no longer this holder's.
   */
  renew(projection: string, token: number, report: string): Promise<Renewal>;
  /** Gives the lease up at once, if it is still the one taken with `token`. */
  release(projection: string, token: number): Promise<void>;
  /** Who holds each of these projections (absent: nobody), and what the holder last reported. */
  holders(projections: readonly string[]): Promise<Map<string, { holder: string; report: string | null }>>;
  /** Asks for a rebuild of `projection`; the request stays until a holder has swapped the rebuilt read model in. */
  requestRebuild(projection: string): Promise<void>;
  /** The requested rebuild is done (or cannot be: it faulted). */
  rebuildDone(projection: string): Promise<void>;
}

export interface Renewal {
  held: boolean;
  /** A rebuild of the projection has been asked for and not yet done (see `requestRebuild`). */
  rebuildRequested: boolean;
}

/** How projectors tell the processes that read the read models how far each one is (read-your-writes). */
export interface ProgressChannel {
  /** Tells everyone listening that `projection` has processed `position`, and keeps it for `latest`; never throws, never waits. */
  publish(projection: string, position: bigint): void;
  /**
   * The highest position published for `projection` (0n when none has been). It can be ahead of the read store's
   * checkpoint: a projector passes events of types it does not handle without committing anything.
   */
  latest(projection: string): Promise<bigint>;
  /**
   * Listens from now on; resolves once listening. `onGap` is called whenever messages may have been missed since
   * (the connection was lost and is back).
   */
  subscribe(listener: (projection: string, position: bigint) => void, onGap: () => void): Promise<void>;
  close(): Promise<void>;
}

import { FencedOffError, type ReadStore } from '../application/ports/read-store.js';
import type { ProjectionLeases } from './projection-lease.js';

/** A projection's lease is held by a projector: a job that would write the read model must not start. */
export class LeaseHeldError extends Error {
  override readonly name = 'LeaseHeldError';
  constructor(
    readonly projection: string,
    readonly holder: string | null,
  ) {
    super(`the ${projection} read model is being written by ${holder === null ? 'another process' : `projector ${holder}`}`);
  }
}

export interface HeldLeases {
  /** The fencing token of each projection, for the job's writes to carry. */
  fences: ReadonlyMap<string, number>;
  /** Stops renewing and gives every lease up. */
  release(): Promise<void>;
}

/**
 * Takes the leases of these projections for a job that writes their read models outside any projector
 * (`npm run rebuild-projections`), claims each fencing token in the read store, and renews them until released; the
 * projectors keep away meanwhile. Throws LeaseHeldError, keeping none, when one is held. Should a renewal fail for
 * longer than the lease lasts, a projector may take over: the read store then refuses the job's writes.
 */
export const holdLeases = async (leases: ProjectionLeases, readStore: ReadStore, names: readonly string[]): Promise<HeldLeases> => {
  const fences = new Map<string, number>();
  const release = async () => {
    clearInterval(renewal);
    for (const [name, token] of fences) await leases.release(name, token).catch(() => undefined);
  };
  const renewal = setInterval(() => {
    for (const [name, token] of fences)
      void leases.renew(name, token, JSON.stringify({ position: '0', status: 'rebuilding', error: null, rebuild: null })).catch(() => undefined);
  }, Math.max(1, Math.floor(leases.ttlMs / 3)));
  renewal.unref();
  try {
    for (const name of names) fences.set(name, await take(leases, readStore, name));
  } catch (error) {
    await release();
    throw error;
  }
  return { fences, release };
};

const take = async (leases: ProjectionLeases, readStore: ReadStore, name: string): Promise<number> => {
  let above = 0;
  for (;;) {
    const token = await leases.acquire(name, above);
    if (token === undefined) throw new LeaseHeldError(name, (await leases.holders([name])).get(name)?.holder ?? null);
    try {
      await readStore.claimFence(name, token);
      return token;
    } catch (error) {
      await leases.release(name, token);
      // The token counter is behind what the read store has seen (Redis lost it): one above, once.
      if (!(error instanceof FencedOffError) || above !== 0) throw error;
      above = error.highest;
    }
  }
};

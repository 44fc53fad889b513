import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { ProjectionLeases, Renewal } from '../../projections/projection-lease.js';

/*
 * Hand-written on SET NX PX and Lua rather than `redlock`: its releases stopped at 4.x (5.0 has been a beta for
 * years), and it hands out no fencing token, which is what makes a lease safe here. Every script runs atomically
 * in Redis. A projection's keys share a hash tag (`{name}`), so the scripts also run on Redis Cluster.
 *
 *   <prefix>{<name>}:lease    "<token> <holder>", expiring ttl after the last renewal
 *   <prefix>{<name>}:fence    the token counter (INCR); never expires (Redis must run with noeviction)
 *   <prefix>{<name>}:report   what the holder last said of the projection (JSON), expiring with the lease
 *   <prefix>{<name>}:rebuild  a rebuild asked for and not yet done
 */

/** KEYS lease, fence; ARGV holder, ttl, above → the new token, or nil when the lease is held. */
const ACQUIRE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return nil end
local above = tonumber(ARGV[3])
if (tonumber(redis.call('GET', KEYS[2])) or 0) < above then redis.call('SET', KEYS[2], above) end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], token .. ' ' .. ARGV[1], 'PX', ARGV[2])
return token`;

/** KEYS lease, report, rebuild; ARGV value, ttl, report → -1 when not held, else whether a rebuild is asked for (0/1). */
const RENEW = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[2])
return redis.call('EXISTS', KEYS[3])`;

/** KEYS lease, report; ARGV value. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1], KEYS[2]) end
return 0`;

/** How long a rebuild request waits for a holder before it is forgotten. */
const REBUILD_REQUEST_MS = 24 * 60 * 60 * 1000;

export interface RedisProjectionLeasesOptions {
  /** Key prefix: one namespace per read store (see `projectionNamespace`). */
  prefix: string;
  ttlMs: number;
  /** Named in the holder id, beside host and pid. */
  role?: string;
}

/** The namespace of a read store's leases and progress messages: projectors share them when they share the store. */
export const projectionNamespace = (storeIdentity: string): string => `ledgerflow:projections:${storeIdentity}:`;

export class RedisProjectionLeases implements ProjectionLeases {
  readonly holderId: string;
  readonly ttlMs: number;
  private readonly prefix: string;

  constructor(
    private readonly redis: Redis,
    options: RedisProjectionLeasesOptions,
  ) {
    this.prefix = options.prefix;
    this.ttlMs = options.ttlMs;
    this.holderId = `${hostname()}:${process.pid}:${options.role ?? 'projector'}:${randomBytes(3).toString('hex')}`;
  }

  async acquire(projection: string, above = 0): Promise<number | undefined> {
    const token = (await this.redis.eval(ACQUIRE, 2, this.key(projection, 'lease'), this.key(projection, 'fence'), this.holderId, this.ttlMs, above)) as number | null;
    return token === null ? undefined : Number(token);
  }

  async renew(projection: string, token: number, report: string): Promise<Renewal> {
    const answer = Number(
      await this.redis.eval(
        RENEW,
        3,
        this.key(projection, 'lease'),
        this.key(projection, 'report'),
        this.key(projection, 'rebuild'),
        this.valueOf(token),
        this.ttlMs,
        report,
      ),
    );
    return { held: answer >= 0, rebuildRequested: answer === 1 };
  }

  async release(projection: string, token: number): Promise<void> {
    await this.redis.eval(RELEASE, 2, this.key(projection, 'lease'), this.key(projection, 'report'), this.valueOf(token));
  }

  async holders(projections: readonly string[]): Promise<Map<string, { holder: string; report: string | null }>> {
    const holders = new Map<string, { holder: string; report: string | null }>();
    if (projections.length === 0) return holders;
    const pipeline = this.redis.pipeline();
    for (const projection of projections) pipeline.get(this.key(projection, 'lease')).get(this.key(projection, 'report'));
    const answers = (await pipeline.exec()) ?? [];
    projections.forEach((projection, index) => {
      const [leaseError, lease] = answers[index * 2] ?? [];
      const [reportError, report] = answers[index * 2 + 1] ?? [];
      if (leaseError) throw leaseError;
      if (reportError) throw reportError;
      if (typeof lease !== 'string') return;
      holders.set(projection, { holder: lease.slice(lease.indexOf(' ') + 1), report: typeof report === 'string' ? report : null });
    });
    return holders;
  }

  async requestRebuild(projection: string): Promise<void> {
    await this.redis.set(this.key(projection, 'rebuild'), new Date().toISOString(), 'PX', REBUILD_REQUEST_MS);
  }

  async rebuildDone(projection: string): Promise<void> {
    await this.redis.del(this.key(projection, 'rebuild'));
  }

  private valueOf(token: number): string {
    return `${token} ${this.holderId}`;
  }

  private key(projection: string, what: 'lease' | 'fence' | 'report' | 'rebuild'): string {
    return `${this.prefix}{${projection}}:${what}`;
  }
}

import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import type { EventStore } from '../../src/application/ports/event-store.js';
import {
  type CollectionSpec,
  type DocumentChange,
  FencedOffError,
  type FindQuery,
  type ProjectionTarget,
  type ReadStore,
} from '../../src/application/ports/read-store.js';
import { DocumentCache } from '../../src/infrastructure/read-store/document-cache.js';
import { MongoReadStore } from '../../src/infrastructure/read-store/mongo-read-store.js';
import { SqliteReadStore } from '../../src/infrastructure/read-store/sqlite-read-store.js';
import { RedisProgressChannel } from '../../src/infrastructure/redis/redis-progress-channel.js';
import { projectionNamespace, RedisProjectionLeases } from '../../src/infrastructure/redis/redis-projection-leases.js';
import type { FollowedProgressOptions } from '../../src/projections/followed-progress.js';
import type { ProgressChannel, ProjectionLeases, Renewal } from '../../src/projections/projection-lease.js';
import { ProjectionSupervisor } from '../../src/projections/projection-supervisor.js';
import type { Projection } from '../../src/projections/projection.js';
import { type NotConfigured } from './pending-by-design.js';

/**
 * Projectors (and API roles) as separate supervisors in one test process, each with its own Redis connections and
 * its own connection to one read store, as separate processes would have: SQLite (one file) or MongoDB.
 */

/** Two small projections: each counts its events per key and remembers the last event applied. */
const counting = (name: string, type: string): Projection => ({
  name,
  collections: [{ name }],
  documents: [
    {
      collection: name,
      eventTypes: [type],
      documentIds: (event) => [(event.data as { key: string }).key],
      evolve: (document, event, id) => ({ id, count: ((document?.count as number | undefined) ?? 0) + 1, last: event.id }),
    },
  ],
});
export const PROJECTIONS: readonly Projection[] = [counting('counters', 'Counted'), counting('tallies', 'Tallied')];

/** Appends `count` events spread over both projections and a few keys; resolves with the last position. */
export const appendSome = async (events: EventStore, count: number): Promise<bigint> => {
  let position = 0n;
  for (let index = 0; index < count; index++) {
    const key = `k${index % 7}`;
    const type = index % 3 === 0 ? 'Tallied' : 'Counted';
    ({ position } = await events.appendToStream(`thing-${key}`, [
      { id: randomUUID(), type, data: { key }, metadata: { correlationId: 'rig', causationId: 'rig' } },
    ]));
  }
  return position;
};

/** One shared read store: a connection per process that opens it. */
export interface SharedStore {
  connect(): Promise<ReadStore>;
  remove(): Promise<void>;
}

export interface StoreKind {
  name: string;
  notHere?: NotConfigured;
  open(): SharedStore;
}

const mongoUrl = process.env.MONGODB_URL ?? '';

export const STORE_KINDS: readonly StoreKind[] = [
  {
    name: 'SQLite (one file)',
    open: () => {
      const dir = mkdtempSync(join(tmpdir(), 'ledgerflow-projectors-'));
      const file = join(dir, 'read-models.sqlite');
      return {
        connect: async () => new DocumentCache(new SqliteReadStore(file, 'NORMAL', { otherWriters: true }), { otherWriters: true }),
        remove: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'MongoDB',
    ...(/^mongodb(\+srv)?:\/\//.test(mongoUrl)
      ? {}
      : { notHere: { needs: 'MONGODB_URL', reason: 'no MongoDB server: set MONGODB_URL (e.g. from .ci/start-ferretdb.sh) to run' } }),
    open: () => {
      const db = `ledgerflow_projectors_${randomBytes(6).toString('hex')}`;
      return {
        connect: () => MongoReadStore.connect(mongoUrl, db),
        remove: async () => {
          const client = await MongoClient.connect(mongoUrl);
          try {
            await client.db(db).dropDatabase();
          } finally {
            await client.close();
          }
        },
      };
    },
  },
];

/** What happened at the read store, in the order it happened, across every process of the rig. */
export interface Entry {
  seq: number;
  who: string;
  what: 'commit' | 'claim' | 'activate';
  projection: string;
  generation: number;
  fence: number | undefined;
  /** `seq` when the call was made; the entry itself is logged when it settles. */
  startedAt: number;
  outcome: 'ok' | 'refused' | 'failed';
}

export class StoreLog {
  readonly entries: Entry[] = [];
  private seq = 0;
  next(): number {
    return ++this.seq;
  }
  /** Successful commits by `who` (of `projection` when given). */
  commits(who: string, projection?: string): Entry[] {
    return this.entries.filter((entry) => entry.who === who && entry.what === 'commit' && entry.outcome === 'ok' && (projection === undefined || entry.projection === projection));
  }
  /** Who has committed to `projection` (successfully). */
  writers(projection: string): Set<string> {
    return new Set(this.entries.filter((entry) => entry.what === 'commit' && entry.outcome === 'ok' && entry.projection === projection).map((entry) => entry.who));
  }
}

/** A process's read store, its writes logged, its checkpoint reads counted. */
export class ObservedStore implements ReadStore {
  checkpointReads = 0;

  constructor(
    private readonly who: string,
    private readonly store: ReadStore,
    private readonly log: StoreLog,
  ) {}

  define(projection: string, collections: readonly CollectionSpec[]) {
    return this.store.define(projection, collections);
  }
  get(collection: string, id: string) {
    return this.store.get(collection, id);
  }
  find(collection: string, query: FindQuery) {
    return this.store.find(collection, query);
  }
  activeGeneration(projection: string) {
    return this.store.activeGeneration(projection);
  }
  checkpoint(target: ProjectionTarget) {
    this.checkpointReads++;
    return this.store.checkpoint(target);
  }
  load(target: ProjectionTarget, keys: ReadonlyArray<{ collection: string; id: string }>) {
    return this.store.load(target, keys);
  }
  identity() {
    return this.store.identity();
  }
  claimFence(projection: string, token: number) {
    return this.logged('claim', { projection, generation: -1, fence: token }, () => this.store.claimFence(projection, token));
  }
  commit(target: ProjectionTarget, changes: readonly DocumentChange[], checkpoint: bigint) {
    return this.logged('commit', target, () => this.store.commit(target, changes, checkpoint));
  }
  activate(target: ProjectionTarget) {
    return this.logged('activate', target, () => this.store.activate(target));
  }
  drop(target: ProjectionTarget) {
    return this.store.drop(target);
  }
  close() {
    return this.store.close();
  }

  private async logged(what: Entry['what'], target: ProjectionTarget, call: () => Promise<void>): Promise<void> {
    const startedAt = this.log.next();
    const entry = { who: this.who, what, projection: target.projection, generation: target.generation, fence: target.fence, startedAt };
    try {
      await call();
      this.log.entries.push({ ...entry, seq: this.log.next(), outcome: 'ok' });
    } catch (error) {
      this.log.entries.push({ ...entry, seq: this.log.next(), outcome: error instanceof FencedOffError ? 'refused' : 'failed' });
      throw error;
    }
  }
}

/**
 * How a projector's leases behave: `live` (Redis as it is), `dead` (a killed process: it calls Redis no more and
 * never releases), `unaware` (a paused or partitioned process: it believes every renewal succeeds, while in Redis
 * its lease runs out).
 */
export class SwitchableLeases implements ProjectionLeases {
  mode: 'live' | 'dead' | 'unaware' = 'live';

  constructor(private readonly leases: ProjectionLeases) {}

  get holderId(): string {
    return this.leases.holderId;
  }
  get ttlMs(): number {
    return this.leases.ttlMs;
  }
  acquire(projection: string, above?: number): Promise<number | undefined> {
    if (this.mode === 'dead') return new Promise(() => undefined);
    return this.leases.acquire(projection, above);
  }
  renew(projection: string, token: number, report: string): Promise<Renewal> {
    if (this.mode === 'dead') return new Promise(() => undefined);
    if (this.mode === 'unaware') return Promise.resolve({ held: true, rebuildRequested: false });
    return this.leases.renew(projection, token, report);
  }
  async release(projection: string, token: number): Promise<void> {
    if (this.mode === 'live') await this.leases.release(projection, token);
  }
  holders(projections: readonly string[]) {
    return this.leases.holders(projections);
  }
  requestRebuild(projection: string) {
    return this.leases.requestRebuild(projection);
  }
  rebuildDone(projection: string) {
    return this.leases.rebuildDone(projection);
  }
}

export interface RigProcess {
  who: string;
  supervisor: ProjectionSupervisor;
  store: ObservedStore;
  leases: SwitchableLeases | undefined;
  redis: Redis;
}

export interface ProcessOptions {
  follow?: FollowedProgressOptions;
  /** The process's progress channel as it uses it (e.g. one that loses messages). */
  channel?: (channel: ProgressChannel) => ProgressChannel;
}

export const LEASE_MS = 1000;
export const RETRY_MS = 100;

/** Supervisors over one event store, one shared read store and one Redis; everything they opened is closed by `close`. */
export class Rig {
  readonly log = new StoreLog();
  private readonly processes: RigProcess[] = [];

  constructor(
    readonly events: EventStore,
    readonly shared: SharedStore,
    private readonly redisUrl: string,
  ) {}

  /** A projector: runs the projections whose leases it takes. Not started. */
  projector(who: string, options: ProcessOptions = {}): Promise<RigProcess> {
    return this.process(who, true, options);
  }

  /** An API role: runs no projection, follows their progress. */
  apiRole(who: string, options: ProcessOptions = {}): Promise<RigProcess> {
    return this.process(who, false, options);
  }

  async close(): Promise<void> {
    for (const process of this.processes.splice(0)) {
      await process.supervisor.stop();
      await process.store.close();
      process.redis.disconnect();
    }
    await this.shared.remove();
  }

  private async process(who: string, projects: boolean, { follow, channel = (inner) => inner }: ProcessOptions): Promise<RigProcess> {
    const store = new ObservedStore(who, await this.shared.connect(), this.log);
    const redis = new Redis(this.redisUrl, { maxRetriesPerRequest: 2 });
    const namespace = projectionNamespace(await store.identity());
    const leases = projects ? new SwitchableLeases(new RedisProjectionLeases(redis, { prefix: namespace, ttlMs: LEASE_MS, role: who })) : undefined;
    const supervisor = new ProjectionSupervisor(PROJECTIONS, this.events, store, {
      decode: (event) => event,
      retries: 2,
      retryDelayMs: 10,
      progress: { channel: channel(new RedisProgressChannel(redis, namespace)), ...(follow ? { follow } : {}) },
      ...(leases ? { leases: { leases, timing: { renewEveryMs: LEASE_MS / 4, retryEveryMs: RETRY_MS } } } : {}),
    });
    const process = { who, supervisor, store, leases, redis };
    this.processes.push(process);
    return process;
  }
}

/** Polls `condition` (a test's own look, not the code under test) until it holds; false after `timeoutMs`. */
export const eventually = async (condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<boolean> => {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return condition();
};

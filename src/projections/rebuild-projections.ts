import type { EventStore, RecordedEvent } from '../application/ports/event-store.js';
import type { DocumentChange, ProjectionTarget, ReadStore } from '../application/ports/read-store.js';
import { forEachDocument, routesOf } from './apply-events.js';
import { type DocumentProjection, eventTypesOf, type Projection } from './projection.js';

export interface RebuildProgress {
  /** Events applied so far: those of a type some projection being rebuilt takes. */
  done: number;
  /** Events read from `$all` so far, those of other types included. */
  read: number;
  /** How far through `$all` the rebuild is, up to `head`: positions are what progress and ETA are measured in. */
  position: bigint;
  head: bigint;
}

export interface RebuildOptions {
  decode: (event: RecordedEvent) => RecordedEvent;
  /** Events applied at a time. */
  batchSize?: number;
  /** Changed documents a projection holds before it writes them to the read store (with its checkpoint). */
  flushDocuments?: number;
  /** Documents a projection keeps in memory between batches, so the next ones need not load them again. */
  keepDocuments?: number;
  onProgress?: (progress: RebuildProgress) => void;
  /** The fencing token each projection's writes carry, by name (held leases: see holdLeases). */
  fences?: ReadonlyMap<string, number>;
}

/** A document as the rebuild knows it (null: deleted), and whether it has changed since it was last written. */
interface Entry extends DocumentChange {
  dirty: boolean;
}

/**
 * The documents of one projection's generation being rebuilt, kept between batches. A rebuild is the only writer of
 * a generation it started empty, so what it has written is what is stored: hot documents (a product's stock, a
 * market's pools) need not be loaded, parsed, serialised and written again for every batch, and a document it does
 * not know does not exist (until it has forgotten one: beyond `keep` documents the oldest known are dropped after a
 * write, and loaded again when an event needs them). Events are folded exactly as `applyEvents` folds them; changes
 * are written `flushAt` documents at a time, each write with the checkpoint of the last batch it holds.
 */
class RebuildDocuments {
  private readonly known = new Map<string, Entry>();
  private readonly route: ReadonlyMap<string, readonly DocumentProjection<any>[]>;
  private dirty: Entry[] = [];
  private checkpoint: bigint | undefined;
  private complete = true;

  constructor(
    projection: Projection,
    private readonly store: ReadStore,
    private readonly target: ProjectionTarget,
    private readonly flushAt: number,
    private readonly keep: number,
  ) {
    this.route = routesOf(projection);
  }

  /** Applies a batch of events (those of other types are skipped) and notes `checkpoint` as reached. */
  async apply(events: readonly RecordedEvent[], checkpoint: bigint): Promise<void> {
    if (!this.complete) await this.loadForgotten(events);
    for (const event of events) {
      forEachDocument(this.route, event, (handler, id, key) => {
        let entry = this.known.get(key);
        // A document that already holds this event's position is left as it is (as applyEvents does).
        if (entry !== undefined && entry.position >= event.position) return;
        const document = handler.evolve(entry?.document ?? null, event, id);
        if (entry === undefined) {
          entry = { collection: handler.collection, id, document, position: event.position, dirty: false };
          this.known.set(key, entry);
        } else {
          entry.document = document;
          entry.position = event.position;
        }
        if (!entry.dirty) {
          entry.dirty = true;
          this.dirty.push(entry);
        }
      });
    }
    this.checkpoint = checkpoint;
    if (this.dirty.length >= this.flushAt) await this.flush();
  }

  /** Writes the changes held, with the checkpoint of the last batch applied. */
  async flush(): Promise<void> {
    if (this.checkpoint === undefined) return;
    await this.store.commit(this.target, this.dirty, this.checkpoint);
    for (const entry of this.dirty) entry.dirty = false;
    this.dirty = [];
    this.checkpoint = undefined;
    if (this.known.size <= this.keep) return;
    for (const key of this.known.keys()) {
      this.known.delete(key);
      this.complete = false;
      if (this.known.size <= this.keep) break;
    }
  }

  /** Loads, in one call, the documents these events touch that were forgotten. */
  private async loadForgotten(events: readonly RecordedEvent[]): Promise<void> {
    const missing = new Map<string, { collection: string; id: string }>();
    for (const event of events) {
      forEachDocument(this.route, event, (handler, id, key) => {
        if (!this.known.has(key)) missing.set(key, { collection: handler.collection, id });
      });
    }
    if (missing.size === 0) return;
    const loaded = await this.store.load(this.target, [...missing.values()]);
    for (const [key, { collection, id }] of missing) {
      const stored = loaded.get(key);
      if (stored !== undefined) this.known.set(key, { collection, id, document: stored.document, position: stored.position, dirty: false });
    }
  }
}

export interface RebuildResult {
  /** Events applied: those of a type some projection being rebuilt takes. */
  events: number;
  /** Events read from `$all` up to `head`, those of other types included. */
  read: number;
  /** The position every rebuilt read model now holds. */
  head: bigint;
}

/** What `npm run rebuild-projections` prints when it is done. */
export const describeRebuild = (projections: readonly Projection[], result: RebuildResult, seconds: number): string =>
  `rebuilt ${projections.length} projection(s) (${projections.map((projection) => projection.name).join(', ')}): ` +
  `read ${result.read} event(s) of $all up to position ${result.head}, applied ${result.events}, in ${seconds.toFixed(1)} s`;

/**
 * Rebuilds projections from position 0 in one pass over `$all`: each projection fills a fresh generation,
 * which is swapped in once it holds every event up to the head. Meant for a stopped server
 * (`npm run rebuild-projections`); a running one rebuilds beside the live read model instead.
 * Every event up to the head is read (and counted), and those of the projections' types applied.
 */
export const rebuildProjections = async (
  projections: readonly Projection[],
  events: EventStore,
  readStore: ReadStore,
  options: RebuildOptions,
): Promise<RebuildResult> => {
  const batchSize = options.batchSize ?? 2000;
  const flushAt = options.flushDocuments ?? 25_000;
  const keep = Math.max(options.keepDocuments ?? 100_000, flushAt);
  const targets = new Map<Projection, { target: ProjectionTarget; documents: RebuildDocuments }>();
  for (const projection of projections) {
    await readStore.define(projection.name, projection.collections);
    const fence = options.fences?.get(projection.name);
    const generation = (await readStore.activeGeneration(projection.name)) + 1;
    const target: ProjectionTarget = fence === undefined ? { projection: projection.name, generation } : { projection: projection.name, generation, fence };
    await readStore.drop(target);
    targets.set(projection, { target, documents: new RebuildDocuments(projection, readStore, target, flushAt, keep) });
  }
  const eventTypes = new Set(projections.flatMap(eventTypesOf));
  const head = await events.headPosition();
  let done = 0;
  let read = 0;
  let batch: RecordedEvent[] = [];
  const apply = async () => {
    if (batch.length === 0) return;
    const last = batch[batch.length - 1]!.position;
    for (const { documents } of targets.values()) await documents.apply(batch, last);
    done += batch.length;
    options.onProgress?.({ done, read, position: last, head });
    batch = [];
  };
  for await (const event of events.readAll()) {
    if (event.position > head) break;
    read++;
    if (!eventTypes.has(event.type)) continue;
    batch.push(options.decode(event));
    if (batch.length >= batchSize) await apply();
  }
  await apply();
  for (const { target, documents } of targets.values()) {
    await documents.flush();
    await readStore.commit(target, [], head);
    await readStore.activate(target);
  }
  return { events: done, read, head };
};

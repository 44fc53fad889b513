import type { EventStore, RecordedEvent } from '../application/ports/event-store.js';
import { type DocumentChange, documentKey, type ProjectionTarget, type ReadStore, type StoredDocument } from '../application/ports/read-store.js';
import { applyEvents } from './apply-events.js';
import { eventTypesOf, type Projection } from './projection.js';

export interface RebuildProgress {
  /** Events applied so far. */
  done: number;
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
}

/** A document as the rebuild knows it (null: deleted), and whether it has changed since it was last written. */
interface Entry {
  collection: string;
  id: string;
  document: StoredDocument['document'] | null;
  position: bigint;
  dirty: boolean;
}

/**
 * The documents of one generation being rebuilt, kept between batches: a rebuild is the only writer of a generation
 * it started empty, so what it has written is what is stored, and hot documents (a product's stock, a market's pools)
 * need not be loaded, parsed, serialised and written again for every batch. Changes are written in larger commits
 * (each with the checkpoint of the last batch it holds), which also writes each page of the read model once for
 * many changes. Beyond `keep` documents the oldest known are forgotten (and loaded again if needed); until one has
 * been, a document this rebuild does not know does not exist and is not looked up.
 */
class RebuildDocuments implements Pick<ReadStore, 'load' | 'commit'> {
  private readonly known = new Map<string, Entry>();
  private dirty: Entry[] = [];
  private checkpoint: bigint | undefined;
  private complete = true;

  constructor(
    private readonly store: ReadStore,
    private readonly target: ProjectionTarget,
    private readonly flushAt: number,
    private readonly keep: number,
  ) {}

  async load(target: ProjectionTarget, keys: ReadonlyArray<{ collection: string; id: string }>): Promise<Map<string, StoredDocument>> {
    const found = new Map<string, StoredDocument>();
    const missing = new Map<string, { collection: string; id: string }>();
    for (const key of keys) {
      const name = documentKey(key.collection, key.id);
      const entry = this.known.get(name);
      if (entry === undefined) {
        if (!this.complete) missing.set(name, key);
      } else if (entry.document !== null) found.set(name, entry as StoredDocument);
    }
    if (missing.size > 0) {
      const loaded = await this.store.load(target, [...missing.values()]);
      for (const [name, { collection, id }] of missing) {
        const stored = loaded.get(name);
        if (stored === undefined) continue;
        const entry: Entry = { collection, id, document: stored.document, position: stored.position, dirty: false };
        this.known.set(name, entry);
        found.set(name, entry as StoredDocument);
      }
    }
    return found;
  }

  async commit(_target: ProjectionTarget, changes: readonly DocumentChange[], checkpoint: bigint): Promise<void> {
    for (const change of changes) {
      const name = documentKey(change.collection, change.id);
      let entry = this.known.get(name);
      if (entry === undefined) {
        entry = { collection: change.collection, id: change.id, document: change.document, position: change.position, dirty: false };
        this.known.set(name, entry);
      } else {
        entry.document = change.document;
        entry.position = change.position;
      }
      if (!entry.dirty) {
        entry.dirty = true;
        this.dirty.push(entry);
      }
    }
    this.checkpoint = checkpoint;
    if (this.dirty.length >= this.flushAt) await this.flush();
  }

  /** Writes the changes held, with the checkpoint of the last batch applied. */
  async flush(): Promise<void> {
    if (this.checkpoint === undefined) return;
    const changes: DocumentChange[] = this.dirty;
    await this.store.commit(this.target, changes, this.checkpoint);
    for (const entry of this.dirty) entry.dirty = false;
    this.dirty = [];
    this.checkpoint = undefined;
    if (this.known.size <= this.keep) return;
    for (const name of this.known.keys()) {
      this.known.delete(name);
      this.complete = false;
      if (this.known.size <= this.keep) break;
    }
  }
}

/**
 * Rebuilds projections from position 0 in one pass over `$all`: each projection fills a fresh generation,
 * which is swapped in once it holds every event up to the head. Meant for a stopped server
 * (`npm run rebuild-projections`); a running one rebuilds beside the live read model instead.
 */
export const rebuildProjections = async (
  projections: readonly Projection[],
  events: EventStore,
  readStore: ReadStore,
  options: RebuildOptions,
): Promise<{ events: number }> => {
  const batchSize = options.batchSize ?? 5000;
  const flushAt = options.flushDocuments ?? 25_000;
  const keep = Math.max(options.keepDocuments ?? 100_000, flushAt);
  const targets = new Map<Projection, { target: ProjectionTarget; types: Set<string>; documents: RebuildDocuments }>();
  for (const projection of projections) {
    await readStore.define(projection.name, projection.collections);
    const target = { projection: projection.name, generation: (await readStore.activeGeneration(projection.name)) + 1 };
    await readStore.drop(target);
    targets.set(projection, { target, types: new Set(eventTypesOf(projection)), documents: new RebuildDocuments(readStore, target, flushAt, keep) });
  }
  const eventTypes = [...new Set(projections.flatMap(eventTypesOf))];
  const head = await events.headPosition();
  let done = 0;
  let batch: RecordedEvent[] = [];
  const apply = async () => {
    if (batch.length === 0) return;
    const last = batch[batch.length - 1]!.position;
    for (const [projection, { target, types, documents }] of targets) {
      const relevant = batch.filter((event) => types.has(event.type));
      await applyEvents(projection, documents, target, relevant, last);
    }
    done += batch.length;
    options.onProgress?.({ done, position: last, head });
    batch = [];
  };
  for await (const event of events.readAll({ filter: { eventTypes } })) {
    if (event.position > head) break;
    batch.push(options.decode(event));
    if (batch.length >= batchSize) await apply();
  }
  await apply();
  for (const { target, documents } of targets.values()) {
    await documents.flush();
    await readStore.commit(target, [], head);
    await readStore.activate(target);
  }
  return { events: done };
};

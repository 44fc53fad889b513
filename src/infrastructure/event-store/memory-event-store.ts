import { randomUUID } from 'node:crypto';
import type {
  AllSubscription,
  AppendOptions,
  AppendResult,
  EventData,
  EventStore,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeToAllOptions,
} from '../../application/ports/event-store.js';
import { matchesFilter } from '../../application/ports/event-store.js';
import { AppendSignal } from './append-signal.js';
import { catchUpSubscription, type ScanResult } from './catch-up-subscription.js';
import { assertExpectedRevision, isRepeatOfStoredBatch } from './expected-revision.js';
import { pageOfStream } from './stream-page.js';

/** Keeps everything in this process; for fast specs. Position n is the n-th event, from 1. */
export class MemoryEventStore implements EventStore {
  private readonly all: RecordedEvent[] = [];
  private readonly streams = new Map<string, RecordedEvent[]>();
  private readonly byId = new Map<string, RecordedEvent>();
  private readonly signal = new AppendSignal();
  private readonly id = randomUUID();

  async appendToStream(stream: string, events: readonly EventData[], options: AppendOptions = {}): Promise<AppendResult> {
    const expected = options.expectedRevision ?? 'any';
    const existing = this.streams.get(stream);
    const stored = events.flatMap((event) => this.byId.get(event.id) ?? []);
    if (stored.length > 0 && isRepeatOfStoredBatch(stream, events.map((e) => e.id), expected, stored)) {
      const last = stored[stored.length - 1]!;
      return { nextExpectedRevision: last.revision, position: last.position, positions: stored.map((event) => event.position) };
    }
    const current = existing ? BigInt(existing.length - 1) : undefined;
    assertExpectedRevision(stream, expected, current);
    if (stored.length > 0) throw new Error(`event ids already used: ${stored.map((e) => e.id).join(', ')}`);
    const streamEvents = existing ?? [];
    const recordedAt = new Date();
    const positions: bigint[] = [];
    for (const event of events) {
      const recorded: RecordedEvent = {
        id: event.id,
        type: event.type,
        data: structuredClone(event.data),
        metadata: { ...event.metadata },
        streamId: stream,
        revision: BigInt(streamEvents.length),
        position: BigInt(this.all.length + 1),
        recordedAt,
      };
      positions.push(recorded.position);
      streamEvents.push(recorded);
      this.all.push(recorded);
      this.byId.set(recorded.id, recorded);
    }
    if (events.length > 0) this.streams.set(stream, streamEvents);
    this.signal.notify();
    return {
      nextExpectedRevision: BigInt(streamEvents.length - 1),
      position: BigInt(this.all.length),
      positions,
    };
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    return pageOfStream(this.streams.get(stream) ?? [], options);
  }

  async *readAll(options: ReadAllOptions = {}): AsyncGenerator<RecordedEvent> {
    const backwards = options.direction === 'backwards';
    const max = options.maxCount ?? Number.POSITIVE_INFINITY;
    let index = options.fromPosition === undefined ? (backwards ? this.all.length - 1 : 0) : Number(options.fromPosition) - 1;
    if (index < 0 && !backwards) index = 0;
    let count = 0;
    while (count < max && index >= 0 && index < this.all.length) {
      const event = this.all[index]!;
      index += backwards ? -1 : 1;
      if (!matchesFilter(options.filter, event.streamId, event.type)) continue;
      count++;
      yield event;
    }
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): AllSubscription {
    return catchUpSubscription((after, limit, filter) => this.scanAfter(after, limit, filter), this.signal, {
      ...options,
      pollMs: 60_000,
    });
  }

  async headPosition(): Promise<bigint> {
    return BigInt(this.all.length);
  }

  async storeId(): Promise<string> {
    return this.id;
  }

  async close(): Promise<void> {
    this.signal.releaseAll();
  }

  private scanAfter(after: bigint, limit: number, filter: ReadAllOptions['filter']): ScanResult {
    const events: RecordedEvent[] = [];
    let index = Number(after);
    while (index < this.all.length && events.length < limit) {
      const event = this.all[index++]!;
      if (matchesFilter(filter, event.streamId, event.type)) events.push(event);
    }
    return { events, scannedTo: index > Number(after) ? BigInt(index) : undefined };
  }
}

/**
 * Follows the platform's event store from the bench process: `SqliteEventStore.subscribeToAll` on the server's
 * `DATA_DIR/events.sqlite` (this process only reads it), filtered to the events that place and end an order, and
 * keeps each order's `recordedAt` of OrderPlaced and of OrderConfirmed (or OrderCancelled): placed→confirmed as
 * the store recorded it, with no polling of the API.
 */
import { join } from 'node:path';
import type { AllSubscription } from '../../src/application/ports/event-store.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';

export interface OrderTimes {
  /** recordedAt of OrderPlaced, ms since the epoch. */
  placedAt?: number;
  confirmedAt?: number;
  cancelledAt?: number;
  cancellationReason?: string;
}

const FOLLOWED = ['OrderPlaced', 'OrderConfirmed', 'OrderCancelled'];

export class OrderFollower {
  readonly orders = new Map<string, OrderTimes>();
  private readonly store: SqliteEventStore;
  private readonly subscription: AllSubscription;
  private readonly done: Promise<void>;
  private failure: unknown;
  private readonly waiters = new Map<string, () => void>();
  /** How many OrderPlaced / OrderConfirmed / OrderCancelled it has seen. */
  placed = 0;
  confirmed = 0;
  cancelled = 0;

  /** `pollMs`: how often it looks for the server's appends (another process's appends wake no one here). */
  constructor(dataDir: string, pollMs = 20) {
    this.store = new SqliteEventStore(join(dataDir, 'events.sqlite'), { backgroundCheckpoints: false, pollMs });
    this.subscription = this.store.subscribeToAll({ filter: { eventTypes: FOLLOWED } });
    this.done = this.follow().catch((error: unknown) => {
      this.failure = error;
    });
  }

  private async follow(): Promise<void> {
    for await (const event of this.subscription) {
      const orderId = (event.data as { orderId: string }).orderId;
      const times = this.orders.get(orderId) ?? {};
      const at = event.recordedAt.getTime();
      if (event.type === 'OrderPlaced') {
        times.placedAt = at;
        this.placed++;
      } else if (event.type === 'OrderConfirmed') {
        times.confirmedAt = at;
        this.confirmed++;
      } else {
        times.cancelledAt = at;
        times.cancellationReason = (event.data as { reason: string }).reason;
        this.cancelled++;
      }
      this.orders.set(orderId, times);
      if (event.type !== 'OrderPlaced') {
        this.waiters.get(orderId)?.();
        this.waiters.delete(orderId);
      }
    }
  }

  private isFinal(orderId: string): boolean {
    const times = this.orders.get(orderId);
    return times?.confirmedAt !== undefined || times?.cancelledAt !== undefined;
  }

  /** Resolves once the order is confirmed or cancelled (true), or after `timeoutMs` (false). */
  whenFinal(orderId: string, timeoutMs = 120_000): Promise<boolean> {
    if (this.isFinal(orderId)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(orderId);
        resolve(false);
      }, timeoutMs);
      this.waiters.set(orderId, () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** The types of a stream's events, in order (what the platform appended for one order or product). */
  async typesOf(stream: string): Promise<string[]> {
    return (await this.store.readStream(stream)).map((event) => event.type);
  }

  /** Every event of a stream, as recorded. */
  readStream(stream: string) {
    return this.store.readStream(stream);
  }

  /** Resolves once every one of `ids` is confirmed or cancelled, or answers false after `timeoutMs`. */
  async waitUntilFinal(ids: readonly string[], timeoutMs: number, onWait?: (open: number) => void): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    let lastReport = Date.now();
    for (;;) {
      if (this.failure) throw this.failure;
      const open = ids.filter((id) => !this.isFinal(id)).length;
      if (open === 0) return true;
      if (Date.now() > deadline) return false;
      if (onWait && Date.now() - lastReport >= 5000) {
        onWait(open);
        lastReport = Date.now();
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async close(): Promise<void> {
    await this.subscription.close();
    await this.done;
    await this.store.close();
    if (this.failure) throw this.failure;
  }
}

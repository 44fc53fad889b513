/**
 * A deterministic, realistic event history for the projections bench: what the platform's command handlers and
 * sagas would have recorded, interleaved the way concurrent requests interleave them.
 *
 * The history is a run of *processes* (a user signing up, a product launched, an order going through the
 * fulfilment saga, a market from creation to payouts, a restock, a rename…), several hundred in flight at once;
 * each step of a process is one command: one append of one or two events to one stream, as CommandHandler makes
 * them (UUIDv7 ids for aggregates and events as `newId()` makes them, random correlation ids, causation ids, the actor's userId, a traceparent on HTTP requests,
 * schemaVersion). Every payload goes through the event registry's `encode`, i.e. the zod schema.
 */
import { createHash } from 'node:crypto';
import type { EventData, EventMetadata } from '../../src/application/ports/event-store.js';
import { createEventRegistry } from '../../src/infrastructure/modules/event-catalog.js';
import { settle } from '../../src/domain/markets/parimutuel.js';

/** A small, fast, seedable PRNG (mulberry32): the same seed gives the same history. */
export const prng = (seed: number): (() => number) => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

const HEX = '0123456789abcdef';

export interface Step {
  stream: string;
  events: EventData[];
}

interface DomainEvent {
  type: string;
  data: unknown;
}

/** One in-flight process: yields its commands one by one. */
type Process = Iterator<Step, void>;

interface Product {
  id: string;
  price: number;
  onHand: number;
  reserved: number;
}

interface User {
  id: string;
  email: string;
}

const FIRST = ['Ada', 'Grace', 'Alan', 'Barbara', 'Edsger', 'Margaret', 'Donald', 'Frances', 'Ken', 'Radia', 'Tim', 'Sophie', 'Linus', 'Hedy', 'John', 'Katherine'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Liskov', 'Dijkstra', 'Hamilton', 'Knuth', 'Allen', 'Thompson', 'Perlman', 'Berners-Lee', 'Wilson', 'Torvalds', 'Lamarr', 'Backus', 'Johnson'];
const ADJECTIVES = ['Compact', 'Wireless', 'Ergonomic', 'Stainless', 'Organic', 'Refurbished', 'Premium', 'Portable', 'Modular', 'Recycled'];
const NOUNS = ['Keyboard', 'Kettle', 'Backpack', 'Desk Lamp', 'Headphones', 'Water Bottle', 'Notebook', 'Monitor Arm', 'Coffee Grinder', 'Router'];
const TOPICS = ['the ECB raise rates', 'Team Blue win the final', 'the launch happen on schedule', 'turnout exceed 70%', 'the merger be approved', 'it snow in Paris', 'the index close higher', 'the bill pass the senate'];
const OUTCOME_SETS = [['yes', 'no'], ['yes', 'no'], ['yes', 'no'], ['home', 'draw', 'away'], ['up', 'flat', 'down'], ['q1', 'q2', 'q3', 'q4']];
const DAY = 86_400_000;

export interface WorkloadOptions {
  seed?: number;
  /** Processes in flight at once: how far apart the events of one aggregate are spread. */
  concurrency?: number;
  /** Validate every payload with the zod schema (the registry's encode), as the command handler does. */
  validate?: boolean;
}

/**
 * Produces steps (one command's append each) until asked to stop. The mix, measured on a 1,000,000-event run, is
 * roughly: orders ~45% (order stream) + ~20% (stock reservations on product streams), markets ~25%, users ~6%,
 * product catalogue (creation, restocks, price changes) ~2%, uniqueness claims ~2%.
 */
export class Workload {
  private readonly random: () => number;
  private readonly registry = createEventRegistry();
  private readonly validate: boolean;
  private readonly concurrency: number;
  private readonly active: Process[] = [];
  private readonly users: User[] = [];
  private readonly products: Product[] = [];
  private readonly admins: string[] = [];
  /** Simulated wall clock (ms), moving forwards a little with every command. */
  private clock = Date.UTC(2026, 0, 5, 8, 0, 0);
  private serial = 0;
  private idMs = 0;
  private idSeq = 0;

  constructor(options: WorkloadOptions = {}) {
    this.random = prng(options.seed ?? 20_260_105);
    this.validate = options.validate ?? true;
    this.concurrency = options.concurrency ?? 400;
  }

  /** The next command of a randomly chosen in-flight process (new processes are started to keep `concurrency` in flight). */
  next(): Step {
    for (;;) {
      while (this.active.length < this.concurrency) this.active.push(this.spawn());
      const index = Math.floor(this.random() * this.active.length);
      const result = this.active[index]!.next();
      if (result.done) {
        this.active[index] = this.active[this.active.length - 1]!;
        this.active.pop();
        continue;
      }
      this.clock += 1 + Math.floor(this.random() * 40);
      return result.value;
    }
  }

  // --- helpers ------------------------------------------------------------------------------------------------------

  private int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  private word32(): string {
    return ((this.random() * 4294967296) >>> 0).toString(16).padStart(8, '0');
  }

  /** A random (version 4) UUID: what the HTTP layer makes correlation ids of. */
  private uuid4(): string {
    const a = this.word32();
    const b = this.word32();
    const c = this.word32();
    const d = this.word32();
    return `${a}-${b.slice(0, 4)}-4${b.slice(5)}-${HEX[8 + (c.charCodeAt(0) & 3)]}${c.slice(1, 4)}-${c.slice(4)}${d}`;
  }

  /**
   * A UUIDv7 at the simulated clock, as `newId()` (src/application/ids.ts) makes aggregate and event ids: 48 bits of
   * milliseconds, then a counter that keeps ids made within one millisecond in order, then random bits.
   */
  private uuid(): string {
    if (this.clock !== this.idMs) {
      this.idMs = this.clock;
      this.idSeq = Math.floor(this.random() * 0x400);
    } else this.idSeq = (this.idSeq + 1) & 0xfff;
    const ms = this.clock.toString(16).padStart(12, '0');
    const c = this.word32();
    const d = this.word32();
    return `${ms.slice(0, 8)}-${ms.slice(8)}-7${this.idSeq.toString(16).padStart(3, '0')}-${HEX[8 + (c.charCodeAt(0) & 3)]}${c.slice(1, 4)}-${c.slice(4)}${d}`;
  }

  private hex(length: number): string {
    let out = '';
    while (out.length < length) out += this.word32();
    return out.slice(0, length);
  }

  private now(): string {
    return new Date(this.clock).toISOString();
  }

  /** A user picked with a skew towards the active ones (the first registered). */
  private someUser(): User {
    const n = this.users.length;
    return this.users[Math.floor(n * this.random() ** 1.6)]!;
  }

  /** Popular products sell much more than the long tail (a Zipf-like skew). */
  private someProduct(): Product {
    const n = this.products.length;
    return this.products[Math.floor(n * this.random() ** 2.5)]!;
  }

  /** One command context: correlation id per request or saga run, causation id, actor, traceparent on HTTP requests. */
  private context(correlationId: string, userId: string | undefined, http: boolean, causationId?: string): Omit<EventMetadata, 'schemaVersion'> {
    return {
      correlationId,
      causationId: causationId ?? correlationId,
      ...(userId === undefined ? {} : { userId }),
      ...(http ? { traceparent: `00-${this.hex(32)}-${this.hex(16)}-01` } : {}),
    };
  }

  private step(stream: string, context: Omit<EventMetadata, 'schemaVersion'>, ...events: DomainEvent[]): Step {
    return {
      stream,
      events: events.map((event) => {
        const { data, schemaVersion } = this.validate ? this.registry.encode(event.type, event.data) : { data: event.data, schemaVersion: 1 };
        return { id: this.uuid(), type: event.type, data, metadata: { ...context, schemaVersion } };
      }),
    };
  }

  private claim(scope: string, value: string, ownerId: string, context: Omit<EventMetadata, 'schemaVersion'>): Step {
    const stream = `${scope}_unique-${createHash('sha256').update(value).digest('hex').slice(0, 40)}`;
    return this.step(stream, context, { type: 'UniqueValueClaimed', data: { scope, value, ownerId, claimedAt: this.now() } });
  }

  // --- processes ----------------------------------------------------------------------------------------------------

  private spawn(): Process {
    if (this.admins.length === 0) return this.signUp(true);
    if (this.users.length < 50) return this.signUp(false);
    if (this.products.length < 50) return this.launchProduct();
    const roll = this.random();
    if (roll < 0.56) return this.order();
    if (roll < 0.76) return this.signUp(false);
    if (roll < 0.8) return this.market();
    if (roll < 0.88) return this.userActivity();
    if (roll < 0.9) return this.launchProduct();
    if (roll < 0.97) return this.restock();
    return this.repricing();
  }

  private *signUp(admin: boolean): Process {
    const userId = this.uuid();
    const name = `${this.pick(FIRST)} ${this.pick(LAST)}`;
    const email = `${name.toLowerCase().replace(/[^a-z]+/g, '.')}.${++this.serial}@example.${this.pick(['com', 'org', 'net', 'io'])}`;
    const context = this.context(this.uuid4(), undefined, true);
    yield this.claim('user_email', email, userId, context);
    const passwordHash = `scrypt$16384$8$1$${Buffer.from(this.hex(32), 'hex').toString('base64')}$${Buffer.from(this.hex(64), 'hex').toString('base64')}`;
    yield this.step(`user-${userId}`, context, {
      type: 'UserRegistered',
      data: { userId, email, name, passwordHash, roles: admin ? ['admin', 'customer'] : ['customer'], registeredAt: this.now() },
    });
    this.users.push({ id: userId, email });
    if (admin) this.admins.push(userId);
  }

  private *userActivity(): Process {
    const user = this.someUser();
    const roll = this.random();
    const context = this.context(this.uuid4(), user.id, true);
    if (roll < 0.65) yield this.step(`user-${user.id}`, context, { type: 'UserRenamed', data: { userId: user.id, name: `${this.pick(FIRST)} ${this.pick(LAST)}` } });
    else if (roll < 0.97)
      yield this.step(`user-${user.id}`, context, { type: 'UserPasswordChanged', data: { userId: user.id, passwordHash: `scrypt$16384$8$1$${this.hex(22)}$${this.hex(86)}` } });
    else yield this.step(`user-${user.id}`, this.context(this.uuid4(), this.pick(this.admins), true), { type: 'UserRoleGranted', data: { userId: user.id, role: 'admin' } });
  }

  private *launchProduct(): Process {
    const productId = this.uuid();
    const admin = this.pick(this.admins);
    const sku = `SKU-${(++this.serial).toString(36).toUpperCase().padStart(6, '0')}`;
    const context = this.context(this.uuid4(), admin, true);
    yield this.claim('product_sku', sku.toLowerCase(), productId, context);
    const price = 199 + this.int(0, 400) * 25;
    const initialStock = this.int(20, 500);
    const name = `${this.pick(ADJECTIVES)} ${this.pick(NOUNS)}`;
    yield this.step(`product-${productId}`, context, {
      type: 'ProductCreated',
      data: {
        productId,
        sku,
        name,
        description: `${name}: ${this.pick(['built to last', 'our best seller', 'new this season', 'limited edition'])}, ${this.pick(['ships in 24 h', 'two-year warranty', 'free returns'])}.`,
        price: { amount: price, currency: 'EUR' },
        initialStock,
        createdBy: admin,
      },
    });
    this.products.push({ id: productId, price, onHand: initialStock, reserved: 0 });
  }

  /** Restocks the product that is lowest on stock among a few popular ones (ops refilling what sells). */
  private *restock(): Process {
    let product = this.someProduct();
    for (let i = 0; i < 3; i++) {
      const other = this.someProduct();
      if (other.onHand - other.reserved < product.onHand - product.reserved) product = other;
    }
    const delta = this.random() < 0.9 ? this.int(50, 400) : -this.int(1, Math.max(1, Math.min(5, product.onHand - product.reserved)));
    if (product.onHand + delta - product.reserved < 0) return;
    product.onHand += delta;
    yield this.step(`product-${product.id}`, this.context(this.uuid4(), this.pick(this.admins), true), {
      type: 'StockAdjusted',
      data: { productId: product.id, delta, reason: delta > 0 ? 'restock' : this.pick(['damaged', 'stocktake correction', 'lost in transit']) },
    });
  }

  private *repricing(): Process {
    const product = this.someProduct();
    product.price = Math.max(99, product.price + this.int(-8, 12) * 25);
    yield this.step(`product-${product.id}`, this.context(this.uuid4(), this.pick(this.admins), true), {
      type: 'ProductPriceChanged',
      data: { productId: product.id, price: { amount: product.price, currency: 'EUR' } },
    });
  }

  /** An order through the fulfilment saga: reserve each line, then capture (confirm) or decline/time out (cancel). */
  private *order(): Process {
    const customer = this.someUser();
    const orderId = this.uuid();
    const stream = `order-${orderId}`;
    const correlationId = this.uuid4();
    const lineCount = Math.min(1 + Math.floor(-Math.log(1 - this.random()) * 1.2), 8);
    const lines = new Map<Product, number>();
    for (let i = 0; i < lineCount; i++) {
      const product = this.someProduct();
      lines.set(product, (lines.get(product) ?? 0) + this.int(1, 3));
    }
    const items = [...lines].map(([product, quantity]) => ({ productId: product.id, quantity, unitPrice: { amount: product.price, currency: 'EUR' } }));
    const total = { amount: items.reduce((sum, item) => sum + item.quantity * item.unitPrice.amount, 0), currency: 'EUR' };
    const placed = this.step(stream, this.context(correlationId, customer.id, true), {
      type: 'OrderPlaced',
      data: { orderId, customerId: customer.id, items, total, paymentToken: `tok_${this.hex(24)}`, placedAt: this.now() },
    });
    yield placed;
    const saga = (cause: string) => this.context(correlationId, undefined, false, cause);
    let cause = placed.events[0]!.id;
    const reserved: [Product, number][] = [];
    let failed = false;
    for (const [product, quantity] of lines) {
      const available = product.onHand - product.reserved;
      if (available < quantity) {
        const rejected = this.step(`product-${product.id}`, saga(cause), {
          type: 'StockReservationRejected',
          data: { productId: product.id, orderId, quantity, available },
        });
        yield rejected;
        yield this.step(stream, saga(rejected.events[0]!.id), { type: 'OrderStockReservationFailed', data: { orderId, productId: product.id } });
        failed = true;
        break;
      }
      product.reserved += quantity;
      reserved.push([product, quantity]);
      const reservation = this.step(`product-${product.id}`, saga(cause), { type: 'StockReserved', data: { productId: product.id, orderId, quantity } });
      yield reservation;
      const noted = this.step(stream, saga(reservation.events[0]!.id), { type: 'OrderStockReserved', data: { orderId, productId: product.id } });
      yield noted;
      cause = noted.events[0]!.id;
    }
    const release = function* (this: Workload, reason: string): Generator<Step, void> {
      for (const [product, quantity] of reserved) {
        product.reserved -= quantity;
        yield this.step(`product-${product.id}`, saga(reason), { type: 'StockReservationReleased', data: { productId: product.id, orderId, quantity } });
      }
    }.bind(this);
    if (failed) {
      const cancelled = this.step(stream, saga(cause), {
        type: 'OrderCancelled',
        data: { orderId, reason: 'insufficient_stock', previousStatus: 'pending', refundDue: false },
      });
      yield cancelled;
      yield* release(cancelled.events[0]!.id);
      return;
    }
    const payment = this.random();
    if (payment < 0.93) {
      const paymentId = `pay_${this.hex(24)}`;
      yield this.step(stream, saga(cause), {
        type: 'OrderPaymentCaptured',
        data: { orderId, paymentId, refundDue: false },
      });
      const confirmed = this.step(stream, saga(cause), { type: 'OrderConfirmed', data: { orderId } });
      yield confirmed;
      for (const [product, quantity] of reserved) {
        product.reserved -= quantity;
        product.onHand -= quantity;
        yield this.step(`product-${product.id}`, saga(confirmed.events[0]!.id), {
          type: 'StockReservationCommitted',
          data: { productId: product.id, orderId, quantity },
        });
      }
      if (this.random() < 0.04) {
        // The customer cancels a confirmed order: refund, and the committed stock goes back on the shelf.
        const cancelled = this.step(stream, this.context(this.uuid4(), customer.id, true), {
          type: 'OrderCancelled',
          data: { orderId, reason: 'customer_request', previousStatus: 'confirmed', refundDue: true, by: customer.id },
        });
        yield cancelled;
        yield this.step(stream, saga(cancelled.events[0]!.id), { type: 'OrderRefunded', data: { orderId, paymentId } });
        for (const [product, quantity] of reserved) {
          product.onHand += quantity;
          yield this.step(`product-${product.id}`, saga(cancelled.events[0]!.id), { type: 'StockReturned', data: { productId: product.id, orderId, quantity } });
        }
      }
      return;
    }
    const timedOut = payment >= 0.985;
    const note = this.step(
      stream,
      saga(cause),
      timedOut
        ? { type: 'OrderPaymentTimedOut', data: { orderId } }
        : { type: 'OrderPaymentDeclined', data: { orderId, reason: this.pick(['card_declined', 'insufficient_funds', 'expired_card']) } },
    );
    yield note;
    const cancelled = this.step(stream, saga(note.events[0]!.id), {
      type: 'OrderCancelled',
      data: { orderId, reason: timedOut ? 'payment_timeout' : 'payment_declined', previousStatus: 'pending', refundDue: false },
    });
    yield cancelled;
    yield* release(cancelled.events[0]!.id);
  }

  /** A market: created, positions placed by many users over its life, closed, resolved (every payout), winners paid. */
  private *market(): Process {
    const marketId = this.uuid();
    const stream = `market-${marketId}`;
    const outcomes = this.pick(OUTCOME_SETS);
    const creator = this.pick(this.admins);
    yield this.step(stream, this.context(this.uuid4(), creator, true), {
      type: 'MarketCreated',
      data: {
        marketId,
        question: `Will ${this.pick(TOPICS)} by ${new Date(this.clock + 30 * DAY).toISOString().slice(0, 10)}?`,
        outcomes,
        closesAt: new Date(this.clock + 30 * DAY).toISOString(),
        createdBy: creator,
        createdAt: this.now(),
      },
    });
    const positions: { positionId: string; userId: string; outcome: string; stake: number }[] = [];
    const count = this.int(5, 60);
    const favourite = this.pick(outcomes);
    for (let i = 0; i < count; i++) {
      const user = this.someUser();
      const position = {
        positionId: this.uuid(),
        userId: user.id,
        outcome: this.random() < 0.45 ? favourite : this.pick(outcomes),
        stake: this.pick([5, 10, 10, 20, 25, 50, 100, 250, 1000]),
      };
      positions.push(position);
      yield this.step(stream, this.context(this.uuid4(), user.id, true), { type: 'PositionPlaced', data: { marketId, ...position, placedAt: this.now() } });
    }
    const resolver = this.context(this.uuid4(), creator, true);
    const winningOutcome = this.random() < 0.6 ? favourite : this.pick(outcomes);
    const settlement = settle(positions, winningOutcome);
    // ResolveMarket on an open market closes it first: both events in one append.
    const resolved = this.step(
      stream,
      resolver,
      { type: 'MarketClosed', data: { marketId, closedAt: this.now() } },
      { type: 'MarketResolved', data: { marketId, winningOutcome, ...settlement, resolvedAt: this.now() } },
    );
    yield resolved;
    const cause = resolved.events[1]!.id;
    for (const payout of settlement.payouts) {
      if (payout.payout === 0) continue;
      yield this.step(stream, this.context(resolver.correlationId, undefined, false, cause), {
        type: 'PayoutRecorded',
        data: { marketId, positionId: payout.positionId, userId: payout.userId, amount: payout.payout },
      });
    }
  }
}

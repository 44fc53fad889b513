/**
 * The bare baseline (the ceiling): the events one order's saga leaves in the store, appended straight to a
 * SqliteEventStore on a fresh file by a loop, with nothing else in the process: no HTTP, no job queue, no
 * projections, no payment gateway, no decoding. Per order, in the saga's order and as the platform appends them
 * (five appends, one per step, each at its stream's exact expected revision, with the ids the platform gives them):
 *
 *   order-<id>    OrderPlaced                                   (newId(), as POST /api/v1/orders)
 *   product-<id>  StockReserved                                 (reserve-stock:<productId>)
 *   order-<id>    OrderStockReserved, OrderPaymentRequested     (note-reservation:<productId>: the last one asks)
 *   order-<id>    OrderPaymentCaptured, OrderConfirmed          (charge-payment, its outcome: the capture confirms)
 *   product-<id>  StockReservationCommitted                     (commit-stock:<productId>)
 *
 * `concurrency` orders go through this chain at once, each awaiting its previous append, so that the store's group
 * commit batches them as it does the platform's concurrent sagas; a product's expected revision is taken when its
 * append is asked for, so appends to one product queued in one turn follow each other without conflicts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { EventData, EventMetadata, ExpectedRevision } from '../../src/application/ports/event-store.js';
import { createEventRegistry } from '../../src/infrastructure/modules/event-catalog.js';
import { newId } from '../../src/application/ids.js';
import { orderDecider, orderStream } from '../../src/domain/orders/order.js';
import { productDecider, productStream } from '../../src/domain/products/product.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { type StepOf, stepEventId } from '../../sagas/reaction.js';
import { percentile } from './load.js';

export interface BareOptions {
  products: number;
  /** Orders going through their chain at once. */
  concurrency: number;
  warmupSeconds: number;
  seconds: number;
}

export interface BareResult {
  options: BareOptions;
  /** Orders whose seven events were all appended within the measured seconds. */
  orders: number;
  seconds: number;
  ordersPerSecond: number;
  eventsPerSecond: number;
  /** recordedAt of OrderConfirmed − recordedAt of OrderPlaced, per order of the measured seconds. */
  latencyMs: { p50: number; p99: number; max: number };
  /** CPU of this process (every thread: the background WAL checkpointer too) per order, in ms. */
  cpuMsPerOrder: number;
  /** The event types of one order's stream and of one product's stream, as appended. */
  orderStreamTypes: string[];
  /** Every event of a sample order and product decodes with its registered schema and folds to a confirmed order and committed stock. */
  verified: boolean;
  verification: string;
}

const STEP = (orderId: string, step: string): StepOf => ({ saga: 'order-fulfilment', sagaId: orderId, step });
const INITIAL_STOCK = 1_000_000_000;
const SCHEMA_VERSION = 1;

export const runBare = async (options: BareOptions): Promise<BareResult> => {
  const dir = mkdtempSync(join(os.tmpdir(), 'ledgerflow-sagas-bare-'));
  const store = new SqliteEventStore(join(dir, 'events.sqlite'));
  try {
    const adminId = newId();
    const customerId = newId();
    const products = Array.from({ length: options.products }, (_, i) => ({ id: newId(), price: { amount: 500 + i, currency: 'EUR' } }));
    const revision = new Map<string, bigint>();
    for (const [i, product] of products.entries()) {
      const correlationId = newId();
      await store.appendToStream(
        productStream(product.id),
        [
          {
            id: newId(),
            type: 'ProductCreated',
            data: { productId: product.id, sku: `SAGA-BARE-${i}`, name: `Product ${i}`, description: '', price: product.price, initialStock: INITIAL_STOCK, createdBy: adminId },
            metadata: { correlationId, causationId: correlationId, userId: adminId, schemaVersion: SCHEMA_VERSION },
          },
        ],
        { expectedRevision: 'no_stream' },
      );
      revision.set(product.id, 0n);
    }
    /** Appends to a product at the revision it will have when this append's turn comes. */
    const toProduct = (productId: string, event: EventData) => {
      const expected = revision.get(productId)!;
      revision.set(productId, expected + 1n);
      return store.appendToStream(productStream(productId), [event], { expectedRevision: expected });
    };

    let measuring = false;
    let stopping = false;
    let orders = 0;
    const measured = new Set<string>();
    const sampleIds: { orderId: string; productId: string }[] = [];

    /** One order's chain. */
    const order = async (): Promise<void> => {
      const orderId = newId();
      const correlationId = newId();
      const product = products[Math.floor(Math.random() * products.length)]!;
      const productId = product.id;
      const stream = orderStream(orderId);
      const meta = (causationId: string, userId?: string): EventMetadata => ({
        correlationId,
        causationId,
        ...(userId === undefined ? {} : { userId }),
        schemaVersion: SCHEMA_VERSION,
      });
      const event = (id: string, type: string, data: unknown, metadata: EventMetadata): EventData => ({ id, type, data, metadata });
      const append = (events: EventData[], expectedRevision: ExpectedRevision) => store.appendToStream(stream, events, { expectedRevision });

      const placedAt = new Date().toISOString();
      const placed = event(
        newId(),
        'OrderPlaced',
        { orderId, customerId, items: [{ productId, quantity: 1, unitPrice: product.price }], total: product.price, paymentToken: 'tok_visa', placedAt },
        meta(correlationId, customerId),
      );
      await append([placed], 'no_stream');
      const reserved = event(stepEventId(STEP(orderId, `reserve-stock:${productId}`), 0), 'StockReserved', { productId, orderId, quantity: 1 }, meta(placed.id));
      await toProduct(productId, reserved);
      const noteStep = STEP(orderId, `note-reservation:${productId}`);
      const noted = event(stepEventId(noteStep, 0), 'OrderStockReserved', { orderId, productId }, meta(reserved.id));
      const dueAt = new Date(Date.parse(placedAt) + 30_000).toISOString();
      const requested = event(stepEventId(noteStep, 1), 'OrderPaymentRequested', { orderId, amount: product.price, dueAt }, meta(reserved.id));
      await append([noted, requested], 0n);
      const chargeStep = STEP(orderId, 'charge-payment');
      const captured = event(stepEventId(chargeStep, 0, 'outcome'), 'OrderPaymentCaptured', { orderId, paymentId: `ch_${newId()}`, refundDue: false }, meta(requested.id));
      const confirmed = event(stepEventId(chargeStep, 1, 'outcome'), 'OrderConfirmed', { orderId }, meta(requested.id));
      await append([captured, confirmed], 2n);
      const committed = event(
        stepEventId(STEP(orderId, `commit-stock:${productId}`), 0),
        'StockReservationCommitted',
        { productId, orderId, quantity: 1 },
        meta(confirmed.id),
      );
      await toProduct(productId, committed);
      if (!measuring) return;
      orders++;
      measured.add(orderId);
      if (sampleIds.length === 0) sampleIds.push({ orderId, productId });
    };

    const lane = async () => {
      while (!stopping) await order();
    };
    const lanes = Array.from({ length: options.concurrency }, lane);
    await new Promise((resolve) => setTimeout(resolve, options.warmupSeconds * 1000));
    const cpuBefore = process.cpuUsage();
    const start = performance.now();
    measuring = true;
    await new Promise((resolve) => setTimeout(resolve, options.seconds * 1000));
    measuring = false;
    const seconds = (performance.now() - start) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const counted = orders;
    stopping = true;
    await Promise.all(lanes);

    // The events are the platform's: each decodes with its registered schema and the deciders fold them as expected.
    const registry = createEventRegistry();
    const sample = sampleIds[0]!;
    const orderEvents = await store.readStream(orderStream(sample.orderId));
    const productEvents = await store.readStream(productStream(sample.productId));
    const orderState = orderEvents.map((e) => registry.decode(e)).reduce(orderDecider.evolve as never, orderDecider.initialState()) as ReturnType<typeof orderDecider.initialState>;
    const productState = productEvents.map((e) => registry.decode(e)).reduce(productDecider.evolve as never, productDecider.initialState()) as ReturnType<typeof productDecider.initialState>;
    const placed = orderState.status === 'absent' ? undefined : orderState;
    const product = productState.status === 'absent' ? undefined : productState;
    const held = product?.reservations.get(sample.orderId);
    const verified = placed?.status === 'confirmed' && placed.payment.status === 'captured' && held?.status === 'committed' && product?.reserved === 0;
    // placed → confirmed as recorded, read back once the clock has stopped.
    const placedAt = new Map<string, number>();
    const latencies: number[] = [];
    for await (const recorded of store.readAll({ filter: { eventTypes: ['OrderPlaced', 'OrderConfirmed'] } })) {
      const { orderId } = recorded.data as { orderId: string };
      if (!measured.has(orderId)) continue;
      if (recorded.type === 'OrderPlaced') placedAt.set(orderId, recorded.recordedAt.getTime());
      else latencies.push(recorded.recordedAt.getTime() - placedAt.get(orderId)!);
    }
    const sorted = latencies.toSorted((a, b) => a - b);
    return {
      options,
      orders: counted,
      seconds,
      ordersPerSecond: counted / seconds,
      eventsPerSecond: (counted * 7) / seconds,
      latencyMs: { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? Number.NaN },
      cpuMsPerOrder: (cpu.user + cpu.system) / 1000 / counted,
      orderStreamTypes: orderEvents.map((e) => e.type),
      verified,
      verification:
        `order ${sample.orderId}: ${orderEvents.length} events, status ${orderState.status}, payment ${placed?.payment.status ?? 'none'}; ` +
        `its product: reservation ${held?.status ?? 'none'}, ${product?.reserved ?? 0} reserved, ${productEvents.length} events`,
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
};

/**
 * One measured run of the platform: a fresh server (embedded or with Redis), 100 products, a customer, the store
 * followed from the bench process, a load of orders, the drain, and what the run shows: placed/s and confirmed/s over
 * the window, the backlog, placed→confirmed latencies as recorded, every order's fate, CPU, and the saga view's word.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { orderStream } from '../../src/domain/orders/order.js';
import { productStream } from '../../src/domain/products/product.js';
import { createProducts, customerToken, orderStatus, runningSagas, sagaStatus, signIn } from './api.js';
import { OrderFollower } from './follow.js';
import { type LoadMode, percentile, placeOrders } from './load.js';
import { type Platform, type Redis, startPlatform } from './platform.js';

export type ProfileName = 'embedded' | 'redis';
export type PhaseName = 'capacity' | 'target-rate';

export interface RunSpec {
  profile: ProfileName;
  phase: PhaseName;
  /** `clients`: a closed loop over the saga; `rate`: the open loop at a fixed offered rate. */
  load: { kind: 'clients'; clients: number } | { kind: 'rate'; perSecond: number };
  products: number;
  warmupSeconds: number;
  seconds: number;
  drainSeconds: number;
  redis?: Redis;
  cpuProfDir?: string;
}

/** Orders never confirmed count as an infinite latency: a percentile that falls among them is Infinity (null in JSON). */
export interface Latency {
  /** Orders placed within the window that were confirmed... */
  count: number;
  /** ...and that were not (cancelled, or still open when the drain gave up). */
  unconfirmed: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface RunResult {
  profile: ProfileName;
  phase: PhaseName;
  load: RunSpec['load'];
  windowSeconds: number;
  /** Orders sent over the whole run (warm-up included) and their answers. */
  sent: number;
  acknowledged: number;
  refused: Record<string, number>;
  errors: number;
  firstError?: string;
  /** POST /api/v1/orders, from its scheduled (open loop) or sending (closed loop) instant to the 202. */
  ackLatencyMs: { p50: number; p99: number; max: number };
  /** OrderPlaced / OrderConfirmed recorded within the window, per second. */
  placedPerSecond: number;
  confirmedPerSecond: number;
  /** Orders sent (due, for the open loop) by the end of the window and not confirmed by then, as recorded: placed, or still waiting for their 202. */
  backlogAtEnd: number;
  /** The backlog every 5 s of the window. */
  timeline: { atSecond: number; backlog: number }[];
  /** Per second of the window. */
  perSecond: { placed: number[]; confirmed: number[] };
  /** placed→confirmed (recordedAt) of the orders placed within the window, in ms; an order never confirmed counts as Infinity. */
  latencyMs: Latency;
  /** Acknowledged orders of the whole run not confirmed once it drained: cancelled (with reasons) or still open. */
  notConfirmed: { cancelled: number; reasons: Record<string, number>; open: number };
  /** After the window, until every acknowledged order was final (or the drain gave up). */
  drainSeconds: number;
  drained: boolean;
  /** CPU over the window, in seconds: the server (all threads), redis-server (when the bench started it), the bench process. */
  cpu: { serverSeconds?: number; redisSeconds?: number; benchSeconds: number; machineBusySeconds: number; othersSeconds?: number };
  /** The server's CPU over the window, in cores (all its threads: 1 = one core busy all along). */
  serverCores?: number;
  /**
   * Server (+ redis-server, when the bench started it) CPU per confirmed order, in ms, from the start of the load until
   * every order was final (warm-up and drain included: an overloaded run's orders are mostly confirmed after the window).
   */
  cpuMsPerOrder?: number;
  /** GET /api/v1/sagas?status=running once drained, and a sample of orders and sagas read back. */
  sagaView: { running: number; sampled: number; ordersConfirmed: number; sagasCompleted: number; firstMismatch?: string };
  /** The types the platform appended for one confirmed order: its stream, and its product's events for it. */
  orderStreamTypes: string[];
  productTypesForOrder: string[];
  /** Lines the server wrote to stderr at LOG_LEVEL=warn. */
  serverWarnings: number;
  serverStderrTail?: string;
  /** process.hrtime (µs) of the window, for a CPU profile's samples. */
  windowHrUs: [number, number];
}

const log = (message: string): void => void process.stderr.write(`${message}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const hrUs = () => Number(process.hrtime.bigint() / 1000n);

/** Busy core-seconds of the whole machine so far (every process), from the kernel's per-core counters. */
const machineBusySeconds = (): number => os.cpus().reduce((sum, cpu) => sum + (cpu.times.user + cpu.times.nice + cpu.times.sys + cpu.times.irq) / 1000, 0);

const latencyOf = (values: number[]): Latency => {
  const sorted = values.toSorted((a, b) => a - b);
  const unconfirmed = sorted.filter((value) => value === Number.POSITIVE_INFINITY).length;
  return { count: sorted.length - unconfirmed, unconfirmed, p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? Number.NaN };
};

const eventually = async <T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await sleep(250);
  }
};

export const measureRun = async (spec: RunSpec): Promise<RunResult> => {
  const adminEmail = 'bench-admin@example.com';
  const adminPassword = randomBytes(12).toString('base64url');
  const platform: Platform = await startPlatform({
    adminEmail,
    adminPassword,
    ...(spec.redis ? { redisUrl: spec.redis.url } : {}),
    ...(spec.cpuProfDir ? { cpuProfDir: spec.cpuProfDir } : {}),
  });
  let follower: OrderFollower | undefined;
  try {
    const admin = await signIn(platform.url, adminEmail, adminPassword);
    const productIds = await createProducts(platform.url, admin, spec.products, 1_000_000_000);
    const customer = await customerToken(platform.url);
    follower = new OrderFollower(platform.dataDir);
    const following = follower;
    const mode: LoadMode =
      spec.load.kind === 'rate'
        ? { kind: 'rate', perSecond: spec.load.perSecond }
        : { kind: 'clients', clients: spec.load.clients, awaitFinal: (id) => following.whenFinal(id, spec.drainSeconds * 1000) };

    // The window is the load's last `seconds`: the warm-up runs the same load right before it, so the window starts
    // in the steady state (JIT warm, orders in flight) rather than from an idle server.
    let window: { startMs: number; hr: number; server?: number; redis?: number; bench: NodeJS.CpuUsage; busy: number } | undefined;
    let windowEnd: { endMs: number; hr: number; server?: number; redis?: number; bench: NodeJS.CpuUsage; busy: number } | undefined;
    const snapshot = () => ({ hr: hrUs(), server: platform.cpuSeconds(), redis: spec.redis?.cpuSeconds(), bench: process.cpuUsage(), busy: machineBusySeconds() });
    const startTimer = setTimeout(() => (window = { startMs: Date.now(), ...snapshot() }), spec.warmupSeconds * 1000);
    const total = spec.warmupSeconds + spec.seconds;
    const endTimer = setTimeout(() => (windowEnd = { endMs: Date.now(), ...snapshot() }), total * 1000);
    const atLoadStart = { server: platform.cpuSeconds(), redis: spec.redis?.cpuSeconds() };
    const describe = spec.load.kind === 'rate' ? `${spec.load.perSecond} orders/s offered` : `${spec.load.clients} clients, each awaiting its order's confirmation`;
    log(`  ${spec.profile} ${spec.phase}: ${describe}, ${spec.warmupSeconds} s warm-up + ${spec.seconds} s measured`);
    const load = await placeOrders({
      url: platform.url,
      customerToken: customer,
      productIds,
      mode,
      seconds: total,
      onProgress: ({ sent, acknowledged, elapsedMs }) =>
        log(`    ${Math.round(elapsedMs / 1000)} s: ${sent} sent, ${acknowledged} acknowledged, ${following.confirmed} confirmed`),
    });
    clearTimeout(startTimer);
    clearTimeout(endTimer);
    if (!window || !windowEnd) throw new Error('the load ended before its window');
    const windowStart = window;
    const windowStop = windowEnd;

    const drained = await follower.waitUntilFinal(load.ids, spec.drainSeconds * 1000, (open) => log(`    draining: ${open} orders not final yet`));
    const drainSeconds = Math.max(0, Date.now() - windowStop.endMs) / 1000;
    const atDrained = { server: platform.cpuSeconds(), redis: spec.redis?.cpuSeconds() };

    // What the store recorded, over the window.
    const { startMs, endMs } = { startMs: windowStart.startMs, endMs: windowStop.endMs };
    const windowSeconds = (endMs - startMs) / 1000;
    const buckets = Math.max(1, Math.round(windowSeconds));
    const perSecond = { placed: new Array<number>(buckets).fill(0), confirmed: new Array<number>(buckets).fill(0) };
    const latencies: number[] = [];
    const marks = Array.from({ length: Math.floor(windowSeconds / 5) }, (_, i) => startMs + (i + 1) * 5000);
    const backlogAt = marks.map(() => 0);
    let placedIn = 0;
    let confirmedIn = 0;
    // Orders sent by then, minus those confirmed by then.
    let backlogAtEnd = load.sentAt.filter((at) => at <= endMs).length;
    marks.forEach((mark, i) => (backlogAt[i] = load.sentAt.filter((at) => at <= mark).length));
    const inWindow = (at: number | undefined) => at !== undefined && at >= startMs && at <= endMs;
    const bucketOf = (at: number) => Math.min(buckets - 1, Math.floor((at - startMs) / 1000));
    const notConfirmed = { cancelled: 0, reasons: {} as Record<string, number>, open: 0 };
    for (const id of load.ids) {
      const times = follower.orders.get(id);
      if (times?.confirmedAt === undefined) {
        if (times?.cancelledAt !== undefined) {
          notConfirmed.cancelled++;
          const reason = times.cancellationReason ?? 'unknown';
          notConfirmed.reasons[reason] = (notConfirmed.reasons[reason] ?? 0) + 1;
        } else notConfirmed.open++;
      }
      const placedAt = times?.placedAt;
      if (placedAt === undefined) continue;
      if (inWindow(placedAt)) {
        placedIn++;
        perSecond.placed[bucketOf(placedAt)]!++;
        latencies.push(times?.confirmedAt === undefined ? Number.POSITIVE_INFINITY : times.confirmedAt - placedAt);
      }
      if (inWindow(times?.confirmedAt)) {
        confirmedIn++;
        perSecond.confirmed[bucketOf(times!.confirmedAt!)]!++;
      }
      const confirmedAt = times?.confirmedAt;
      if (confirmedAt === undefined) continue;
      if (confirmedAt <= endMs) backlogAtEnd--;
      marks.forEach((mark, i) => {
        if (confirmedAt <= mark) backlogAt[i]!--;
      });
    }

    // The platform's own word: no saga left running, and a sample of orders confirmed with their sagas completed.
    const running = await eventually(() => runningSagas(platform.url, admin), (count) => count === 0, 60_000);
    const confirmedIds = load.ids.filter((id) => follower!.orders.get(id)?.confirmedAt !== undefined);
    const sample = Array.from({ length: Math.min(20, confirmedIds.length) }, (_, i) => confirmedIds[Math.floor((i * confirmedIds.length) / 20)]!);
    let ordersConfirmed = 0;
    let sagasCompleted = 0;
    let firstMismatch: string | undefined;
    for (const id of sample) {
      const status = await eventually(() => orderStatus(platform.url, admin, id), (value) => value === 'confirmed', 30_000);
      const saga = await eventually(() => sagaStatus(platform.url, admin, id), (value) => value?.status === 'completed', 30_000);
      if (status === 'confirmed') ordersConfirmed++;
      if (saga?.status === 'completed') sagasCompleted++;
      if ((status !== 'confirmed' || saga?.status !== 'completed') && firstMismatch === undefined)
        firstMismatch = `order ${id}: ${status}, saga ${saga?.status ?? 'not found'}`;
    }
    const example = confirmedIds[0];
    let orderStreamTypes: string[] = [];
    let productTypesForOrder: string[] = [];
    if (example) {
      const orderEvents = await follower.readStream(orderStream(example));
      orderStreamTypes = orderEvents.map((event) => event.type);
      const productId = (orderEvents[0]!.data as { items: { productId: string }[] }).items[0]!.productId;
      productTypesForOrder = (await follower.readStream(productStream(productId)))
        .filter((event) => (event.data as { orderId?: string }).orderId === example)
        .map((event) => event.type);
    }

    const delta = (after: number | undefined, before: number | undefined) => (after === undefined || before === undefined ? undefined : after - before);
    const serverSeconds = delta(windowStop.server, windowStart.server);
    const redisSeconds = delta(windowStop.redis, windowStart.redis);
    const benchSeconds = (windowStop.bench.user - windowStart.bench.user + windowStop.bench.system - windowStart.bench.system) / 1e6;
    const machineBusy = windowStop.busy - windowStart.busy;
    const runServerSeconds = delta(atDrained.server, atLoadStart.server);
    const runRedisSeconds = delta(atDrained.redis, atLoadStart.redis) ?? 0;
    const confirmedInRun = load.ids.filter((id) => follower!.orders.get(id)?.confirmedAt !== undefined).length;
    const ours = serverSeconds === undefined ? undefined : serverSeconds + (redisSeconds ?? 0) + benchSeconds;
    const result: RunResult = {
      profile: spec.profile,
      phase: spec.phase,
      load: spec.load,
      windowSeconds,
      sent: load.sent,
      acknowledged: load.acknowledged,
      refused: load.refused,
      errors: load.errors,
      ...(load.firstError === undefined ? {} : { firstError: load.firstError }),
      ackLatencyMs: load.ackLatencyMs,
      placedPerSecond: placedIn / windowSeconds,
      confirmedPerSecond: confirmedIn / windowSeconds,
      backlogAtEnd,
      timeline: marks.map((mark, i) => ({ atSecond: Math.round((mark - startMs) / 1000), backlog: backlogAt[i]! })),
      perSecond,
      latencyMs: latencyOf(latencies),
      notConfirmed,
      drainSeconds,
      drained,
      cpu: {
        ...(serverSeconds === undefined ? {} : { serverSeconds }),
        ...(redisSeconds === undefined ? {} : { redisSeconds }),
        benchSeconds,
        machineBusySeconds: machineBusy,
        ...(ours === undefined ? {} : { othersSeconds: Math.max(0, machineBusy - ours) }),
      },
      ...(serverSeconds === undefined ? {} : { serverCores: serverSeconds / windowSeconds }),
      ...(runServerSeconds === undefined || confirmedInRun === 0 ? {} : { cpuMsPerOrder: ((runServerSeconds + runRedisSeconds) * 1000) / confirmedInRun }),
      sagaView: { running, sampled: sample.length, ordersConfirmed, sagasCompleted, ...(firstMismatch === undefined ? {} : { firstMismatch }) },
      orderStreamTypes,
      productTypesForOrder,
      serverWarnings: platform.stderrLines(),
      ...(platform.stderrLines() > 0 ? { serverStderrTail: platform.stderrTail().slice(-2000) } : {}),
      windowHrUs: [windowStart.hr, windowStop.hr],
    };
    log(
      `    ${Math.round(result.placedPerSecond)} placed/s, ${Math.round(result.confirmedPerSecond)} confirmed/s, backlog ${backlogAtEnd} at the end, ` +
        `p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, max ${result.latencyMs.max} ms; ` +
        `${notConfirmed.cancelled + notConfirmed.open} of ${load.acknowledged} not confirmed; drained ${drainSeconds.toFixed(1)} s after the window`,
    );
    return result;
  } finally {
    await follower?.close().catch(() => undefined);
    await platform.stop();
  }
};

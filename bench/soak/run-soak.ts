/**
 * One soak run on one profile: the load and the faults for a window, then quiet, then every check. Used by
 * `npm run soak` (bench/soak.ts) and, shorter, by test/reliability/soak.spec.ts.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import type { RecordedEvent } from '../../src/application/ports/event-store.js';
import type { ReadStore } from '../../src/application/ports/read-store.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { SqliteChargeLedger } from '../../src/infrastructure/payment-gateway/simulator/sqlite-charge-ledger.js';
import { MongoReadStore } from '../../src/infrastructure/read-store/mongo-read-store.js';
import { SqliteReadStore } from '../../src/infrastructure/read-store/sqlite-read-store.js';
import { SeededRandom } from '../../test/support/seeded-random.js';
import { planFaults, runFaults } from './faults.js';
import { createMarket, resolveMarket, runLoad } from './load.js';
import { RestartableRedis, RestartableServer } from './processes.js';
import { type ClientCounters, Session, SoakClient } from './soak-client.js';
import { emptyLedger, type SoakLedger } from './soak-ledger.js';
import { type MarketFigures, type PositionsSeen, verifyMarkets } from './verify-markets.js';
import { type ApiOrder, type OrderFigures, type Stock, verifyOrders, verifyStock } from './verify-orders.js';
import { verifyReadModels } from './verify-read-models.js';

export type SoakProfile = 'embedded' | 'redis';

export interface SoakOptions {
  profile: SoakProfile;
  /** How long the load runs while the faults strike. */
  seconds: number;
  kills: number;
  /** Redis profile only. */
  redisRestarts: number;
  customers: number;
  seed: number;
  /**
   * Short, so that tok_timeout orders end within the run; longer than a restart and the backlog after it, so that no
   * order that can be paid waits it out (the deadline counts from the order's placement).
   */
  paymentTimeoutMs: number;
  /** Redis profile: the MongoDB (FerretDB) server for the read models; a database of the run's own is used. */
  mongoUrl?: string;
  log: (line: string) => void;
}

export interface SoakResult {
  profile: SoakProfile;
  options: Omit<SoakOptions, 'log' | 'mongoUrl'>;
  startedAt: string;
  elapsedSeconds: number;
  client: ClientCounters;
  faults: string[];
  kills: number;
  serverStarts: number;
  restartSeconds: number[];
  redisRestarts: string[];
  customers: number;
  orders: OrderFigures;
  adjustments: number;
  markets: MarketFigures;
  readModelDocuments: number;
  serverErrorLines: number;
  /** The first error lines the server logged (pino JSON), over all its lives. */
  serverErrors: string[];
  violations: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ADMIN = { email: 'soak-admin@example.com', password: 'soak-admin-password-1' };
const PRODUCTS = 6;
const INITIAL_STOCK = 20;

const withDatabase = (url: string, name: string): string => {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
};

/** Every page of a list the admin may read. */
const everything = async <T>(client: SoakClient, admin: Session, path: string): Promise<T[]> => {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const answer = await client.query(`${path}${path.includes('?') ? '&' : '?'}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, admin);
    if (answer.status !== 200) throw new Error(`GET ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    items.push(...(answer.body.items as T[]));
    cursor = answer.body.nextCursor;
  } while (cursor);
  return items;
};

/** The saga jobs the queue holds (waiting, delayed or active), from the metrics; undefined when they cannot be read. */
const sagaJobsLeft = async (client: SoakClient): Promise<number | undefined> => {
  const metrics = await fetch(`${client.url}/metrics`).then((response) => response.text(), () => '');
  const counts = [...metrics.matchAll(/^ledgerflow_saga_jobs\{state="\w+"\} (\d+)$/gm)];
  return counts.length === 0 ? undefined : counts.reduce((sum, [, count]) => sum + Number(count), 0);
};

/**
 * Waits until no saga job is left (a compensated saga may still look a late capture up), then no order is pending,
 * no saga running and every projection caught up; what is left if not in time.
 */
const quiet = async (client: SoakClient, admin: Session, timeoutMs: number): Promise<string[]> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const jobs = await sagaJobsLeft(client);
    const pending = await everything<ApiOrder>(client, admin, '/api/v1/orders?status=pending');
    const running = await everything<{ id: string; type: string; pendingTimeout: { dueAt: string } | null; steps: unknown[] }>(client, admin, '/api/v1/sagas?status=running');
    const lagging = ((await client.query('/api/v1/projections', admin)).body.items as { name: string; lag: string }[]).filter((projection) => projection.lag !== '0');
    if ((jobs ?? 0) === 0 && pending.length === 0 && running.length === 0 && lagging.length === 0) return [];
    if (Date.now() > deadline) {
      // What the job queue holds and what the worker did: a step never attempted is a job lost, or a worker that stopped.
      const metrics = await fetch(`${client.url}/metrics`).then((response) => response.text(), () => '');
      const queue = metrics.split('\n').filter((line) => /^ledgerflow_saga_(jobs|steps_total)\{/.test(line)).join('; ');
      return [
        `still not quiet after ${timeoutMs / 1000} s; the saga job queue: ${queue || 'no figures'}`,
        ...pending.slice(0, 10).map((order) => `order ${order.id} still pending`),
        ...running.slice(0, 10).map((saga) => `${saga.type} saga ${saga.id} still running ${saga.pendingTimeout ? `(timeout due ${saga.pendingTimeout.dueAt})` : 'without a pending timeout'}: ${JSON.stringify(saga.steps).slice(0, 400)}`),
        ...lagging.map((projection) => `projection ${projection.name} lags ${projection.lag}`),
      ];
    }
    await sleep(1000);
  }
};

export const runSoak = async (options: SoakOptions): Promise<SoakResult> => {
  const { log } = options;
  const tag = randomBytes(4).toString('hex');
  const workDir = mkdtempSync(join(tmpdir(), `ledgerflow-soak-${options.profile}-`));
  const dataDir = join(workDir, 'data');
  const random = new SeededRandom(options.seed, 1_000);
  let redis: RestartableRedis | undefined;
  let mongoUrl: string | undefined;
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    PAYMENT_TIMEOUT_MS: String(options.paymentTimeoutMs),
    PAYMENT_GATEWAY_TIMEOUT_MS: '1000',
    // A charge that never answers (tok_timeout) is tried until the payment deadline has passed, then the deadline
    // cancels the order; with fewer attempts than that takes, the step would be a dead letter first.
    SAGA_ATTEMPTS: '12',
    SIGNINS_PER_ADDRESS_PER_MIN: '1000000',
  };
  if (options.profile === 'redis') {
    if (!options.mongoUrl) throw new Error('the redis profile needs a MongoDB server (MONGODB_URL)');
    mkdirSync(join(workDir, 'redis'));
    redis = await RestartableRedis.start(join(workDir, 'redis'));
    mongoUrl = withDatabase(options.mongoUrl, `ledgerflow_soak_${tag}`);
    Object.assign(env, { REDIS_URL: redis.url, MONGODB_URL: mongoUrl, SAGA_QUEUE: `soak-${tag}` });
  }
  const server = await RestartableServer.create(env);
  const started = Date.now();
  const faults: string[] = [];
  const violations: string[] = [];
  try {
    await server.start();
    const client = new SoakClient(server.url);
    const ledger: SoakLedger = emptyLedger();
    const admin = new Session(client, ADMIN.email, ADMIN.password);
    for (let index = 0; index < PRODUCTS; index++) {
      const body = { sku: `SOAK-${tag}-${index}`, name: `Soak product ${index}`, price: { amount: 100 + 25 * index, currency: 'EUR' }, initialStock: INITIAL_STOCK };
      const answer = await client.command('POST', '/api/v1/products', { session: admin, body });
      if (answer.status !== 201) throw new Error(`product: ${answer.status} ${JSON.stringify(answer.body)}`);
      ledger.products.push({ id: answer.body.id, initialStock: INITIAL_STOCK });
    }
    for (let index = 0; index < 2; index++) await createMarket(client, ledger, admin, random);

    log(`${options.profile}: load for ${options.seconds} s with ${options.customers} customers and an admin; ${options.kills} kills, ${options.profile === 'redis' ? options.redisRestarts : 0} Redis restarts`);
    const plan = planFaults(options.seconds * 1000, options.kills, options.profile === 'redis' ? options.redisRestarts : 0, random);
    const loadStarted = Date.now();
    let running = true;
    const load = runLoad(client, ledger, admin, { customers: options.customers, seed: options.seed, tag }, () => running);
    const record = (line: string) => {
      faults.push(line);
      log(`  ${line}`);
    };
    await runFaults(plan, loadStarted, client.born, server, redis, random, record);
    await sleep(Math.max(0, loadStarted + options.seconds * 1000 - Date.now()));
    running = false;
    client.deadline = Date.now() + 120_000;
    await load;
    log(`${options.profile}: load stopped after ${((Date.now() - loadStarted) / 1000).toFixed(0)} s, ${client.counters.requests} requests; resolving the open markets and waiting for quiet`);
    client.deadline = Date.now() + options.paymentTimeoutMs + 300_000;
    for (const market of ledger.markets.filter((each) => each.resolve === undefined)) await resolveMarket(client, admin, market, random);
    violations.push(...ledger.unanswered.map((line) => `no final answer: ${line}`));
    violations.push(...(await quiet(client, admin, options.paymentTimeoutMs + 240_000)));

    const orders = await everything<ApiOrder>(client, admin, '/api/v1/orders');
    const failed = await everything<{ id: string; type: string; steps: unknown[] }>(client, admin, '/api/v1/sagas?status=failed');
    violations.push(...failed.map((saga) => `${saga.type} saga ${saga.id} failed: ${JSON.stringify(saga.steps).slice(0, 400)}`));
    const stocks = new Map<string, Stock>();
    for (const { id } of ledger.products) stocks.set(id, (await client.query(`/api/v1/products/${id}`)).body.stock);
    const seen: PositionsSeen = new Map();
    for (const market of ledger.markets)
      for (const customer of new Set(ledger.positions.filter((position) => position.marketId === market.id).map((position) => position.customer))) {
        const answer = await client.query(`/api/v1/markets/${market.id}/positions/me`, customer.session);
        if (!seen.has(market.id)) seen.set(market.id, new Map());
        seen.get(market.id)!.set(customer.email, answer.body.items);
      }
    const exit = await server.stop();
    if (exit !== 0) violations.push(`the server's SIGTERM exit was ${exit}, not 0`);

    const events = new SqliteEventStore(join(dataDir, 'events.sqlite'));
    const charges = new SqliteChargeLedger(join(dataDir, 'payments.sqlite'));
    const readStore: ReadStore = mongoUrl ? await MongoReadStore.connect(mongoUrl) : new SqliteReadStore(join(dataDir, 'read-models.sqlite'));
    try {
      const all: RecordedEvent[] = [];
      for await (const event of events.readAll()) all.push(event);
      const orderFigures = verifyOrders(ledger, orders, all, charges.charges(), violations, client.born);
      const { adjustments } = verifyStock(ledger, orders, stocks, all, violations, client.born);
      const markets = verifyMarkets(ledger, all, seen, violations);
      const { documents } = await verifyReadModels(events, readStore, violations);
      return {
        profile: options.profile,
        options: { profile: options.profile, seconds: options.seconds, kills: options.kills, redisRestarts: options.profile === 'redis' ? options.redisRestarts : 0, customers: options.customers, seed: options.seed, paymentTimeoutMs: options.paymentTimeoutMs },
        startedAt: new Date(started).toISOString(),
        elapsedSeconds: (Date.now() - started) / 1000,
        client: client.counters,
        faults,
        kills: server.kills,
        serverStarts: server.starts,
        restartSeconds: server.restartSeconds,
        redisRestarts: redis?.restarts ?? [],
        customers: ledger.customers.length,
        orders: orderFigures,
        adjustments,
        markets,
        readModelDocuments: documents,
        serverErrorLines: server.errors.length,
        serverErrors: server.errors.slice(0, 10),
        violations,
      };
    } finally {
      await readStore.close();
      charges.close();
      await events.close();
    }
  } catch (error) {
    log(`${options.profile}: the soak stopped on an error; the server's last lines:\n${server.output()}`);
    throw error;
  } finally {
    if (server.running) await server.kill();
    redis?.stop();
    if (mongoUrl) {
      const mongo = await MongoClient.connect(mongoUrl);
      await mongo.db().dropDatabase().catch(() => undefined);
      await mongo.close();
    }
    rmSync(workDir, { recursive: true, force: true });
  }
};

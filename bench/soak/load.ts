/**
 * The soak's load: customers who register, order with every payment token, cancel and bet; an admin who adjusts
 * stock, opens, closes and resolves markets. Every command goes through SoakClient (same Idempotency-Key until a
 * final answer) and its answer is written to the ledger.
 */
import { SeededRandom } from '../../test/support/seeded-random.js';
import { NoAnswerError, Session, type SoakClient } from './soak-client.js';
import { type CustomerRecord, type MarketRecord, PAYMENT_TOKENS, type SoakLedger } from './soak-ledger.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface LoadOptions {
  customers: number;
  seed: number;
  /** A per-run tag, so that emails and SKUs never meet those of an earlier run on the same server. */
  tag: string;
}

/** Runs `work` until `running()` is false; a command that never got a final answer is noted, not thrown. */
const loop = async (ledger: SoakLedger, running: () => boolean, thinkMs: () => number, work: () => Promise<void>): Promise<void> => {
  while (running()) {
    try {
      await work();
    } catch (error) {
      if (!(error instanceof NoAnswerError)) throw error;
      ledger.unanswered.push(error.message);
    }
    await sleep(thinkMs());
  }
};

export const registerCustomer = async (client: SoakClient, ledger: SoakLedger, email: string): Promise<CustomerRecord> => {
  const password = 'soak-password-1';
  const customer: CustomerRecord = { email, session: new Session(client, email, password) };
  ledger.customers.push(customer);
  const answer = await client.command('POST', '/api/v1/users', { body: { email, password, name: `Soak ${email.slice(0, 20)}` } });
  // 409: an earlier attempt registered it, and its answer was lost with the process (or its key with Redis).
  if (answer.status !== 201 && answer.status !== 409) throw new Error(`registration of ${email}: ${answer.status} ${JSON.stringify(answer.body)}`);
  customer.id = answer.status === 201 ? answer.body.id : (await client.query('/api/v1/users/me', customer.session)).body.id;
  return customer;
};

const customerLoad = async (client: SoakClient, ledger: SoakLedger, random: SeededRandom, options: LoadOptions, index: number, running: () => boolean) => {
  let registered = 0;
  // Each customer takes the tokens in turn, from its own first one: every token is used however short the run.
  let ordered = index;
  const register = () => registerCustomer(client, ledger, `soak-${options.tag}-${index}-${registered++}@example.com`);
  let customer = await register();
  const openMarkets = () => ledger.markets.filter((market) => market.resolve === undefined && market.closed === undefined);

  await loop(ledger, running, () => random.int(300, 900), async () => {
    if (random.chance(0.02)) customer = await register();
    const action = random.next();
    if (action < 0.45) {
      const products = [...ledger.products].sort(() => random.next() - 0.5).slice(0, random.int(1, 2));
      const order = { customer, token: PAYMENT_TOKENS[ordered++ % PAYMENT_TOKENS.length]!, items: products.map((product) => ({ productId: product.id, quantity: random.int(1, 3) })) };
      ledger.orders.push(order);
      const answer = await client.command('POST', '/api/v1/orders', { session: customer.session, body: { items: order.items, paymentToken: order.token } });
      Object.assign(order, { status: answer.status, id: answer.status === 202 ? answer.body.id : undefined, history: answer.history });
    } else if (action < 0.6) {
      const mine = ledger.orders.filter((order) => order.customer === customer && order.id !== undefined && order.cancel === undefined);
      if (mine.length === 0) return;
      const order = random.pick(mine.slice(-5));
      order.cancel = 0;
      order.cancel = (await client.command('POST', `/api/v1/orders/${order.id}/cancel`, { session: customer.session })).status;
    } else if (action < 0.85) {
      const markets = openMarkets();
      if (markets.length === 0) return;
      const market = random.pick(markets);
      const position = { customer, marketId: market.id, outcome: random.pick(market.outcomes), stake: random.int(1, 100) };
      ledger.positions.push(position);
      const answer = await client.command('POST', `/api/v1/markets/${market.id}/positions`, { session: customer.session, body: { outcome: position.outcome, stake: position.stake } });
      Object.assign(position, { status: answer.status, history: answer.history });
    } else {
      const path = random.pick(['/api/v1/orders?limit=5', `/api/v1/products/${random.pick(ledger.products).id}`, '/api/v1/markets?status=open']);
      await client.query(path, customer.session);
    }
  });
};

const adminLoad = async (client: SoakClient, ledger: SoakLedger, admin: Session, random: SeededRandom, running: () => boolean) => {
  let adjustments = 0;
  await loop(ledger, running, () => random.int(150, 500), async () => {
    const action = random.next();
    const open = ledger.markets.filter((market) => market.resolve === undefined);
    if (action < 0.5) {
      const adjustment = { productId: random.pick(ledger.products).id, delta: random.pick([3, 5, 8, 10, -1, -2]), reason: `soak adjustment ${adjustments++}` };
      ledger.adjustments.push(adjustment);
      const answer = await client.command('POST', `/api/v1/products/${adjustment.productId}/stock-adjustments`, { session: admin, body: { delta: adjustment.delta, reason: adjustment.reason } });
      Object.assign(adjustment, { status: answer.status, history: answer.history });
    } else if (action < 0.6 && open.length < 4) {
      await createMarket(client, ledger, admin, random);
    } else if (action < 0.72) {
      const due = open.filter((market) => Date.now() - market.createdAt > 15_000);
      if (due.length > 0) await resolveMarket(client, admin, random.pick(due), random);
    } else if (action < 0.76) {
      const closable = open.filter((market) => market.closed === undefined && Date.now() - market.createdAt > 10_000);
      if (closable.length === 0) return;
      const market = random.pick(closable);
      market.closed = 0;
      market.closed = (await client.command('POST', `/api/v1/markets/${market.id}/close`, { session: admin })).status;
    } else {
      await client.query(random.pick(['/api/v1/sagas?status=running&limit=5', '/api/v1/projections', '/api/v1/orders?limit=5']), admin);
    }
  });
};

export const createMarket = async (client: SoakClient, ledger: SoakLedger, admin: Session, random: SeededRandom): Promise<void> => {
  const outcomes = Array.from({ length: random.int(2, 4) }, (_, index) => `outcome ${index + 1}`);
  const closesAt = new Date(Date.now() + 6 * 60 * 60 * 1000).toISOString();
  const answer = await client.command('POST', '/api/v1/markets', { session: admin, body: { question: `Soak market ${ledger.markets.length + 1}?`, outcomes, closesAt } });
  if (answer.status !== 201) throw new Error(`market: ${answer.status} ${JSON.stringify(answer.body)}`);
  ledger.markets.push({ id: answer.body.id, outcomes, createdAt: Date.now() });
};

/** Resolves for an outcome drawn at random: now and then one nobody backed, so that every stake goes back. */
export const resolveMarket = async (client: SoakClient, admin: Session, market: MarketRecord, random: SeededRandom): Promise<void> => {
  const winningOutcome = random.pick(market.outcomes);
  market.resolve = { winningOutcome, status: 0 };
  market.resolve.status = (await client.command('POST', `/api/v1/markets/${market.id}/resolve`, { session: admin, body: { winningOutcome } })).status;
};

/** Every actor at once, until `running()` turns false; resolves once each has finished its last command. */
export const runLoad = async (client: SoakClient, ledger: SoakLedger, admin: Session, options: LoadOptions, running: () => boolean): Promise<void> => {
  await Promise.all([
    adminLoad(client, ledger, admin, new SeededRandom(options.seed, 0), running),
    ...Array.from({ length: options.customers }, (_, index) => customerLoad(client, ledger, new SeededRandom(options.seed, index + 1), options, index, running)),
  ]);
};

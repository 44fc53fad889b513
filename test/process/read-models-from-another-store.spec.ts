import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { type Answer, httpClient } from '../api/api-client.js';
import { pendingByDesign } from '../support/pending-by-design.js';
import { runScriptToExit, runServerToExit, type ServerProcess, startServerProcess } from '../support/server-process.js';

const admin = { email: 'admin@example.com', password: 'admin-password-1' };
const linesOf = (output: string) => output.split('\n').filter((line) => line.trim() !== '');
/** A stack trace, as Node prints one or as pino serializes one. */
const STACK = /\n\s+at |"stack":/;
const product = (sku: string) => ({ sku, name: `Mug ${sku}`, price: { amount: 1200, currency: 'EUR' }, initialStock: 5 });

/** What a client sees of one server: sign in, write, and read after the write. */
const clientOf = async (server: ServerProcess) => {
  const call = httpClient(server.url);
  const signIn = await call('POST', '/api/v1/auth/token', { body: admin });
  assert.equal(signIn.status, 200, JSON.stringify(signIn.body));
  const token = signIn.body.accessToken as string;
  const after = (answer: Answer) => ({ 'X-Min-Position': answer.headers.get('X-Position')! });
  return {
    call,
    token,
    async create(sku: string): Promise<Answer> {
      const created = await call('POST', '/api/v1/products', { token, body: product(sku) });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      return created;
    },
    async skus(written: Answer): Promise<string[]> {
      const listed = await call('GET', '/api/v1/products?limit=100', { headers: after(written) });
      assert.equal(listed.status, 200, JSON.stringify(listed.body));
      return (listed.body.items as { sku: string }[]).map((item) => item.sku).sort();
    },
    async read(created: Answer): Promise<Answer> {
      return call('GET', `/api/v1/products/${created.body.id as string}`, { headers: after(created) });
    },
    /** Places a paid order as a new customer and waits until its saga has settled it. */
    async orderSettles(productId: string): Promise<string> {
      const email = `buyer-${randomUUID()}@example.com`;
      assert.equal((await call('POST', '/api/v1/users', { body: { email, password: 'buyer-password-1', name: 'Buyer' } })).status, 201);
      const buyer = (await call('POST', '/api/v1/auth/token', { body: { email, password: 'buyer-password-1' } })).body.accessToken as string;
      const order = await call('POST', '/api/v1/orders', { token: buyer, body: { items: [{ productId, quantity: 1 }], paymentToken: 'tok_visa' } });
      assert.equal(order.status, 202, JSON.stringify(order.body));
      const deadline = Date.now() + 15_000;
      for (;;) {
        const seen = await call('GET', `/api/v1/orders/${order.body.id as string}`, { token: buyer, headers: after(order) });
        if (seen.status === 200 && seen.body.status !== 'pending') return seen.body.status as string;
        if (Date.now() > deadline) return `still ${seen.status === 200 ? seen.body.status : seen.status} after 15 s`;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
  };
};

const stop = async (server: ServerProcess) => {
  server.child.kill('SIGTERM');
  await server.exited;
};

describe('process: read models built from another event store', function () {
  this.timeout(120_000);
  let dataDir: string;
  const servers: ServerProcess[] = [];
  const start = async (env: Record<string, string>) => {
    const server = await startServerProcess({ DATA_DIR: dataDir, ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password, LOG_LEVEL: 'warn', ...env });
    servers.push(server);
    return server;
  };
  /** Wipes the event store and leaves the read models (and the rest of DATA_DIR) as they are. */
  const wipeEvents = () => {
    for (const suffix of ['', '-wal', '-shm']) rmSync(join(dataDir, `events.sqlite${suffix}`), { force: true });
  };

  beforeEach(() => (dataDir = mkdtempSync(join(tmpdir(), 'ledgerflow-origin-'))));
  afterEach(async () => {
    for (const server of servers.splice(0)) if (server.child.exitCode === null && server.child.signalCode === null) await stop(server);
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe('embedded read models (DATA_DIR/read-models.sqlite)', () => {
    it('are rebuilt from the new store, with one warning line: nothing of the old store is served, nothing of the new one skipped', async () => {
      const first = await start({});
      const before = await clientOf(first);
      const old = await before.create('OLD-1');
      assert.equal(await before.orderSettles(old.body.id as string), 'confirmed');
      await before.create('OLD-2');
      await stop(first);

      wipeEvents();
      const second = await start({});
      const after = await clientOf(second);
      const fresh = await after.create('NEW-1');
      assert.deepEqual(await after.skus(fresh), ['NEW-1'], 'the products of the old store are gone');
      const read = await after.read(fresh);
      assert.equal(read.status, 200, `the new product is served: ${JSON.stringify(read.body)}`);
      assert.equal(await after.orderSettles(fresh.body.id as string), 'confirmed', 'the sagas are handed the new store’s events');

      const warnings = linesOf(second.output()).filter((line) => line.includes('another event store'));
      assert.equal(warnings.length, 1, second.output());
      assert.match(warnings[0]!, /rebuilding them from this one/);
      assert.doesNotMatch(second.output(), STACK);
    });

    it('kept with their own store (a restart, a backup restored whole) are served as they are', async () => {
      const first = await start({});
      const kept = await (await clientOf(first)).create('KEPT-1');
      await stop(first);
      const second = await start({});
      const again = await clientOf(second);
      assert.equal((await again.read(kept)).status, 200);
      assert.doesNotMatch(second.output(), /another event store/);
    });
  });

  const mongoUrl = process.env.MONGODB_URL;
  const title = 'MongoDB read models kept, DATA_DIR (the event store) wiped';
  const cases = [
    'every process refuses to start, in one line naming the remedy, and exits 1',
    'npm run rebuild-projections rebuilds them from the new store; the server then serves it, sagas included',
  ];
  const pending = pendingByDesign(`process: ${title}`, mongoUrl ? undefined : { needs: 'MONGODB_URL', reason: 'no MongoDB server: set MONGODB_URL (e.g. from .ci/start-ferretdb.sh) to run' });
  if (pending) for (const test of cases) pending.add(test);
  else
    describe(title, () => {
      let mongo: Record<string, string>;
      let database: string;
      beforeEach(() => {
        database = `ledgerflow_origin_${randomUUID().replaceAll('-', '')}`;
        const url = new URL(mongoUrl!);
        url.pathname = `/${database}`;
        mongo = { MONGODB_URL: url.toString() };
      });
      afterEach(async () => {
        const client = await MongoClient.connect(mongoUrl!);
        await client.db(database).dropDatabase();
        await client.close();
      });

      /** A first server writes into MongoDB, then its DATA_DIR (its event store) goes. */
      const readModelsOfAWipedStore = async () => {
        const first = await start(mongo);
        const client = await clientOf(first);
        const old = await client.create('OLD-1');
        assert.equal(await client.orderSettles(old.body.id as string), 'confirmed');
        await stop(first);
        rmSync(dataDir, { recursive: true, force: true });
      };

      it(cases[0]!, async () => {
        await readModelsOfAWipedStore();
        for (const role of ['all', 'projector', 'catalog-api']) {
          const refused = await runServerToExit({ PORT: '0', DATA_DIR: dataDir, SERVICE_ROLE: role, ...mongo });
          assert.equal(refused.code, 1, `${role}: ${refused.output}`);
          const lines = linesOf(refused.output);
          assert.equal(lines.length, 1, `${role}: ${refused.output}`);
          assert.match(lines[0]!, /the read models in MongoDB .* were built from another event store/, refused.output);
          assert.match(lines[0]!, /npm run rebuild-projections/, refused.output);
          assert.doesNotMatch(refused.output, STACK);
        }
      });

      it(cases[1]!, async () => {
        await readModelsOfAWipedStore();
        const rebuilt = await runScriptToExit('scripts/rebuild-projections.ts', { DATA_DIR: dataDir, ...mongo }, 60_000);
        assert.equal(rebuilt.code, 0, rebuilt.output);
        assert.match(rebuilt.output, /another event store/);
        const server = await start(mongo);
        const client = await clientOf(server);
        const fresh = await client.create('NEW-1');
        assert.deepEqual(await client.skus(fresh), ['NEW-1']);
        assert.equal(await client.orderSettles(fresh.body.id as string), 'confirmed');
      });
    });
});

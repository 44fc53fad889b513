import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { TEST_ADMIN, type Customer, startTestPlatform, type TestPlatform } from '../support/http-platform.js';
import { type Answer, httpClient, isProblem, uniqueEmail } from './api-client.js';

/** Idempotency-Key (docs/http-api.md, "Conventions"): what is kept, for whom, and after which checks. */
describe('API: Idempotency-Key', () => {
  let dataDir: string;
  let platform: TestPlatform;
  let call: ReturnType<typeof httpClient>;
  let admin: string;
  let ada: Customer;

  const newProduct = () => ({ sku: `IDEM-${randomUUID().slice(0, 8)}`, name: 'Kettle', price: { amount: 2500, currency: 'EUR' }, initialStock: 3 });
  const from = (address: string, key: string) => ({ 'X-Forwarded-For': address, 'Idempotency-Key': key });

  before(async () => {
    // The embedded profile: the keys are in DATA_DIR/edge.sqlite, where a spec can look at what was kept.
    dataDir = mkdtempSync(join(tmpdir(), 'ledgerflow-idempotency-'));
    platform = await startTestPlatform({ EVENTSTORE_URL: '', DATA_DIR: dataDir });
    call = httpClient(platform.url);
    admin = await platform.adminToken();
    ada = await platform.registerCustomer('Ada');
  });
  after(async () => {
    await platform.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Every answer the idempotency store holds, as the text it keeps. */
  const keptAnswers = (): string[] => {
    const db = new Database(join(dataDir, 'edge.sqlite'), { readonly: true });
    try {
      return (db.prepare('SELECT response FROM idempotency_keys WHERE response IS NOT NULL').pluck().all() as string[]).filter(Boolean);
    } finally {
      db.close();
    }
  };

  describe('sign-in', () => {
    for (const path of ['/api/v1/auth/token', '/API/V1/AUTH/TOKEN', '/api/v1/auth/token/', '/Api/V1/Auth/Token/', '/API/v1/auth/TOKEN'])
      it(`never stores or replays an access token, however the path is spelled: ${path}`, async () => {
        const key = `sign-in-${randomUUID()}`;
        const answers: Answer[] = [];
        for (let attempt = 0; attempt < 2; attempt++) answers.push(await call('POST', path, { body: TEST_ADMIN, headers: { 'Idempotency-Key': key } }));
        for (const answer of answers) {
          assert.equal(answer.status, 200, JSON.stringify(answer.body));
          assert.equal(answer.headers.get('Idempotent-Replayed'), null, 'a fresh answer, not a replay');
        }
        assert.notEqual(answers[0]!.body.accessToken, answers[1]!.body.accessToken, 'two tokens, each issued anew');
        for (const kept of keptAnswers()) assert.ok(!kept.includes('accessToken') && !kept.includes(answers[0]!.body.accessToken), `stored: ${kept.slice(0, 120)}`);
      });
  });

  describe('authorisation comes first', () => {
    it("a customer's create with a key is 403, and so is the same key with another body (not 422)", async () => {
      const key = `customer-create-${randomUUID()}`;
      isProblem(await call('POST', '/api/v1/products', { token: ada.token, body: newProduct(), headers: { 'Idempotency-Key': key } }), 403);
      isProblem(await call('POST', '/api/v1/products', { token: ada.token, body: newProduct(), headers: { 'Idempotency-Key': key } }), 403);
      for (const kept of keptAnswers()) assert.doesNotMatch(kept, /"status":403/, 'a refusal of the role is not kept');
    });

    it('a signed-in route with a key and no token is 401, and so is the next try (nothing claimed the key)', async () => {
      const key = `anonymous-order-${randomUUID()}`;
      const body = { items: [{ productId: randomUUID(), quantity: 1 }], paymentToken: 'tok_visa' };
      isProblem(await call('POST', '/api/v1/orders', { body, headers: { 'Idempotency-Key': key } }), 401);
      isProblem(await call('POST', '/api/v1/orders', { body: { ...body, paymentToken: 'tok_declined' }, headers: { 'Idempotency-Key': key } }), 401);
    });

    it('an admin still gets the replay: same key and body answer the first 201', async () => {
      const key = `admin-create-${randomUUID()}`;
      const body = newProduct();
      const first = await call('POST', '/api/v1/products', { token: admin, body, headers: { 'Idempotency-Key': key } });
      const again = await call('POST', '/api/v1/products', { token: admin, body, headers: { 'Idempotency-Key': key } });
      assert.equal(first.status, 201);
      assert.equal(again.status, 201);
      assert.equal(again.headers.get('Idempotent-Replayed'), 'true');
      assert.deepEqual(again.body, first.body);
      isProblem(await call('POST', '/api/v1/products', { token: admin, body: newProduct(), headers: { 'Idempotency-Key': key } }), 422);
    });
  });

  describe('anonymous callers', () => {
    const register = (address: string, key: string, email = uniqueEmail('idem')) =>
      call('POST', '/api/v1/users', { body: { email, password: 'a-long-password', name: 'Anon' }, headers: from(address, key) });

    it('do not share keys across client addresses: the same key with another body from another address is served', async () => {
      const key = `register-${randomUUID()}`;
      const first = await register('203.0.113.10', key);
      const second = await register('203.0.113.11', key);
      assert.equal(first.status, 201, JSON.stringify(first.body));
      assert.equal(second.status, 201, `another caller's key is not this caller's: ${JSON.stringify(second.body)}`);
      assert.notEqual(second.body.id, first.body.id);
      assert.equal(second.headers.get('Idempotent-Replayed'), null);
    });

    it('from one address: the same key and body replay the first answer, another body is 422', async () => {
      const key = `register-${randomUUID()}`;
      const email = uniqueEmail('idem');
      const first = await register('203.0.113.20', key, email);
      const again = await register('203.0.113.20', key, email);
      assert.equal(first.status, 201);
      assert.equal(again.headers.get('Idempotent-Replayed'), 'true');
      assert.deepEqual(again.body, first.body);
      isProblem(await register('203.0.113.20', key), 422);
    });
  });
});

import assert from 'node:assert/strict';
import { startTestPlatform, type TestPlatform } from '../support/http-platform.js';
import { afterWrite, type Answer, httpClient, isProblem } from './api-client.js';

const newProduct = (sku = `SKU-${Math.random().toString(36).slice(2, 10)}`, initialStock = 10) => ({
  sku,
  name: `Mug ${sku}`,
  description: 'white',
  price: { amount: 1250, currency: 'EUR' },
  initialStock,
});

const CONTROL = ['\u0000', '\u0007', '\t', '\n', '\u001b', '\u007f', '\u0085', '\u009b', '\u202e', '\u202a', '\u2066', '\u2069'];

describe('API: products', () => {
  let platform: TestPlatform;
  let call: ReturnType<typeof httpClient>;
  let admin: string;
  let customer: string;

  before(async () => {
    platform = await startTestPlatform();
    call = httpClient(platform.url);
    admin = await platform.adminToken();
    customer = (await platform.registerCustomer()).token;
  });
  after(() => platform.stop());

  const create = (body: unknown = newProduct(), headers: Record<string, string> = {}) =>
    call('POST', '/api/v1/products', { token: admin, body, headers });
  const adjust = (id: string, delta: number, headers: Record<string, string> = {}) =>
    call('POST', `/api/v1/products/${id}/stock-adjustments`, { token: admin, body: { delta, reason: 'count' }, headers });
  const read = (id: string, after?: Answer) => call('GET', `/api/v1/products/${id}`, after ? { headers: afterWrite(after) } : {});
  /**
   * A write made after the ones under test: a read at its position (`afterWrite(await fence())`) sees whatever they
   * appended. Reading at the position of the first write instead cannot see what a repeat wrongly appended after it.
   */
  const fence = async (): Promise<Answer> => {
    const written = await create();
    assert.equal(written.status, 201, JSON.stringify(written.body));
    return written;
  };

  describe('POST /api/v1/products', () => {
    it('creates a product for an admin: 201, Location, ETag, X-Position, the product with its creator', async () => {
      const created = await create(newProduct('MUG-A', 7));
      assert.equal(created.status, 201);
      assert.equal(created.headers.get('Location'), `/api/v1/products/${created.body.id}`);
      assert.equal(created.headers.get('ETag'), '"0"');
      assert.match(created.headers.get('X-Position') ?? '', /^\d+$/);
      assert.deepEqual(Object.keys(created.body).sort(), ['createdBy', 'description', 'id', 'name', 'price', 'sku', 'stock', 'version']);
      assert.deepEqual(created.body.stock, { onHand: 7, reserved: 0, available: 7 });
      assert.equal(created.body.createdBy.name, 'Administrator');
    });

    it('refuses a second product with the same sku, in any case (409), and creates nothing', async () => {
      await create(newProduct('DUP-1'));
      isProblem(await create(newProduct('dup-1')), 409, 'sku_taken');
      const listed = await call('GET', '/api/v1/products?q=dup-1', { headers: afterWrite(await fence()) });
      assert.deepEqual(listed.body.items.map((item: { sku: string }) => item.sku), ['DUP-1']);
    });

    it('refuses without a token (401) and for a customer (403)', async () => {
      isProblem(await call('POST', '/api/v1/products', { body: newProduct() }), 401);
      isProblem(await call('POST', '/api/v1/products', { token: customer, body: newProduct() }), 403);
    });

    it('refuses an invalid body with every path and message (400)', async () => {
      const answer = await create({ sku: '', name: 'x', price: { amount: -1, currency: 'eur' }, initialStock: 1.5, colour: 'red' });
      isProblem(answer, 400);
      const paths = answer.body.errors.map((error: { path: string }) => error.path).sort();
      assert.deepEqual(paths, ['', 'initialStock', 'price.amount', 'price.currency', 'sku']);
    });

    it('refuses control characters and bidirectional overrides in the sku and the name (400), and creates nothing', async () => {
      for (const character of CONTROL) {
        const sku = `CTL-${Math.random().toString(36).slice(2, 10)}`;
        for (const body of [newProduct(`${sku}${character}X`), { ...newProduct(sku), name: `Mug${character}gnp.exe` }]) {
          const answer = await create(body);
          isProblem(answer, 400);
          assert.match(answer.body.errors[0].message, /control characters/, JSON.stringify(answer.body));
        }
        const listed = await call('GET', `/api/v1/products?q=${sku}`, { headers: afterWrite(await fence()) });
        assert.deepEqual(listed.body.items, [], `nothing was created for ${JSON.stringify(character)}`);
      }
      assert.equal((await create({ ...newProduct(), name: 'Crème brûlée, 日本 🍵 — עברית' })).status, 201, 'other text is welcome');
    });

    it('refuses a body that is not JSON (415), malformed JSON (400) and one over 1 MiB (413)', async () => {
      const post = (body: string, type: string) =>
        fetch(`${platform.url}/api/v1/products`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': type }, body });
      assert.equal((await post('sku=x', 'application/x-www-form-urlencoded')).status, 415);
      assert.equal((await post('{"sku":', 'application/json')).status, 400);
      assert.equal((await post(JSON.stringify({ ...newProduct(), description: 'x'.repeat(1_100_000) }), 'application/json')).status, 413);
    });

    it('echoes X-Correlation-Id on the answer', async () => {
      const created = await create(newProduct(), { 'X-Correlation-Id': 'spec-correlation-1' });
      assert.equal(created.headers.get('X-Correlation-Id'), 'spec-correlation-1');
    });
  });

  describe('GET /api/v1/products/:id', () => {
    it('serves the product from the read model with its ETag once X-Min-Position is reached', async () => {
      const created = await create();
      const answer = await read(created.body.id, created);
      assert.equal(answer.status, 200);
      assert.equal(answer.headers.get('ETag'), '"0"');
      assert.deepEqual(answer.body, created.body);
    });

    it('answers a GET whose If-None-Match names its ETag with 304 and no body, and HEAD with the headers alone', async () => {
      const created = await create();
      const url = `${platform.url}/api/v1/products/${created.body.id}`;
      // fetch adds `Cache-Control: no-cache` to a conditional request unless it carries one: a browser's revalidation.
      const fresh = await fetch(url, { headers: { ...afterWrite(created), 'If-None-Match': '"0"', 'Cache-Control': 'max-age=0' } });
      assert.equal(fresh.status, 304);
      assert.equal(await fresh.text(), '');
      const stale = await fetch(url, { headers: { 'If-None-Match': '"7"', 'Cache-Control': 'max-age=0' } });
      assert.equal(stale.status, 200);
      assert.equal(((await stale.json()) as { id: string }).id, created.body.id);
      const full = await fetch(url);
      const head = await fetch(url, { method: 'HEAD' });
      assert.equal(head.status, 200);
      assert.equal(await head.text(), '');
      assert.equal(head.headers.get('content-length'), full.headers.get('content-length'));
      assert.equal(head.headers.get('content-type'), 'application/json; charset=utf-8');
      assert.equal(head.headers.get('etag'), '"0"');
    });

    it('answers 404 for an unknown id and for something that is not an id', async () => {
      isProblem(await read('6f1c1f5e-2b9e-4a5e-9b1a-1c2d3e4f5a6b'), 404);
      isProblem(await read('not-an-id'), 404);
    });

    it('answers 503 with Retry-After when the read model does not reach X-Min-Position in time', async function () {
      this.timeout(10_000);
      const created = await create();
      const answer = await call('GET', `/api/v1/products/${created.body.id}`, { headers: { 'X-Min-Position': '999999999' } });
      isProblem(answer, 503);
      assert.equal(answer.headers.get('Retry-After'), '1');
    });

    it('refuses an X-Min-Position that is not a position (400)', async () => {
      isProblem(await call('GET', '/api/v1/products', { headers: { 'X-Min-Position': 'soon' } }), 400);
    });
  });

  describe('GET /api/v1/products', () => {
    it('finds by name or sku, case-insensitively, and pages with a cursor without gaps or repeats', async () => {
      const tag = Math.random().toString(36).slice(2, 8);
      let last: Answer | undefined;
      for (let index = 0; index < 5; index++) last = await create(newProduct(`PAGE-${tag}-${index}`));
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: Answer = await call('GET', `/api/v1/products?q=page-${tag.toUpperCase()}&limit=2${cursor ? `&cursor=${cursor}` : ''}`, {
          headers: afterWrite(last!),
        });
        assert.equal(page.status, 200);
        assert.ok(page.body.items.length <= 2);
        seen.push(...page.body.items.map((item: { sku: string }) => item.sku));
        cursor = page.body.nextCursor;
      } while (cursor);
      assert.deepEqual(seen.sort(), [0, 1, 2, 3, 4].map((index) => `PAGE-${tag}-${index}`));
    });

    it('refuses a bad limit, an unknown parameter, an operator smuggled in the query and a forged cursor (400)', async () => {
      isProblem(await call('GET', '/api/v1/products?limit=101'), 400);
      isProblem(await call('GET', '/api/v1/products?sort=name'), 400);
      isProblem(await call('GET', '/api/v1/products?q[$ne]=x'), 400);
      isProblem(await call('GET', '/api/v1/products?cursor=bm90LWEtY3Vyc29y'), 400);
    });
  });

  describe('PUT /api/v1/products/:id/price', () => {
    it('changes the price for an admin, with If-Match', async () => {
      const created = await create();
      const changed = await call('PUT', `/api/v1/products/${created.body.id}/price`, {
        token: admin,
        body: { price: { amount: 990, currency: 'EUR' } },
        headers: { 'If-Match': '"0"' },
      });
      assert.equal(changed.status, 200);
      assert.equal(changed.headers.get('ETag'), '"1"');
      assert.deepEqual((await read(created.body.id, changed)).body.price, { amount: 990, currency: 'EUR' });
    });

    it('answers 412 to a stale If-Match and appends nothing', async () => {
      const created = await create();
      const body = { price: { amount: 990, currency: 'EUR' } };
      await call('PUT', `/api/v1/products/${created.body.id}/price`, { token: admin, body });
      const stale = await call('PUT', `/api/v1/products/${created.body.id}/price`, { token: admin, body, headers: { 'If-Match': '"0"' } });
      isProblem(stale, 412);
      assert.equal((await read(created.body.id, await fence())).body.version, 1);
    });

    it('refuses a customer (403) and an unknown product (404)', async () => {
      const body = { price: { amount: 1, currency: 'EUR' } };
      isProblem(await call('PUT', `/api/v1/products/6f1c1f5e-2b9e-4a5e-9b1a-1c2d3e4f5a6b/price`, { token: admin, body }), 404);
      const created = await create();
      isProblem(await call('PUT', `/api/v1/products/${created.body.id}/price`, { token: customer, body }), 403);
    });
  });

  describe('POST /api/v1/products/:id/stock-adjustments', () => {
    it('adjusts the stock (200) and refuses a zero delta (400)', async () => {
      const created = await create(newProduct(undefined, 5));
      const adjusted = await adjust(created.body.id, -2);
      assert.equal(adjusted.status, 200);
      assert.deepEqual(adjusted.body.stock, { onHand: 3, reserved: 0, available: 3 });
      isProblem(await adjust(created.body.id, 0), 400);
    });

    it('refuses to take on-hand below what is reserved (422)', async () => {
      const created = await create(newProduct(undefined, 5));
      isProblem(await adjust(created.body.id, -6), 422, 'stock_below_reserved');
    });

    it('loses no update when 20 adjustments of one product arrive at once', async () => {
      const created = await create(newProduct(undefined, 0));
      const answers = await Promise.all(Array.from({ length: 20 }, () => adjust(created.body.id, 1)));
      assert.deepEqual(answers.map((answer) => answer.status), Array(20).fill(200));
      const last = answers.reduce((a, b) => (BigInt(a.headers.get('X-Position')!) > BigInt(b.headers.get('X-Position')!) ? a : b));
      const product = await read(created.body.id, last);
      assert.equal(product.body.stock.onHand, 20);
      assert.equal(product.body.version, 20);
    });
  });

  describe('Idempotency-Key', () => {
    it('replays the first answer for the same key and body, and appends nothing', async () => {
      const body = newProduct();
      const first = await create(body, { 'Idempotency-Key': `create-${body.sku}` });
      const again = await create(body, { 'Idempotency-Key': `create-${body.sku}` });
      assert.equal(again.status, 201);
      assert.deepEqual(again.body, first.body);
      assert.equal(again.headers.get('X-Position'), first.headers.get('X-Position'));
      const listed = await call('GET', `/api/v1/products?q=${body.sku}`, { headers: afterWrite(await fence()) });
      assert.deepEqual(listed.body.items, [first.body]);
    });

    it('gives parallel repeats the one answer and creates one product', async () => {
      const body = newProduct();
      const answers = await Promise.all(Array.from({ length: 8 }, () => create(body, { 'Idempotency-Key': `parallel-${body.sku}` })));
      assert.deepEqual(answers.map((answer) => answer.status), Array(8).fill(201));
      assert.equal(new Set(answers.map((answer) => answer.body.id)).size, 1);
      const listed = await call('GET', `/api/v1/products?q=${body.sku}`, { headers: afterWrite(await fence()) });
      assert.deepEqual(listed.body.items, [answers[0]!.body]);
    });

    it('answers 422 to the same key with another body', async () => {
      const body = newProduct();
      const first = await create(body, { 'Idempotency-Key': `reuse-${body.sku}` });
      isProblem(await create({ ...body, name: 'Other' }, { 'Idempotency-Key': `reuse-${body.sku}` }), 422);
      const listed = await call('GET', `/api/v1/products?q=${body.sku}`, { headers: afterWrite(await fence()) });
      assert.deepEqual(listed.body.items, [first.body], 'the refused request changed nothing');
    });

    it('replays stock adjustments instead of applying them twice', async () => {
      const created = await create(newProduct(undefined, 0));
      const headers = { 'Idempotency-Key': `adjust-${created.body.id}` };
      const first = await adjust(created.body.id, 3, headers);
      const again = await adjust(created.body.id, 3, headers);
      assert.deepEqual(again.body, first.body);
      const product = await read(created.body.id, await fence());
      assert.equal(product.body.stock.onHand, 3);
      assert.equal(product.body.version, 1, 'one adjustment appended');
    });
  });
});

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterWrite, type Answer, httpClient, isProblem } from './api-client.js';
import { type Customer, startTestPlatform, type TestPlatform } from '../support/http-platform.js';

describe('orders API', () => {
  let platform: TestPlatform;
  let call: ReturnType<typeof httpClient>;
  let admin: string;
  let ada: Customer;
  let bob: Customer;
  let mug: string;
  let pen: string;

  const createProduct = async (amount: number): Promise<string> => {
    const answer = await call('POST', '/api/v1/products', {
      token: admin,
      body: { sku: `SKU-${randomUUID()}`, name: 'A product', price: { amount, currency: 'EUR' }, initialStock: 100 },
    });
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    return answer.body.id as string;
  };
  const place = (customer: Customer, items: unknown = [{ productId: mug, quantity: 2 }], extra: object = {}) =>
    call('POST', '/api/v1/orders', { token: customer.token, body: { items, paymentToken: 'tok_timeout', ...extra } });
  const placed = async (customer: Customer, items?: unknown): Promise<Answer> => {
    const answer = await place(customer, items);
    assert.equal(answer.status, 202, JSON.stringify(answer.body));
    return answer;
  };
  const read = (token: string, id: string, headers: Record<string, string> = {}) => call('GET', `/api/v1/orders/${id}`, { token, headers });
  /**
   * The order once its saga has noted each item's reservation and asked for the payment (revision items + 1): from
   * then on nothing changes it until the far-off deadline.
   */
  const waitingForPayment = async (id: string, items = 1): Promise<Answer> => {
    for (;;) {
      const answer = await read(admin, id);
      if (answer.status === 200 && answer.body.version === items + 1) return answer;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  before(async () => {
    // The orders here stay pending while the spec looks at them: the gateway never answers `tok_timeout`, and the
    // payment deadline is far off. The sagas' own paths are specified in sagas.spec.ts.
    platform = await startTestPlatform({ PAYMENT_TIMEOUT_MS: '600000' });
    call = httpClient(platform.url);
    admin = await platform.adminToken();
    ada = await platform.registerCustomer('Ada');
    bob = await platform.registerCustomer('Bob');
    mug = await createProduct(1250);
    pen = await createProduct(199);
  });
  after(() => platform.stop());

  describe('POST /api/v1/orders', () => {
    it('accepts an order as pending, with Location and X-Position', async () => {
      const answer = await placed(ada, [
        { productId: mug, quantity: 2 },
        { productId: pen, quantity: 3 },
      ]);
      assert.deepEqual(Object.keys(answer.body).sort(), ['id', 'status']);
      assert.equal(answer.body.status, 'pending');
      assert.equal(answer.headers.get('Location'), `/api/v1/orders/${answer.body.id}`);
      assert.match(answer.headers.get('X-Position') ?? '', /^\d+$/);
    });

    it('prices the order from the catalog at placement', async () => {
      const product = await createProduct(500);
      const first = await placed(ada, [{ productId: product, quantity: 3 }]);
      const repriced = await call('PUT', `/api/v1/products/${product}/price`, { token: admin, body: { price: { amount: 700, currency: 'EUR' } } });
      assert.equal(repriced.status, 200);
      const second = await placed(ada, [{ productId: product, quantity: 3 }]);
      const earlier = await read(ada.token, first.body.id, afterWrite(second));
      const now = await read(ada.token, second.body.id, afterWrite(second));
      assert.deepEqual(earlier.body.items, [{ productId: product, quantity: 3, unitPrice: { amount: 500, currency: 'EUR' } }]);
      assert.deepEqual(earlier.body.total, { amount: 1500, currency: 'EUR' });
      assert.deepEqual(now.body.items, [{ productId: product, quantity: 3, unitPrice: { amount: 700, currency: 'EUR' } }]);
      assert.deepEqual(now.body.total, { amount: 2100, currency: 'EUR' });
    });

    it('asks for a signed-in user (401)', async () => {
      const answer = await call('POST', '/api/v1/orders', { body: { items: [{ productId: mug, quantity: 1 }], paymentToken: 'tok_visa' } });
      isProblem(answer, 401);
    });

    it('refuses a product listed twice (400 at items.N.productId)', async () => {
      const answer = await place(ada, [
        { productId: mug, quantity: 1 },
        { productId: pen, quantity: 1 },
        { productId: mug, quantity: 2 },
      ]);
      isProblem(answer, 400);
      assert.deepEqual(
        answer.body.errors.map((error: { path: string }) => error.path),
        ['items.2.productId'],
      );
    });

    const invalid: [string, unknown, object?][] = [
      ['no items', []],
      ['more than 50 items', Array.from({ length: 51 }, () => ({ productId: randomUUID(), quantity: 1 }))],
      ['a quantity of 0', [{ productId: 'p', quantity: 0 }]],
      ['a quantity over 1000', [{ productId: 'p', quantity: 1001 }]],
      ['a fractional quantity', [{ productId: 'p', quantity: 1.5 }]],
      ['an item without a product', [{ quantity: 1 }]],
      ['an unknown field in an item', [{ productId: 'p', quantity: 1, discount: 5 }]],
      ['an unknown field in the body', [{ productId: 'p', quantity: 1 }], { coupon: 'FREE' }],
      ['an empty payment token', [{ productId: 'p', quantity: 1 }], { paymentToken: '' }],
    ];
    for (const [what, items, extra] of invalid)
      it(`refuses ${what} (400)`, async () => isProblem(await place(ada, items, extra), 400));

    it('refuses an order without a payment token (400)', async () => {
      const answer = await call('POST', '/api/v1/orders', { token: ada.token, body: { items: [{ productId: mug, quantity: 1 }] } });
      isProblem(answer, 400);
      assert.deepEqual(answer.body.errors.map((error: { path: string }) => error.path), ['paymentToken']);
    });

    it('refuses an unknown product (422)', async () =>
      isProblem(await place(ada, [{ productId: mug, quantity: 1 }, { productId: randomUUID(), quantity: 1 }]), 422, 'unknown_product'));
  });

  describe('GET /api/v1/orders/:id', () => {
    let order: Answer;
    before(async () => {
      order = await placed(ada, [
        { productId: mug, quantity: 2 },
        { productId: pen, quantity: 3 },
      ]);
    });

    it('shows the owner the order, with its ETag', async () => {
      const answer = await read(ada.token, order.body.id, afterWrite(order));
      assert.equal(answer.status, 200);
      const { customer, ...rest } = answer.body;
      assert.deepEqual(rest, {
        id: order.body.id,
        status: 'pending',
        items: [
          { productId: mug, quantity: 2, unitPrice: { amount: 1250, currency: 'EUR' } },
          { productId: pen, quantity: 3, unitPrice: { amount: 199, currency: 'EUR' } },
        ],
        total: { amount: 3097, currency: 'EUR' },
        cancellationReason: null,
        version: rest.version,
      });
      assert.deepEqual(customer, { id: ada.id, name: 'Ada' });
      assert.equal(answer.headers.get('ETag'), `"${rest.version}"`);
    });

    it('shows an admin any order', async () => {
      const answer = await read(admin, order.body.id, afterWrite(order));
      assert.equal(answer.status, 200);
      assert.equal(answer.body.id, order.body.id);
    });

    it('hides it from another customer (404)', async () => isProblem(await read(bob.token, order.body.id, afterWrite(order)), 404));
    it('answers 404 for an unknown order', async () => isProblem(await read(ada.token, randomUUID()), 404));
    it('answers 404 for an id that is no order id', async () => isProblem(await read(ada.token, 'not-an-id'), 404));
    it('asks for a signed-in user (401)', async () => isProblem(await call('GET', `/api/v1/orders/${order.body.id}`), 401));
  });

  describe('GET /api/v1/orders', () => {
    let carol: Customer;
    let orders: string[];
    let last: Answer;
    before(async () => {
      carol = await platform.registerCustomer('Carol');
      orders = [];
      for (let i = 0; i < 3; i++) {
        last = await placed(carol, [{ productId: pen, quantity: i + 1 }]);
        orders.push(last.body.id);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const cancelled = await call('POST', `/api/v1/orders/${orders[0]}/cancel`, { token: carol.token });
      assert.equal(cancelled.status, 202);
      last = cancelled;
    });
    const list = (token: string, search = '') => call('GET', `/api/v1/orders${search}`, { token, headers: afterWrite(last) });

    it('lists the customer’s own orders, newest first', async () => {
      const answer = await list(carol.token);
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.body.items.map((item: { id: string }) => item.id), [...orders].reverse());
      assert.equal(answer.body.nextCursor, null);
      assert.deepEqual(Object.keys(answer.body.items[0]).sort(), ['cancellationReason', 'customer', 'id', 'items', 'status', 'total', 'version']);
    });

    it('filters on status', async () => {
      const pending = await list(carol.token, '?status=pending');
      assert.deepEqual(pending.body.items.map((item: { id: string }) => item.id), [orders[2], orders[1]]);
      const cancelled = await list(carol.token, '?status=cancelled');
      assert.deepEqual(cancelled.body.items.map((item: { id: string }) => item.id), [orders[0]]);
    });

    it('pages with limit and cursor', async () => {
      const first = await list(carol.token, '?limit=2');
      assert.deepEqual(first.body.items.map((item: { id: string }) => item.id), [orders[2], orders[1]]);
      assert.equal(typeof first.body.nextCursor, 'string');
      const second = await list(carol.token, `?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`);
      assert.deepEqual(second.body.items.map((item: { id: string }) => item.id), [orders[0]]);
      assert.equal(second.body.nextCursor, null);
    });

    it('lists every customer’s orders for an admin', async () => {
      const ids = new Set<string>();
      let cursor: string | null = null;
      do {
        const answer: Answer = await list(admin, `?limit=100${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
        assert.equal(answer.status, 200);
        for (const item of answer.body.items) ids.add(item.id);
        cursor = answer.body.nextCursor;
      } while (cursor !== null);
      for (const id of orders) assert.ok(ids.has(id));
      const others = await list(ada.token);
      assert.ok(others.body.items.length > 0);
      assert.ok(others.body.items.every((item: { id: string }) => !orders.includes(item.id)));
    });

    for (const search of ['?status=shipped', '?limit=0', '?limit=101', '?cursor=%21%21', '?colour=red'])
      it(`refuses ${search} (400)`, async () => isProblem(await list(carol.token, search), 400));

    it('asks for a signed-in user (401)', async () => isProblem(await call('GET', '/api/v1/orders'), 401));
  });

  describe('POST /api/v1/orders/:id/cancel', () => {
    const cancel = (token: string, id: string, headers: Record<string, string> = {}, body?: unknown) =>
      call('POST', `/api/v1/orders/${id}/cancel`, { token, headers, body });

    it('lets the owner cancel (202 with the order), then refuses a second cancel (409)', async () => {
      const order = await placed(ada);
      const waiting = await waitingForPayment(order.body.id);
      const answer = await cancel(ada.token, order.body.id);
      assert.equal(answer.status, 202, JSON.stringify(answer.body));
      assert.equal(answer.body.id, order.body.id);
      assert.equal(answer.body.status, 'cancelled');
      assert.equal(answer.body.cancellationReason, 'customer_request');
      assert.equal(answer.body.version, waiting.body.version + 1);
      assert.equal(answer.headers.get('ETag'), `"${waiting.body.version + 1}"`);
      assert.match(answer.headers.get('X-Position') ?? '', /^\d+$/);
      const shown = await read(ada.token, order.body.id, afterWrite(answer));
      assert.equal(shown.body.status, 'cancelled');
      assert.equal(shown.body.cancellationReason, 'customer_request');
      isProblem(await cancel(ada.token, order.body.id), 409, 'order_already_cancelled');
    });

    it('lets an admin cancel any order', async () => {
      const order = await placed(ada);
      const answer = await cancel(admin, order.body.id);
      assert.equal(answer.status, 202);
      assert.equal(answer.body.status, 'cancelled');
    });

    it('hides the order from another customer (404) and leaves it pending', async () => {
      const order = await placed(ada);
      isProblem(await cancel(bob.token, order.body.id), 404);
      // Read once the read model has seen a write made after the refusal: a cancellation would be in it.
      const later = await placed(ada);
      const shown = await read(ada.token, order.body.id, afterWrite(later));
      assert.equal(shown.body.status, 'pending');
    });

    it('honours If-Match: a stale revision is 412 and appends nothing; the current one cancels', async () => {
      const order = await placed(ada);
      const before = await waitingForPayment(order.body.id);
      const stale = await cancel(ada.token, order.body.id, { 'If-Match': '"7"' });
      isProblem(stale, 412);
      const later = await placed(ada);
      const shown = await read(ada.token, order.body.id, afterWrite(later));
      assert.equal(shown.body.status, 'pending');
      assert.equal(shown.headers.get('ETag'), before.headers.get('ETag'));
      const current = await cancel(ada.token, order.body.id, { 'If-Match': shown.headers.get('ETag')! });
      assert.equal(current.status, 202);
      assert.equal(current.body.status, 'cancelled');
    });

    it('refuses a malformed If-Match (400)', async () => {
      const order = await placed(ada);
      isProblem(await cancel(ada.token, order.body.id, { 'If-Match': 'seven' }), 400);
    });

    it('refuses a body with fields (400)', async () => {
      const order = await placed(ada);
      isProblem(await cancel(ada.token, order.body.id, {}, { reason: 'changed my mind' }), 400);
    });

    it('answers 404 for an unknown order', async () => isProblem(await cancel(ada.token, randomUUID()), 404));
    it('asks for a signed-in user (401)', async () => {
      const order = await placed(ada);
      isProblem(await call('POST', `/api/v1/orders/${order.body.id}/cancel`), 401);
    });
  });
});

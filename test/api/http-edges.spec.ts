import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startTestPlatform, type TestPlatform } from '../support/http-platform.js';
import { httpClient, isProblem } from './api-client.js';

/** What a request that is odd at the level of HTTP itself (its path, method, headers, query) is answered. */
describe('API: requests odd at the edges of HTTP', () => {
  let platform: TestPlatform;
  let call: ReturnType<typeof httpClient>;
  let admin: string;
  let productId: string;

  before(async () => {
    platform = await startTestPlatform();
    call = httpClient(platform.url);
    admin = await platform.adminToken();
    const created = await call('POST', '/api/v1/products', {
      token: admin,
      body: { sku: `EDGE-${randomUUID().slice(0, 8)}`, name: 'Lamp', price: { amount: 100, currency: 'EUR' }, initialStock: 1 },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    productId = created.body.id as string;
  });
  after(() => platform.stop());

  /** fetch, with the path sent exactly as written (fetch would keep a malformed escape as it is anyway). */
  const raw = (method: string, path: string, headers: Record<string, string> = {}) => fetch(`${platform.url}${path}`, { method, headers });
  const problemOf = async (response: Response) => ({ status: response.status, headers: response.headers, body: await response.json() });

  describe('a malformed percent-escape in a path parameter', () => {
    /** [method, path, what an anonymous caller gets: 404, or 401 where the whole table is for admins and says so first]. */
    const paths = [
      ['GET', '/api/v1/products/%ff', 404],
      ['GET', '/api/v1/products/%E0%A4%A', 404],
      ['GET', '/api/v1/markets/%', 404],
      ['GET', '/api/v1/markets/%zz/positions/me', 404],
      ['GET', '/api/v1/orders/%c0%af', 404],
      ['GET', '/api/v1/users/%ff', 404],
      ['PUT', '/api/v1/products/%ff/price', 404],
      ['POST', '/api/v1/products/%ff/stock-adjustments', 404],
      ['POST', '/api/v1/orders/%ff/cancel', 404],
      ['GET', '/api/v1/sagas/%ff', 401],
      ['GET', '/api/v1/projections/%ff', 401],
      ['POST', '/api/v1/projections/%ff/rebuild', 401],
    ] as const;

    for (const [method, path, anonymous] of paths)
      it(`${method} ${path}: a problem document, 404 signed in (${anonymous} anonymous), never a 5xx`, async () => {
        isProblem(await problemOf(await raw(method, path)), anonymous);
        isProblem(await problemOf(await raw(method, path, { Authorization: `Bearer ${admin}` })), 404);
      });
  });

  describe('X-Min-Position', () => {
    it('is not waited on for a path id that cannot be one: 404 at once', async () => {
      for (const path of ['/api/v1/products/not-an-id', '/api/v1/markets/not-an-id', '/api/v1/markets/not-an-id/positions/me']) {
        const started = Date.now();
        const answer = await call('GET', path, { token: admin, headers: { 'X-Min-Position': '999999999' } });
        isProblem(answer, 404);
        assert.ok(Date.now() - started < 1_000, `${path} answered after ${Date.now() - started} ms`);
      }
      for (const path of ['/api/v1/orders/not-an-id', '/api/v1/users/not-an-id', '/api/v1/sagas/not-an-id']) {
        const started = Date.now();
        isProblem(await call('GET', path, { token: admin, headers: { 'X-Min-Position': '999999999' } }), 404);
        assert.ok(Date.now() - started < 1_000, `${path} answered after ${Date.now() - started} ms`);
      }
    });

    it('past the head of the event store (never given out) is answered 503 with Retry-After at once, not after 5 s', async () => {
      for (const path of [`/api/v1/products/${productId}`, '/api/v1/products', '/api/v1/markets']) {
        const started = Date.now();
        const answer = await call('GET', path, { headers: { 'X-Min-Position': '999999999' } });
        isProblem(answer, 503);
        assert.equal(answer.headers.get('Retry-After'), '1');
        assert.ok(Date.now() - started < 1_000, `${path} answered after ${Date.now() - started} ms`);
      }
    });

    it('at or below the head is still waited for and answered', async () => {
      const adjusted = await call('POST', `/api/v1/products/${productId}/stock-adjustments`, { token: admin, body: { delta: 1, reason: 'count' } });
      assert.equal(adjusted.status, 200);
      const answer = await call('GET', `/api/v1/products/${productId}`, { headers: { 'X-Min-Position': adjusted.headers.get('X-Position')! } });
      assert.equal(answer.status, 200);
      assert.equal(answer.body.version, adjusted.body.version);
    });
  });

  describe('a method the path does not serve', () => {
    const cases = [
      ['DELETE', '/api/v1/products', 'GET, HEAD, POST'],
      ['PATCH', '/api/v1/products/{id}', 'GET, HEAD'],
      ['GET', '/api/v1/products/{id}/price', 'PUT'],
      ['GET', '/api/v1/products/{id}/stock-adjustments', 'POST'],
      ['PUT', '/api/v1/auth/token', 'POST'],
      ['DELETE', '/api/v1/users/{id}', 'GET, HEAD, PATCH'],
      ['POST', '/health/live', 'GET, HEAD'],
      ['DELETE', '/openapi.json', 'GET, HEAD'],
    ] as const;
    for (const [method, template, allow] of cases)
      it(`${method} ${template}: 405 with Allow: ${allow}`, async () => {
        const answer = await problemOf(await raw(method, template.replace('{id}', productId), { Authorization: `Bearer ${admin}` }));
        isProblem(answer, 405);
        assert.equal(answer.headers.get('Allow'), allow);
      });

    it('a path nobody serves is still 404', async () => {
      isProblem(await problemOf(await raw('DELETE', '/api/v1/nothing-here')), 404);
      isProblem(await problemOf(await raw('GET', '/api/v1/products/x/y/z')), 404);
    });
  });

  describe('Authorization', () => {
    it('takes the Bearer scheme in any case (RFC 7235)', async () => {
      for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
        const answer = await call('GET', '/api/v1/users/me', { headers: { Authorization: `${scheme} ${admin}` } });
        assert.equal(answer.status, 200, `${scheme}: ${JSON.stringify(answer.body)}`);
      }
    });

    it('still refuses another scheme, or a scheme without a token (401)', async () => {
      isProblem(await call('GET', '/api/v1/users/me', { headers: { Authorization: `Basic ${admin}` } }), 401);
      isProblem(await call('GET', '/api/v1/users/me', { headers: { Authorization: 'Bearer' } }), 401);
      isProblem(await call('GET', '/api/v1/users/me', { headers: { Authorization: `Bearerx ${admin}` } }), 401);
    });
  });

  describe('security headers', () => {
    it('are on every kind of answer: JSON, one resource, problem, Prometheus text, the OpenAPI document', async () => {
      for (const path of ['/api/v1/products', `/api/v1/products/${productId}`, '/api/v1/products/not-an-id', '/metrics', '/openapi.json', '/health/live', '/no-such-route']) {
        const response = await raw('GET', path);
        await response.arrayBuffer();
        assert.equal(response.headers.get('X-Content-Type-Options'), 'nosniff', path);
        assert.equal(response.headers.get('X-Frame-Options'), 'DENY', path);
        assert.match(response.headers.get('Content-Security-Policy') ?? '', /frame-ancestors 'none'/, path);
        assert.equal(response.headers.get('Referrer-Policy'), 'no-referrer', path);
        assert.equal(response.headers.get('X-Powered-By'), null, path);
        assert.match(response.headers.get('X-Correlation-Id') ?? '', /^[0-9a-f-]{36}$/, path);
        assert.match(response.headers.get('traceresponse') ?? '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/, path);
      }
    });
  });

  describe('limit', () => {
    for (const limit of ['0x10', '1e2', '1e1', '+10', ' 10', '10.0', '0b11', 'Infinity'])
      it(`refuses limit=${limit} (400): only decimal digits`, async () => {
        for (const path of ['/api/v1/products', '/api/v1/markets']) isProblem(await call('GET', `${path}?limit=${encodeURIComponent(limit)}`), 400);
        isProblem(await call('GET', `/api/v1/orders?limit=${encodeURIComponent(limit)}`, { token: admin }), 400);
        isProblem(await call('GET', `/api/v1/sagas?limit=${encodeURIComponent(limit)}`, { token: admin }), 400);
      });

    it('takes a decimal limit', async () => {
      const answer = await call('GET', '/api/v1/products?limit=1');
      assert.equal(answer.status, 200);
      assert.equal(answer.body.items.length, 1);
    });
  });
});

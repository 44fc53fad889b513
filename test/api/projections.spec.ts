import assert from 'node:assert/strict';
import { startTestPlatform, type TestPlatform } from '../support/http-platform.js';
import { type Answer, httpClient, isProblem } from './api-client.js';
import { allModules } from '../../src/infrastructure/modules/all-modules.js';

/** Every projection the platform's modules define. */
const PROJECTION_NAMES = allModules.flatMap((module) => module.projections ?? []).map((projection) => projection.name).sort();

type Item = { name: string; position: string; lag: string; status: string; rebuild: { eventsDone: number; eventsTotal: number; startedAt: string } | null };

describe('API: projections (admin)', () => {
  let platform: TestPlatform;
  let call: ReturnType<typeof httpClient>;
  let admin: string;

  before(async () => {
    platform = await startTestPlatform();
    call = httpClient(platform.url);
    admin = await platform.adminToken();
    // Something for the products read model to rebuild.
    for (let index = 0; index < 20; index++)
      assert.equal(
        (await call('POST', '/api/v1/products', { token: admin, body: { sku: `PRJ-${index}`, name: 'Thing', price: { amount: 100, currency: 'EUR' }, initialStock: 1 } }))
          .status,
        201,
      );
  });
  after(() => platform.stop());

  const list = async (): Promise<Item[]> => {
    const answer = await call('GET', '/api/v1/projections', { token: admin });
    assert.equal(answer.status, 200);
    return answer.body.items as Item[];
  };

  it('lists every projection with its position, lag, status and no rebuild', async () => {
    const items = await list();
    assert.deepEqual(items.map((item) => item.name).sort(), PROJECTION_NAMES);
    for (const item of items) {
      assert.match(item.position, /^\d+$/);
      assert.match(item.lag, /^\d+$/);
      assert.equal(item.rebuild, null, item.name);
    }
  });

  it('answers one projection at its own path, and 404 for a name it does not know', async () => {
    const one = await call('GET', '/api/v1/projections/products', { token: admin });
    assert.equal(one.status, 200);
    assert.equal(one.body.name, 'products');
    isProblem(await call('GET', '/api/v1/projections/nope', { token: admin }), 404);
  });

  it('starts a rebuild with 202 and a Location to follow, where it shows (done, total, started at) until it is swapped in', async () => {
    const started: Answer = await call('POST', '/api/v1/projections/products/rebuild', { token: admin });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const location = started.headers.get('Location');
    assert.equal(location, '/api/v1/projections/products');
    assert.equal(started.body.name, 'products');
    assert.equal(started.body.status, 'rebuilding');
    assert.ok(started.body.rebuild, 'the answer shows the rebuild');
    assert.ok(!Number.isNaN(Date.parse(started.body.rebuild.startedAt)));
    const seen: NonNullable<Item['rebuild']>[] = [];
    for (const deadline = Date.now() + 10_000; ; ) {
      const followed = await call('GET', location!, { token: admin });
      assert.equal(followed.status, 200);
      if (followed.body.rebuild === null) {
        assert.equal(followed.body.status, 'live');
        break;
      }
      assert.equal(followed.body.status, 'rebuilding');
      seen.push(followed.body.rebuild);
      assert.ok(Date.now() < deadline, 'the rebuild ends');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    for (const progress of seen) {
      assert.ok(progress.eventsDone <= progress.eventsTotal, JSON.stringify(progress));
      assert.equal(progress.startedAt, started.body.rebuild.startedAt);
    }
    const products = await call('GET', '/api/v1/products?limit=100');
    assert.equal(products.body.items.length, 20, 'the rebuilt read model holds every product');
  });

  it('is for admins only', async () => {
    const ada = await platform.registerCustomer('Ada');
    isProblem(await call('GET', '/api/v1/projections', { token: ada.token }), 403);
    isProblem(await call('GET', '/api/v1/projections/products', { token: ada.token }), 403);
    isProblem(await call('POST', '/api/v1/projections/products/rebuild', { token: ada.token }), 403);
    isProblem(await call('GET', '/api/v1/projections'), 401);
  });
});

import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import express, { type Request, type RequestHandler } from 'express';
import { routeDispatch } from '../../src/infrastructure/http/route-dispatch.js';
import { routeTable } from '../../src/infrastructure/http/route-table.js';

const says =
  (what: string): RequestHandler =>
  (req, res) =>
    void res.json({ what, params: req.params, route: (req as Request & { route?: { path: string } }).route?.path });
const refuse: RequestHandler = (req, res, next) => (req.headers.authorization === 'admin' ? next() : void res.status(401).json({ what: 'refused' }));

/** An application as createApp builds one: the dispatch, the tables' middleware for unmatched paths, then a 404. */
const serve = async () => {
  const products = routeTable()
    .get('/', says('list'))
    .get('/:id', says('one'))
    .post('/:id/stock-adjustments', says('adjust'));
  const sagas = routeTable().use(refuse).get('/:id', says('saga'));
  const shadow = routeTable().get('/:id', says('second'));
  const guard: RequestHandler = (_req, res, next) => (res.setHeader('X-Guarded', 'yes'), next());
  const routes = routeDispatch(
    [
      { path: '/api/v1/products', router: products },
      { path: '/api/v1/sagas', router: sagas },
      { path: '/api/v1/products', router: shadow },
    ],
    { beforePost: guard },
  );
  const app = express();
  app.use(routes.handler);
  for (const { path, handler } of routes.unmatched) app.use(path, handler);
  app.use((_req, res) => void res.status(404).json({ what: 'no route' }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const call = async (method: string, path: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${base}${path}`, { method, headers });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text), guarded: response.headers.get('x-guarded') };
  };
  return { call, close: () => new Promise((resolve) => server.close(resolve)) };
};

describe('route dispatch: the modules’ routes in one layer', () => {
  let app: Awaited<ReturnType<typeof serve>>;
  before(async () => (app = await serve()));
  after(() => app.close());

  it('given a path in another case or with a trailing slash, then it is the route’s, its parameters decoded and in their own case', async () => {
    assert.deepEqual((await app.call('GET', '/API/V1/Products/AbC%20d/')).body, { what: 'one', params: { id: 'AbC d' }, route: '/api/v1/products/:id' });
    assert.deepEqual((await app.call('GET', '/api/v1/products/')).body, { what: 'list', params: {}, route: '/api/v1/products' });
    const long = 'a'.repeat(12_000);
    assert.deepEqual((await app.call('GET', `/api/v1/products/${long}`)).body, { what: 'one', params: { id: long }, route: '/api/v1/products/:id' });
  });

  it('given HEAD, then the GET route answers it without a body; given another method, then no route does', async () => {
    assert.deepEqual(await app.call('HEAD', '/api/v1/products/x'), { status: 200, body: undefined, guarded: null });
    assert.deepEqual((await app.call('DELETE', '/api/v1/products/x')).body, { what: 'no route' });
  });

  it('given an empty parameter or a path under no route, then no route answers', async () => {
    assert.deepEqual((await app.call('GET', '/api/v1/products//')).body, { what: 'no route' });
    assert.deepEqual((await app.call('GET', '/api/v1/products/x/y')).body, { what: 'no route' });
  });

  it('given two routes for one method and path, then the first registered answers', async () => {
    assert.equal((await app.call('GET', '/api/v1/products/x')).body.what, 'one');
  });

  it('given a table’s middleware, then it runs before its routes and for the paths under it that no route serves', async () => {
    assert.deepEqual((await app.call('GET', '/api/v1/sagas/x')).body, { what: 'refused' });
    assert.equal((await app.call('GET', '/api/v1/sagas/x', { authorization: 'admin' })).body.what, 'saga');
    assert.deepEqual((await app.call('GET', '/api/v1/sagas/x/nowhere')).body, { what: 'refused' });
    assert.deepEqual((await app.call('GET', '/api/v1/sagas/x/nowhere', { authorization: 'admin' })).body, { what: 'no route' });
    assert.equal((await app.call('GET', '/api/v1/products/x')).status, 200);
  });

  it('given a POST, then what is put in front of POSTs runs before its handler', async () => {
    const answer = await app.call('POST', '/api/v1/products/x/stock-adjustments');
    assert.deepEqual({ what: answer.body.what, guarded: answer.guarded }, { what: 'adjust', guarded: 'yes' });
  });
});

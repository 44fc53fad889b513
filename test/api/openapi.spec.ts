import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { documentedRoutes, type Who } from '../support/http-api-doc.js';
import { type Customer, startTestPlatform, type TestPlatform } from '../support/http-platform.js';
import { afterWrite, type Answer, httpClient, isProblem, uniqueEmail } from './api-client.js';

type Json = any;

/**
 * The contract as docs/http-api.md writes it: every route, who may call it, its parameters and statuses (the docs
 * spec holds the served document to those, both ways). What else the document must say of a route follows from
 * them: a route that can answer 415 takes a JSON body, one that says "the body, if any, is `{}`" may go without,
 * 412 means it accepts If-Match, a GET of the API that can answer 503 waits for X-Min-Position, a GET that takes
 * `?asOf` is one resource (ETag), and a route whose description names `Location` answers it with its first 2xx.
 */
const ROUTES = documentedRoutes();
const CONTRACT: readonly [method: string, path: string, who: Who][] = ROUTES.map(({ method, path, who }) => [method, path, who]);
const BODIES = new Set(ROUTES.filter((route) => route.statuses.includes('415')).map((route) => route.key));
const OPTIONAL_BODIES = new Set(ROUTES.filter((route) => route.what.includes('the body, if any, is `{}`')).map((route) => route.key));
const READ_MODEL_GETS = ROUTES.filter((route) => route.method === 'GET' && route.path.startsWith('/api/') && route.statuses.includes('503')).map((route) => route.path);
const SINGLE_RESOURCE_GETS = ROUTES.filter((route) => route.method === 'GET' && route.parameters.includes('?asOf')).map((route) => route.path);
const IF_MATCH = ROUTES.filter((route) => route.statuses.includes('412')).map((route) => route.key);
const CREATED: Readonly<Record<string, string>> = Object.fromEntries(
  ROUTES.filter((route) => /`Location[`:]/.test(route.what)).map((route) => [route.key, route.statuses.find((status) => status.startsWith('2'))!]),
);

/** Response headers (by name, or status and name) the document lists that an answer sends only in some cases, and when. */
const CONDITIONAL_HEADERS: Readonly<Record<string, string>> = {
  'Idempotent-Replayed': 'only on the replayed answer to a repeated Idempotency-Key',
  '409 Retry-After': 'only on the 409 for a request with the same Idempotency-Key still in progress, not on a conflict of the route',
};

/** Query parameters whose valid values the server knows better than any schema, and why. */
const SERVER_CHECKED_QUERY: Readonly<Record<string, string>> = { cursor: 'a cursor is only one the server gave out' };

/** Routes whose success the walk through the API cannot bring about, and why. */
const NO_SUCCESS_IN_WALK: Readonly<Record<string, string>> = { 'POST /api/v1/sagas/{id}/retry': 'only a failed saga can be retried' };

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const JSON_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);

const keyOf = (method: string, path: string) => `${method.toUpperCase()} ${path}`;

/** A JSON pointer (`#/components/schemas/Money`) into the document, or undefined when it leads nowhere. */
const pointTo = (doc: Json, pointer: string): Json => {
  if (!pointer.startsWith('#/')) return undefined;
  return pointer
    .slice(2)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((node: Json, token) => (node !== null && typeof node === 'object' ? node[token] : undefined), doc);
};

const resolved = (doc: Json, node: Json): Json => (node && typeof node.$ref === 'string' ? resolved(doc, pointTo(doc, node.$ref)) : node);

/** The schema with every `$ref` replaced by what it points at (the document has no cycles). */
const inlined = (doc: Json, node: Json): Json => {
  if (Array.isArray(node)) return node.map((item) => inlined(doc, item));
  if (node === null || typeof node !== 'object') return node;
  if (typeof node.$ref === 'string') return inlined(doc, pointTo(doc, node.$ref));
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, inlined(doc, value)]));
};

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/**
 * Validates JSON values against the served document's schemas, as any OpenAPI 3.1 client would: Ajv's JSON Schema
 * draft 2020-12 validator (with the formats the document names), not the zod schemas the document was made from.
 */
const documentValidator = (doc: Json) => {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  const compiled = new Map<string, ValidateFunction>();
  return (where: string, schema: Json, value: unknown): string | undefined => {
    let validate = compiled.get(where);
    if (!validate) {
      validate = ajv.compile(inlined(doc, schema));
      compiled.set(where, validate);
    }
    return validate(value) ? undefined : ajv.errorsText(validate.errors);
  };
};

const walk = (node: Json, visit: (value: Json, path: string) => void, path = '#'): void => {
  if (node === null || typeof node !== 'object') return;
  visit(node, path);
  for (const [key, value] of Object.entries(node)) walk(value, visit, `${path}/${key}`);
};

const operations = (doc: Json): [key: string, path: string, method: string, op: Json][] =>
  Object.entries(doc.paths as Record<string, Json>).flatMap(([path, item]) =>
    Object.entries(item as Record<string, Json>)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]): [string, string, string, Json] => [keyOf(method, path), path, method, op]),
  );

describe('OpenAPI document (GET /openapi.json)', () => {
  let platform: TestPlatform;
  let call: ReturnType<typeof httpClient>;
  let served: Answer;
  let doc: Json;
  let admin: string;
  let ada: Customer;

  const operation = (method: string, path: string): Json => doc.paths[path]?.[method.toLowerCase()];
  const parameters = (op: Json): Json[] => (op.parameters ?? []).map((parameter: Json) => resolved(doc, parameter));
  const headerParameter = (op: Json, name: string) => parameters(op).find((parameter) => parameter.in === 'header' && parameter.name === name);
  const responseHeaders = (op: Json, status: string): string[] => Object.keys(resolved(doc, op.responses[status])?.headers ?? {});
  let validate: ReturnType<typeof documentValidator>;

  before(async () => {
    // Sign-in failures are part of the walk: the per-email lockout is out of its way.
    platform = await startTestPlatform({ SIGNIN_FAILURES_PER_EMAIL: '1000' });
    call = httpClient(platform.url);
    served = await call('GET', '/openapi.json', { headers: { 'X-Correlation-Id': 'openapi-spec' } });
    doc = served.body;
    validate = documentValidator(doc);
    admin = await platform.adminToken();
    ada = await platform.registerCustomer('Ada');
  });
  after(() => platform.stop());

  it('is served to anyone with 200, as JSON, OpenAPI 3.1.0', async () => {
    assert.equal(served.status, 200, JSON.stringify(served.body));
    assert.match(served.headers.get('Content-Type') ?? '', /^application\/json/);
    assert.equal(served.headers.get('X-Correlation-Id'), 'openapi-spec');
    assert.equal(doc.openapi, '3.1.0');
    assert.equal(typeof doc.info.title, 'string');
    assert.equal(typeof doc.info.version, 'string');
    // Built once: a second fetch is the same document.
    assert.deepEqual((await call('GET', '/openapi.json')).body, doc);
  });

  it('documents every route of the contract, with its method, and nothing else', () => {
    const documented = operations(doc).map(([key]) => key).sort();
    assert.deepEqual(documented, CONTRACT.map(([method, path]) => keyOf(method, path)).sort());
  });

  it('declares who may call each route: nobody in particular, a bearer token, or a bearer token with the admin role', () => {
    assert.deepEqual(doc.components.securitySchemes.bearerAuth, {
      ...doc.components.securitySchemes.bearerAuth,
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
    });
    assert.match(doc.components.securitySchemes.bearerAuth.description, /ES256/);
    const expected: Record<Who, Json[]> = { anyone: [], 'signed-in': [{ bearerAuth: [] }], admin: [{ bearerAuth: ['admin'] }] };
    for (const [method, path, who] of CONTRACT) {
      const op = operation(method, path);
      assert.deepEqual(op.security, expected[who], keyOf(method, path));
      if (who !== 'anyone') assert.ok(op.responses['401'], `${keyOf(method, path)} documents 401`);
      if (who === 'admin') assert.ok(op.responses['403'], `${keyOf(method, path)} documents 403`);
    }
  });

  it('gives every command with a body a JSON requestBody whose schema rejects unknown properties', () => {
    for (const [key, , method, op] of operations(doc)) {
      if (!['post', 'put', 'patch'].includes(method) || !BODIES.has(key)) {
        assert.equal(op.requestBody, undefined, `${key} takes no body`);
        continue;
      }
      assert.ok(op.requestBody, `${key} documents its body`);
      assert.equal(op.requestBody.required, !OPTIONAL_BODIES.has(key), `${key}: requestBody.required`);
      const schema = resolved(doc, op.requestBody.content['application/json']?.schema);
      assert.equal(schema?.type, 'object', key);
      assert.equal(schema.additionalProperties, false, `${key} rejects unknown properties`);
      for (const status of ['400', '413', '415']) assert.ok(op.responses[status], `${key} documents ${status}`);
    }
  });

  /** Answers of the walk through the API, and valid request bodies it sent (with the request), by operation. */
  const answered = new Map<string, Set<number>>();
  const samples = new Map<string, { url: string; token: string | undefined; body: Json }>();

  /** The request schema of an operation's JSON body. */
  const requestSchema = (key: string): Json => {
    const [method, path] = key.split(' ') as [string, string];
    return operation(method, path)?.requestBody?.content?.['application/json']?.schema;
  };

  /**
   * Sends a request to a route of the document (path template + values), and checks the answer against what the
   * document says of that route: the status is one it lists, the media type one it lists for that status, the body
   * valid against that schema, every header it lists there sent. A JSON body sent is checked against the request
   * schema too: the document must call it valid exactly when the server does not refuse it with 400.
   */
  const send = async (
    method: string,
    path: string,
    options: { values?: Record<string, string>; query?: string; token?: string; body?: unknown; raw?: { type: string; text: string }; headers?: Record<string, string> } = {},
    expected?: number,
  ): Promise<Answer> => {
    const key = keyOf(method, path);
    const op = operation(method, path);
    assert.ok(op, `${key} is documented`);
    const url = path.replace(/\{(\w+)\}/g, (_whole, name: string) => encodeURIComponent(options.values?.[name] ?? assert.fail(`${key}: no value for {${name}}`))) + (options.query ?? '');
    const response = await fetch(`${platform.url}${url}`, {
      method,
      headers: {
        ...(options.token === undefined ? {} : { Authorization: `Bearer ${options.token}` }),
        ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...(options.raw === undefined ? {} : { 'Content-Type': options.raw.type }),
        ...options.headers,
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      ...(options.raw === undefined ? {} : { body: options.raw.text }),
    });
    const text = await response.text();
    const type = (response.headers.get('Content-Type') ?? '').split(';')[0]!.trim();
    const body: Json = /json$/.test(type) && text !== '' ? JSON.parse(text) : text;
    const answer: Answer = { status: response.status, headers: response.headers, body };
    const what = `${key} answered ${answer.status} ${text.slice(0, 300)}`;
    if (expected !== undefined) assert.equal(answer.status, expected, what);

    const documented = resolved(doc, op.responses[String(answer.status)]);
    assert.ok(documented, `${what}: a status the document does not list (${Object.keys(op.responses).join(', ')})`);
    const media = Object.entries((documented.content ?? {}) as Record<string, Json>).find(([name]) => name.split(';')[0]!.trim() === type);
    if (documented.content) {
      assert.ok(media, `${what}: sent as ${type}, documented as ${Object.keys(documented.content).join(', ')}`);
      const error = validate(`${key} ${answer.status} ${media[0]}`, media[1].schema, body);
      assert.equal(error, undefined, `${what}: the body does not match the documented schema: ${error}`);
    } else assert.equal(text, '', `${what}: the document says this answer has no body`);
    for (const [name, header] of Object.entries((documented.headers ?? {}) as Record<string, Json>)) {
      const value = answer.headers.get(name);
      if (value === null) {
        assert.ok(name in CONDITIONAL_HEADERS || `${answer.status} ${name}` in CONDITIONAL_HEADERS, `${what}: the documented ${name} header is missing`);
        continue;
      }
      const error = validate(`${key} ${answer.status} header ${name}`, resolved(doc, header).schema, value);
      assert.equal(error, undefined, `${what}: header ${name}: ${value} does not match the documented schema: ${error}`);
    }

    if (options.body !== undefined && requestSchema(key)) {
      const refused = validate(`${key} request`, requestSchema(key), options.body);
      assert.equal(answer.status === 400, refused !== undefined, `${what}: the document ${refused ? `refuses the body (${refused})` : 'accepts the body'}`);
      if (refused === undefined && answer.status < 300) samples.set(key, { url, token: options.token, body: options.body });
    }
    if (!answered.has(key)) answered.set(key, new Set());
    answered.get(key)!.add(answer.status);
    return answer;
  };

  it('answers, on a walk through every route, only what the document says (status, media type, body schema, headers)', async function () {
    this.timeout(60_000);
    for (const path of ['/health/live', '/health/ready', '/metrics', '/openapi.json', '/.well-known/jwks.json', '/console']) await send('GET', path, {}, 200);

    // Users and sign-in
    const email = uniqueEmail('walker');
    const password = 'walker-password-1';
    const user = await send('POST', '/api/v1/users', { body: { email, password, name: 'Walker' } }, 201);
    await send('POST', '/api/v1/users', { body: { email, password, name: 'Walker again' } }, 409);
    await send('POST', '/api/v1/users', { body: { email: 'not an email', password, name: 'Walker' } }, 400);
    const token = (await send('POST', '/api/v1/auth/token', { body: { email, password } }, 200)).body.accessToken as string;
    await send('POST', '/api/v1/auth/token', { body: { email, password: 'not-the-password' } }, 401);
    await send('GET', '/api/v1/users/me', { token, headers: afterWrite(user) }, 200);
    await send('GET', '/api/v1/users/me', {}, 401);
    const self = { values: { id: user.body.id as string }, token };
    await send('GET', '/api/v1/users/{id}', { ...self, headers: afterWrite(user) }, 200);
    await send('GET', '/api/v1/users/{id}', { values: { id: ada.id }, token });
    await send('PATCH', '/api/v1/users/{id}', { ...self, body: { name: 'Walker Two' }, headers: { 'If-Match': '"0"' } }, 200);
    await send('PATCH', '/api/v1/users/{id}', { ...self, body: { name: 'Walker Three' }, headers: { 'If-Match': '"0"' } }, 412);

    // Products
    const newProduct = { sku: `WALK-${randomUUID().slice(0, 8)}`, name: 'Lamp', description: 'brass', price: { amount: 1999, currency: 'EUR' }, initialStock: 5 };
    const product = await send('POST', '/api/v1/products', { token: admin, body: newProduct }, 201);
    const productId = { values: { id: product.body.id as string } };
    await send('POST', '/api/v1/products', { token: admin, body: newProduct }, 409);
    await send('POST', '/api/v1/products', { token, body: newProduct }, 403);
    await send('POST', '/api/v1/products', { body: newProduct }, 401);
    await send('POST', '/api/v1/products', { token: admin, raw: { type: 'application/x-www-form-urlencoded', text: 'sku=x' } }, 415);
    await send('POST', '/api/v1/products', { token: admin, raw: { type: 'application/json', text: '{"sku":' } }, 400);
    await send('GET', '/api/v1/products', { query: `?q=${newProduct.sku}`, headers: afterWrite(product) }, 200);
    await send('GET', '/api/v1/products', { query: '?limit=101' }, 400);
    await send('GET', '/api/v1/products/{id}', { ...productId, headers: afterWrite(product) }, 200);
    await send('GET', '/api/v1/products/{id}', { values: { id: randomUUID() } }, 404);
    await send('GET', '/api/v1/products/{id}', { ...productId, headers: { 'X-Min-Position': '999999999' } }, 503);
    await send('PUT', '/api/v1/products/{id}/price', { ...productId, token: admin, body: { price: { amount: 2499, currency: 'EUR' } }, headers: { 'If-Match': '"0"' } }, 200);
    await send('PUT', '/api/v1/products/{id}/price', { ...productId, token: admin, body: { price: { amount: 999, currency: 'EUR' } }, headers: { 'If-Match': '"0"' } }, 412);
    await send('POST', '/api/v1/products/{id}/stock-adjustments', { ...productId, token: admin, body: { delta: 3, reason: 'count' } }, 200);
    await send('POST', '/api/v1/products/{id}/stock-adjustments', { ...productId, token: admin, body: { delta: -100, reason: 'count' } }, 422);

    // Orders
    const order = await send('POST', '/api/v1/orders', { token, body: { items: [{ productId: product.body.id, quantity: 1 }], paymentToken: 'tok_visa' } }, 202);
    const orderId = { values: { id: order.body.id as string } };
    await send('GET', '/api/v1/orders/{id}', { ...orderId, token, headers: afterWrite(order) }, 200);
    await send('GET', '/api/v1/orders/{id}', { ...orderId, token: ada.token, headers: afterWrite(order) }, 404);
    await send('GET', '/api/v1/orders', { token, headers: afterWrite(order) }, 200);
    await send('GET', '/api/v1/orders', { token, query: '?status=shipped' }, 400);
    await send('POST', '/api/v1/orders/{id}/cancel', { ...orderId, token, body: {} }, 202);

    // Markets
    const closesAt = new Date(Date.now() + 60 * 60 * 1000).toISOString();
    const market = await send('POST', '/api/v1/markets', { token: admin, body: { question: 'Rain tomorrow?', outcomes: ['yes', 'no'], closesAt } }, 201);
    const marketId = { values: { id: market.body.id as string } };
    await send('GET', '/api/v1/markets', { query: '?status=open', headers: afterWrite(market) }, 200);
    await send('GET', '/api/v1/markets/{id}', { ...marketId, headers: afterWrite(market) }, 200);
    const staked = await send('POST', '/api/v1/markets/{id}/positions', { ...marketId, token, body: { outcome: 'yes', stake: 10 } }, 201);
    await send('POST', '/api/v1/markets/{id}/positions', { ...marketId, token, body: { outcome: 'maybe', stake: 10 } }, 422);
    await send('GET', '/api/v1/markets/{id}/positions/me', { ...marketId, token, headers: afterWrite(staked) }, 200);
    await send('POST', '/api/v1/markets/{id}/close', { ...marketId, token: admin, body: {} }, 200);
    await send('POST', '/api/v1/markets/{id}/resolve', { ...marketId, token: admin, body: { winningOutcome: 'yes' } }, 200);
    await send('POST', '/api/v1/markets/{id}/resolve', { ...marketId, token, body: { winningOutcome: 'yes' } }, 403);

    // Sagas and projections
    await send('GET', '/api/v1/sagas', { token: admin, headers: afterWrite(order) }, 200);
    await send('GET', '/api/v1/sagas/{id}', { ...orderId, token: admin, headers: afterWrite(order) }, 200);
    await send('GET', '/api/v1/sagas/{id}', { ...orderId, token }, 403);
    await send('POST', '/api/v1/sagas/{id}/retry', { ...orderId, token: admin, body: {} }, 409);
    await send('GET', '/api/v1/projections', { token: admin }, 200);
    await send('GET', '/api/v1/projections', { token }, 403);
    await send('GET', '/api/v1/projections/{name}', { values: { name: 'products' }, token: admin }, 200);
    await send('GET', '/api/v1/projections/{name}', { values: { name: 'no_such_projection' }, token: admin }, 404);
    const rebuild = await send('POST', '/api/v1/projections/{name}/rebuild', { values: { name: 'products' }, token: admin }, 202);
    assert.equal(rebuild.headers.get('Location'), '/api/v1/projections/products', 'the rebuild answers where to follow it');
    await send('POST', '/api/v1/projections/{name}/rebuild', { values: { name: 'no_such_projection' }, token: admin }, 404);

    // Time travel
    await send('GET', '/api/v1/users/me', { token, query: '?asOf=0' }, 200);
    await send('GET', '/api/v1/users/{id}', { ...self, query: '?asOf=1' }, 200);
    await send('GET', '/api/v1/products/{id}', { ...productId, query: '?asOf=0' }, 200);
    await send('GET', '/api/v1/products/{id}', { ...productId, query: '?asOf=2000-01-01T00:00:00Z' }, 404);
    await send('GET', '/api/v1/orders/{id}', { ...orderId, token, query: '?asOf=0' }, 200);
    await send('GET', '/api/v1/orders/{id}', { ...orderId, token, query: '?asOf=yesterday' }, 400);
    await send('GET', '/api/v1/markets/{id}', { ...marketId, query: `?asOf=${encodeURIComponent(new Date().toISOString())}` }, 200);
    await send('GET', '/api/v1/sagas/{id}', { ...orderId, token: admin, query: '?asOf=1' }, 200);

    // Event browser
    const orderStream = { values: { stream: `order-${order.body.id as string}` }, token: admin };
    const firstEvent = await send('GET', '/api/v1/streams/{stream}', { ...orderStream, query: '?limit=1' }, 200);
    await send('GET', '/api/v1/streams/{stream}', { ...orderStream, query: `?limit=1&cursor=${encodeURIComponent(firstEvent.body.nextCursor as string)}` }, 200);
    await send('GET', '/api/v1/streams/{stream}', { ...orderStream, query: '?direction=backwards' }, 200);
    await send('GET', '/api/v1/streams/{stream}', { ...orderStream, query: '?direction=sideways' }, 400);
    await send('GET', '/api/v1/streams/{stream}', { values: { stream: `order-${randomUUID()}` }, token: admin }, 404);
    await send('GET', '/api/v1/streams/{stream}', { ...orderStream, token }, 403);
    const correlated = `?correlationId=${encodeURIComponent(firstEvent.body.items[0].metadata.correlationId as string)}&limit=1`;
    const eventPage = await send('GET', '/api/v1/events', { token: admin, query: correlated }, 200);
    await send('GET', '/api/v1/events', { token: admin, query: `?cursor=${encodeURIComponent(eventPage.body.nextCursor as string)}&type=OrderPlaced,UserRegistered` }, 200);
    await send('GET', '/api/v1/events', { token: admin, query: '?fromPosition=-1' }, 400);
    await send('GET', '/api/v1/events', {}, 401);

    // Every route of the contract was answered, and with a success unless the walk cannot bring one about.
    for (const [method, path] of CONTRACT) {
      const key = keyOf(method, path);
      const statuses = [...(answered.get(key) ?? [])];
      assert.ok(statuses.length > 0, `${key} was called on the walk`);
      if (!(key in NO_SUCCESS_IN_WALK)) assert.ok(statuses.some((status) => status < 300), `${key} succeeded on the walk (answered ${statuses.join(', ')})`);
    }
  });

  it('says what the server checks beyond types: emails, distinct outcomes and products, a non-zero delta, cursors', async () => {
    const register = (email: string) => ({ body: { email, password: 'walker-password-1', name: 'Walker' } });
    // The server's own email check, and not a looser `format`; blanks around the address are dropped.
    await send('POST', '/api/v1/users', register('walker@example.c'), 400);
    await send('POST', '/api/v1/users', register('walk!er@example.com'), 400);
    await send('POST', '/api/v1/users', register(`  ${uniqueEmail('spaced')}  `), 201);
    await send('POST', '/api/v1/auth/token', { body: { email: 'walk!er@example.com', password: 'x' } }, 400);
    // Outcomes are distinct; a stock adjustment moves the stock.
    const closesAt = new Date(Date.now() + 60 * 60 * 1000).toISOString();
    await send('POST', '/api/v1/markets', { token: admin, body: { question: 'Twice?', outcomes: ['yes', 'yes'], closesAt } }, 400);
    const product = await send(
      'POST',
      '/api/v1/products',
      { token: admin, body: { sku: `CHK-${randomUUID().slice(0, 8)}`, name: 'Cup', price: { amount: 100, currency: 'EUR' }, initialStock: 1 } },
      201,
    );
    await send('POST', '/api/v1/products/{id}/stock-adjustments', { values: { id: product.body.id }, token: admin, body: { delta: 0, reason: 'none' } }, 400);
    // Each product once in an order: no JSON Schema keyword says "unique by productId", so the schema says it in words.
    const items = [{ productId: product.body.id, quantity: 1 }, { productId: product.body.id, quantity: 2 }];
    isProblem(await call('POST', '/api/v1/orders', { token: ada.token, body: { items, paymentToken: 'tok_visa' } }), 400);
    const orderItems = resolved(doc, resolved(doc, requestSchema('POST /api/v1/orders')).properties.items);
    assert.match(orderItems.description ?? '', /each product(Id)? (at most )?once/i, JSON.stringify(orderItems));
    // A cursor has the shape of the ones the server gives out; what it says is still the server's to check.
    const listProducts = parameters(operation('GET', '/api/v1/products')).find((parameter) => parameter.name === 'cursor');
    for (const cursor of ['not a cursor', 'a.b', 'x'.repeat(501)]) {
      assert.notEqual(validate('cursor', listProducts.schema, cursor), undefined, `the document refuses the cursor ${cursor.slice(0, 20)}`);
      isProblem(await call('GET', `/api/v1/products?cursor=${encodeURIComponent(cursor)}`), 400);
    }
    const page = await call('GET', '/api/v1/products?limit=1');
    assert.equal(validate('cursor', listProducts.schema, page.body.nextCursor), undefined, 'the document takes a cursor the server gave out');
  });

  it('does not declare a pattern for X-Correlation-Id that the server does not enforce: another value is replaced, not refused', async () => {
    const schema = resolved(doc, doc.components.parameters.XCorrelationId).schema;
    for (const value of ['has spaces', 'x'.repeat(129), 'a/b?c']) {
      assert.equal(validate(`X-Correlation-Id ${value}`, schema, value), undefined, `the document accepts ${value.slice(0, 20)}`);
      const answer = await fetch(`${platform.url}/api/v1/products`, { headers: { 'X-Correlation-Id': value } });
      assert.equal(answer.status, 200);
      assert.notEqual(answer.headers.get('X-Correlation-Id'), value, 'replaced by one of its own');
    }
    assert.match(doc.components.parameters.XCorrelationId.description, /replaced|another is made/);
  });

  it('refuses a request body with 400 exactly when the document calls it invalid (each property missing, null, of another type)', async function () {
    this.timeout(60_000);
    assert.deepEqual(
      [...samples.keys()].sort(),
      [...BODIES].filter((key) => !(key in NO_SUCCESS_IN_WALK)).sort(),
      'the walk sent a valid body to every command with one',
    );
    for (const [key, { url, token, body }] of samples) {
      const [method] = key.split(' ') as [string];
      const schema = requestSchema(key);
      const mutations: [string, Json][] = [];
      for (const name of Object.keys(resolved(doc, schema).properties ?? {})) {
        const { [name]: _left, ...without } = body;
        mutations.push([`without ${name}`, without]);
        for (const value of [null, {}, [], -1, '', 'x'.repeat(5000)]) mutations.push([`${name} = ${JSON.stringify(value).slice(0, 20)}`, { ...body, [name]: value }]);
      }
      for (const [what, mutated] of mutations) {
        const refused = validate(`${key} request`, schema, mutated);
        const answer = await call(method, url, { token, body: mutated });
        assert.equal(
          answer.status === 400,
          refused !== undefined,
          `${key} with ${what}: the document ${refused ? `refuses it (${refused})` : 'accepts it'}, the server answered ${answer.status} ${JSON.stringify(answer.body)}`,
        );
      }
    }
  });

  it('refuses a query parameter with 400 exactly when the document calls it invalid', async () => {
    for (const [key, path, method, op] of operations(doc)) {
      if (method !== 'get') continue;
      for (const parameter of parameters(op).filter((candidate) => candidate.in === 'query')) {
        const schema = parameter.schema;
        const values = ['', 'x', '0', '1', '100', '101', '-1', '1.5', ...(resolved(doc, schema).enum ?? []).map(String)];
        for (const value of values) {
          const typed = /^-?\d+(\.\d+)?$/.test(value) && ['integer', 'number'].includes(resolved(doc, schema).type) ? Number(value) : value;
          const refused = validate(`${key} ?${parameter.name}`, schema, typed);
          const answer = await call('GET', `${path}?${parameter.name}=${encodeURIComponent(value)}`, { token: admin });
          if (refused === undefined && answer.status === 400 && parameter.name in SERVER_CHECKED_QUERY) continue;
          assert.equal(
            answer.status === 400,
            refused !== undefined,
            `${key} ?${parameter.name}=${value}: the document ${refused ? `refuses it (${refused})` : 'accepts it'}, the server answered ${answer.status} ${JSON.stringify(answer.body)}`,
          );
        }
      }
    }
  });

  it('documents the headers of the conventions where they apply', () => {
    for (const [key, path, method, op] of operations(doc)) {
      assert.ok(headerParameter(op, 'X-Correlation-Id'), `${key} takes X-Correlation-Id`);
      for (const status of Object.keys(op.responses)) assert.ok(responseHeaders(op, status).includes('X-Correlation-Id'), `${key} ${status} X-Correlation-Id`);
      assert.equal(Boolean(headerParameter(op, 'Idempotency-Key')), method === 'post', `${key}: Idempotency-Key on every POST`);
      assert.equal(Boolean(headerParameter(op, 'If-Match')), IF_MATCH.includes(key), `${key}: If-Match`);
      if (IF_MATCH.includes(key)) assert.ok(op.responses['412'], `${key} documents 412`);
      const readsReadModel = method === 'get' && READ_MODEL_GETS.includes(path);
      assert.equal(Boolean(headerParameter(op, 'X-Min-Position')), readsReadModel, `${key}: X-Min-Position`);
      if (readsReadModel) assert.ok(responseHeaders(op, '503').includes('Retry-After'), `${key}: 503 with Retry-After`);
      if (method === 'get' && SINGLE_RESOURCE_GETS.includes(path)) assert.ok(responseHeaders(op, '200').includes('ETag'), `${key}: ETag`);
      const success = Object.keys(op.responses).filter((status) => status.startsWith('2'));
      assert.ok(success.length > 0, `${key} has a 2xx answer`);
      const isCommand = method !== 'get' && path.startsWith('/api/v1/') && key !== 'POST /api/v1/auth/token' && !path.startsWith('/api/v1/projections');
      if (isCommand) for (const status of success) assert.ok(responseHeaders(op, status).includes('X-Position'), `${key} ${status}: X-Position`);
      if (key in CREATED) assert.ok(responseHeaders(op, CREATED[key]!).includes('Location'), `${key}: Location`);
      if (op.responses['429']) assert.ok(responseHeaders(op, '429').includes('Retry-After'), `${key}: 429 with Retry-After`);
    }
    assert.ok(operation('POST', '/api/v1/auth/token').responses['429'], 'sign-in documents its limits');
    const header = (name: string) => doc.components.headers[name];
    assert.ok(header('XPosition') && header('ETag') && header('Location') && header('RetryAfter'));
  });

  it('documents the live form of $all: text/event-stream beside the JSON page', () => {
    const ok = resolved(doc, operation('GET', '/api/v1/events').responses['200']);
    assert.deepEqual(Object.keys(ok.content).sort(), ['application/json', 'text/event-stream']);
    assert.equal(resolved(doc, ok.content['text/event-stream'].schema).type, 'string');
  });

  it('answers every error as the shared Problem document (problem+json)', () => {
    const problem = doc.components.schemas.Problem;
    assert.deepEqual(problem.required, ['type', 'title', 'status']);
    assert.ok(problem.properties.errors, 'Problem lists errors');
    for (const [key, path, , op] of operations(doc)) {
      if (!path.startsWith('/api/')) continue;
      for (const [status, response] of Object.entries(op.responses as Record<string, Json>)) {
        if (Number(status) < 400) continue;
        assert.deepEqual(Object.keys(resolved(doc, response).content), ['application/problem+json'], `${key} ${status}`);
        assert.deepEqual(response.content['application/problem+json'].schema, { $ref: '#/components/schemas/Problem' }, `${key} ${status}`);
      }
    }
  });

  it('is structurally sound: references resolve, operations are complete, schemas are draft 2020-12', () => {
    // Every $ref resolves, and every component schema is used.
    const referenced = new Set<string>();
    walk(doc, (node, where) => {
      if (!('$ref' in node)) return;
      assert.equal(typeof node.$ref, 'string', where);
      assert.notEqual(pointTo(doc, node.$ref), undefined, `${where}: ${node.$ref} resolves`);
      referenced.add(node.$ref);
    });
    for (const name of Object.keys(doc.components.schemas)) {
      assert.match(name, /^[a-zA-Z0-9._-]+$/);
      assert.ok(referenced.has(`#/components/schemas/${name}`), `components.schemas.${name} is used`);
    }

    const tags = new Set((doc.tags as Json[]).map((tag) => tag.name));
    const schemes = new Set(Object.keys(doc.components.securitySchemes));
    const operationIds = new Set<string>();
    const schemas: [string, Json][] = Object.entries(doc.components.schemas).map(([name, schema]) => [`components.schemas.${name}`, schema]);
    for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
      assert.match(path, /^\/[^\s?#]*$/, path);
      for (const method of Object.keys(item)) assert.ok(METHODS.includes(method) || method === 'parameters' || method === 'summary', `${path}: ${method}`);
    }
    for (const [key, path, , op] of operations(doc)) {
      assert.equal(typeof op.operationId, 'string', key);
      assert.ok(!operationIds.has(op.operationId), `${key}: operationId ${op.operationId} is unique`);
      operationIds.add(op.operationId);
      assert.equal(typeof op.summary, 'string', key);
      for (const tag of op.tags) assert.ok(tags.has(tag), `${key}: tag ${tag} is declared`);
      for (const requirement of op.security) for (const scheme of Object.keys(requirement)) assert.ok(schemes.has(scheme), `${key}: ${scheme}`);

      const params = parameters(op);
      const seen = new Set<string>();
      for (const parameter of params) {
        assert.equal(typeof parameter.name, 'string', key);
        assert.ok(['query', 'header', 'path', 'cookie'].includes(parameter.in), `${key}: ${parameter.name} in ${parameter.in}`);
        assert.ok(!seen.has(`${parameter.in}:${parameter.name}`), `${key}: ${parameter.name} appears once`);
        seen.add(`${parameter.in}:${parameter.name}`);
        assert.equal(typeof parameter.schema, 'object', `${key}: ${parameter.name} has a schema`);
        if (parameter.in === 'path') assert.equal(parameter.required, true, `${key}: path parameter ${parameter.name} is required`);
        if (parameter.in === 'header') assert.ok(!['accept', 'content-type', 'authorization'].includes(parameter.name.toLowerCase()), key);
        schemas.push([`${key} parameter ${parameter.name}`, parameter.schema]);
      }
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]).sort();
      const pathParams = params.filter((parameter) => parameter.in === 'path').map((parameter) => parameter.name).sort();
      assert.deepEqual(pathParams, templated, `${key}: one path parameter per template`);

      if (op.requestBody) {
        assert.ok(op.requestBody.content?.['application/json']?.schema, `${key}: the body is JSON`);
        schemas.push([`${key} body`, op.requestBody.content['application/json'].schema]);
      }
      const statuses = Object.keys(op.responses);
      assert.ok(statuses.length > 0, `${key} has responses`);
      for (const status of statuses) {
        assert.match(status, /^(?:[1-5](?:\d\d|XX)|default)$/, `${key} ${status}`);
        const response = resolved(doc, op.responses[status]);
        assert.equal(typeof response.description, 'string', `${key} ${status} has a description`);
        assert.ok(response.description.length > 0, `${key} ${status} has a description`);
        for (const [name, header] of Object.entries(response.headers ?? {})) assert.ok(resolved(doc, header).schema, `${key} ${status} ${name}`);
        for (const [type, media] of Object.entries((response.content ?? {}) as Record<string, Json>)) {
          assert.ok(media.schema, `${key} ${status} ${type} has a schema`);
          schemas.push([`${key} ${status} ${type}`, media.schema]);
        }
      }
    }

    // JSON Schema draft 2020-12, as OpenAPI 3.1 takes it: no OpenAPI 3.0 `nullable`, no stray `$schema`/`$id`, sane keywords.
    for (const [where, schema] of schemas)
      walk(schema, (node, at) => {
        if (Array.isArray(node)) return;
        const place = `${where} ${at}`;
        assert.ok(!('nullable' in node && typeof node.nullable === 'boolean'), `${place}: nullable is OpenAPI 3.0`);
        assert.ok(!('$schema' in node) && !('$id' in node), `${place}: no $schema/$id`);
        if ('type' in node && typeof node.type !== 'object') assert.ok(JSON_TYPES.has(node.type), `${place}: type ${node.type}`);
        if (Array.isArray(node.type)) for (const type of node.type) assert.ok(JSON_TYPES.has(type), `${place}: type ${type}`);
        if (Array.isArray(node.required) && node.properties && typeof node.properties === 'object')
          for (const name of node.required) assert.ok(name in node.properties, `${place}: required ${name} is a property`);
        if ('pattern' in node && typeof node.pattern === 'string') assert.doesNotThrow(() => new RegExp(node.pattern, 'u'), `${place}: pattern`);
      });
  });

  it('documents only routes the server serves (nothing answers "no such route")', async () => {
    const sample: Record<string, string> = { id: randomUUID(), name: 'no-such-projection', stream: 'no-such-stream' };
    for (const [method, path] of CONTRACT) {
      const url = path.replace(/\{(\w+)\}/g, (_whole, name: string) => sample[name]!);
      // Side-effect free: ids nobody has, and bodies ({}) every command refuses.
      const token = method === 'PATCH' && path === '/api/v1/users/{id}' ? ada.token : admin;
      const response = await fetch(`${platform.url}${method === 'PATCH' ? url.replace(sample.id!, ada.id) : url}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, ...(method === 'GET' ? {} : { 'Content-Type': 'application/json' }) },
        ...(method === 'GET' ? {} : { body: '{}' }),
      });
      const answer: { status: number; body: Json } = { status: response.status, body: /json/.test(response.headers.get('Content-Type') ?? '') ? await response.json() : await response.text() };
      const unknownRoute = answer.status === 404 && answer.body?.detail === 'no such route';
      assert.ok(!unknownRoute, `${keyOf(method, path)} is served`);
      assert.ok(answer.status < 500 || path === '/health/ready', `${keyOf(method, path)}: ${answer.status}`);
    }
  });

  it('says of every strict body what the server does: an unknown property is 400', async () => {
    const sample = randomUUID();
    for (const key of BODIES) {
      const [method, path] = key.split(' ') as [string, string];
      const self = path === '/api/v1/users/{id}';
      const answer = await call(method, path.replace('{id}', self ? ada.id : sample), { token: self ? ada.token : admin, body: { bogus: 1 } });
      assert.equal(answer.status, 400, `${key}: ${JSON.stringify(answer.body)}`);
      assert.match(answer.headers.get('Content-Type') ?? '', /^application\/problem\+json/);
      assert.ok(
        answer.body.errors.some((error: { message: string }) => error.message.includes('bogus')),
        `${key} names the unknown property: ${JSON.stringify(answer.body)}`,
      );
    }
  });
});

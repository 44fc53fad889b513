import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { MarketStatus } from '../../src/domain/markets/events.js';
import { OrderStatus } from '../../src/domain/orders/events.js';
import {
  CloseMarketBody,
  CreateMarketBody,
  MarketListQuery,
  MarketResponse,
  PlacePositionBody,
  ResolveMarketBody,
} from '../../src/infrastructure/http/schemas/markets.js';
import { CancelOrderBody, OrderListQuery, OrderResponse, PlaceOrderBody } from '../../src/infrastructure/http/schemas/orders.js';
import { AdjustStockBody, ChangePriceBody, CreateProductBody, ProductListQuery, ProductResponse } from '../../src/infrastructure/http/schemas/products.js';
import { RegisterUserBody, RenameUserBody, TokenRequestBody, UserResponse } from '../../src/infrastructure/http/schemas/users.js';
import { type Customer, startTestPlatform, type TestPlatform } from '../support/http-platform.js';
import { type Answer, httpClient } from './api-client.js';

type Json = any;
type Who = 'anyone' | 'signed-in' | 'admin';

/** Every route of ../shared/API.md's tables (and the operational routes it names), path templates OpenAPI style. */
const CONTRACT: readonly [method: string, path: string, who: Who][] = [
  ['POST', '/api/v1/users', 'anyone'],
  ['POST', '/api/v1/auth/token', 'anyone'],
  ['GET', '/api/v1/users/me', 'signed-in'],
  ['GET', '/api/v1/users/{id}', 'signed-in'],
  ['PATCH', '/api/v1/users/{id}', 'signed-in'],
  ['GET', '/.well-known/jwks.json', 'anyone'],
  ['POST', '/api/v1/products', 'admin'],
  ['GET', '/api/v1/products', 'anyone'],
  ['GET', '/api/v1/products/{id}', 'anyone'],
  ['PUT', '/api/v1/products/{id}/price', 'admin'],
  ['POST', '/api/v1/products/{id}/stock-adjustments', 'admin'],
  ['POST', '/api/v1/orders', 'signed-in'],
  ['GET', '/api/v1/orders/{id}', 'signed-in'],
  ['GET', '/api/v1/orders', 'signed-in'],
  ['POST', '/api/v1/orders/{id}/cancel', 'signed-in'],
  ['POST', '/api/v1/markets', 'admin'],
  ['GET', '/api/v1/markets', 'anyone'],
  ['GET', '/api/v1/markets/{id}', 'anyone'],
  ['POST', '/api/v1/markets/{id}/positions', 'signed-in'],
  ['GET', '/api/v1/markets/{id}/positions/me', 'signed-in'],
  ['POST', '/api/v1/markets/{id}/close', 'admin'],
  ['POST', '/api/v1/markets/{id}/resolve', 'admin'],
  ['GET', '/api/v1/sagas/{id}', 'admin'],
  ['GET', '/api/v1/sagas', 'admin'],
  ['GET', '/api/v1/projections', 'admin'],
  ['POST', '/api/v1/projections/{name}/rebuild', 'admin'],
  ['GET', '/health/live', 'anyone'],
  ['GET', '/health/ready', 'anyone'],
  ['GET', '/metrics', 'anyone'],
  ['GET', '/openapi.json', 'anyone'],
];

/** The body schema each command route parses with (see src/infrastructure/http/routes/*.ts). */
const BODIES: Readonly<Record<string, z.ZodType>> = {
  'POST /api/v1/users': RegisterUserBody,
  'POST /api/v1/auth/token': TokenRequestBody,
  'PATCH /api/v1/users/{id}': RenameUserBody,
  'POST /api/v1/products': CreateProductBody,
  'PUT /api/v1/products/{id}/price': ChangePriceBody,
  'POST /api/v1/products/{id}/stock-adjustments': AdjustStockBody,
  'POST /api/v1/orders': PlaceOrderBody,
  'POST /api/v1/orders/{id}/cancel': CancelOrderBody,
  'POST /api/v1/markets': CreateMarketBody,
  'POST /api/v1/markets/{id}/positions': PlacePositionBody,
  'POST /api/v1/markets/{id}/close': CloseMarketBody,
  'POST /api/v1/markets/{id}/resolve': ResolveMarketBody,
};

/** Commands the contract lets go without a body (read as `{}`). */
const OPTIONAL_BODIES = new Set(['POST /api/v1/orders/{id}/cancel', 'POST /api/v1/markets/{id}/close']);

const QUERIES: Readonly<Record<string, z.ZodObject>> = {
  'GET /api/v1/products': ProductListQuery,
  'GET /api/v1/orders': OrderListQuery,
  'GET /api/v1/markets': MarketListQuery,
};

/** GETs that read a read model (X-Min-Position), and those of a single resource (ETag). */
const READ_MODEL_GETS = [
  '/api/v1/users/me',
  '/api/v1/users/{id}',
  '/api/v1/products',
  '/api/v1/products/{id}',
  '/api/v1/orders',
  '/api/v1/orders/{id}',
  '/api/v1/markets',
  '/api/v1/markets/{id}',
  '/api/v1/markets/{id}/positions/me',
  '/api/v1/sagas',
  '/api/v1/sagas/{id}',
];
const SINGLE_RESOURCE_GETS = ['/api/v1/users/me', '/api/v1/users/{id}', '/api/v1/products/{id}', '/api/v1/orders/{id}', '/api/v1/markets/{id}', '/api/v1/sagas/{id}'];
/** Commands on an existing resource: they accept If-Match. */
const IF_MATCH = [
  'PATCH /api/v1/users/{id}',
  'PUT /api/v1/products/{id}/price',
  'POST /api/v1/products/{id}/stock-adjustments',
  'POST /api/v1/orders/{id}/cancel',
  'POST /api/v1/markets/{id}/positions',
  'POST /api/v1/markets/{id}/close',
  'POST /api/v1/markets/{id}/resolve',
];
/** Command answers that create a resource: Location. */
const CREATED = { 'POST /api/v1/users': '201', 'POST /api/v1/products': '201', 'POST /api/v1/orders': '202', 'POST /api/v1/markets': '201' } as const;
/** Routes API.md lists but that may not be served yet (another change brings them). */
const MAY_BE_PENDING = new Set(['GET /api/v1/sagas/{id}', 'GET /api/v1/sagas']);

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

const standalone = (schema: z.ZodType, io: 'input' | 'output'): Json => {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io }) as Json;
  return json;
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

  before(async () => {
    platform = await startTestPlatform();
    call = httpClient(platform.url);
    served = await call('GET', '/openapi.json', { headers: { 'X-Correlation-Id': 'openapi-spec' } });
    doc = served.body;
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
      if (!['post', 'put', 'patch'].includes(method) || !(key in BODIES)) {
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

  it('takes its request schemas from the zod schemas the routes validate with', () => {
    // The sample the contract names: CreateProductBody's required list is the document's.
    const createProduct = resolved(doc, operation('POST', '/api/v1/products').requestBody.content['application/json'].schema);
    assert.deepEqual(createProduct.required, z.toJSONSchema(CreateProductBody, { io: 'input' }).required);
    assert.deepEqual(createProduct.required, ['sku', 'name', 'price', 'initialStock']);
    assert.deepEqual(Object.keys(createProduct.properties), Object.keys(CreateProductBody.shape));

    // And every body, whole: the document's schema (refs inlined) is zod's input JSON Schema of the route's body schema.
    for (const [key, schema] of Object.entries(BODIES)) {
      const [method, path] = key.split(' ') as [string, string];
      const documented = inlined(doc, operation(method, path).requestBody.content['application/json'].schema);
      assert.deepEqual(documented, standalone(schema, 'input'), key);
    }

    // Query parameters are the keys of the route's query schema, each with its own schema and optionality.
    for (const [key, schema] of Object.entries(QUERIES)) {
      const [method, path] = key.split(' ') as [string, string];
      const query = parameters(operation(method, path)).filter((parameter) => parameter.in === 'query');
      assert.deepEqual(
        query.map((parameter) => parameter.name),
        Object.keys(schema.shape),
        key,
      );
      for (const parameter of query) {
        const field = schema.shape[parameter.name] as z.ZodType;
        assert.deepEqual(parameter.schema, standalone(field, 'input'), `${key} ?${parameter.name}`);
        assert.equal(parameter.required, !field.isOptional(), `${key} ?${parameter.name} required`);
      }
    }
    const statusOf = (path: string) => parameters(operation('GET', path)).find((parameter) => parameter.name === 'status').schema.enum;
    assert.deepEqual(statusOf('/api/v1/orders'), OrderStatus.options);
    assert.deepEqual(statusOf('/api/v1/markets'), MarketStatus.options);

    // Answers come from the response schemas (as zod outputs them).
    for (const [name, schema] of [['Product', ProductResponse], ['Order', OrderResponse], ['Market', MarketResponse], ['User', UserResponse]] as const) {
      const documented = doc.components.schemas[name];
      const zodOutput = standalone(schema, 'output');
      assert.deepEqual(documented.required, zodOutput.required, name);
      assert.deepEqual(Object.keys(documented.properties), Object.keys(zodOutput.properties), name);
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
      if (key in CREATED) assert.ok(responseHeaders(op, CREATED[key as keyof typeof CREATED]).includes('Location'), `${key}: Location`);
      if (op.responses['429']) assert.ok(responseHeaders(op, '429').includes('Retry-After'), `${key}: 429 with Retry-After`);
    }
    assert.ok(operation('POST', '/api/v1/auth/token').responses['429'], 'sign-in documents its limits');
    const header = (name: string) => doc.components.headers[name];
    assert.ok(header('XPosition') && header('ETag') && header('Location') && header('RetryAfter'));
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

  it('documents only routes the server serves (nothing answers "no such route")', async function () {
    const pending: string[] = [];
    const sample: Record<string, string> = { id: randomUUID(), name: 'no-such-projection' };
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
      if (unknownRoute && MAY_BE_PENDING.has(keyOf(method, path))) pending.push(keyOf(method, path));
      else assert.ok(!unknownRoute, `${keyOf(method, path)} is served`);
      assert.ok(answer.status < 500 || path === '/health/ready', `${keyOf(method, path)}: ${answer.status}`);
    }
    if (pending.length > 0) {
      this.test!.title += ` (not served yet: ${pending.join(', ')})`;
    }
  });

  it('says of every strict body what the server does: an unknown property is 400', async () => {
    const sample = randomUUID();
    for (const key of Object.keys(BODIES)) {
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

  it('describes answers the way the server sends them (a product, a user)', async () => {
    const created = await call('POST', '/api/v1/products', {
      token: admin,
      body: { sku: `SKU-${randomUUID()}`, name: 'Lamp', price: { amount: 1999, currency: 'EUR' }, initialStock: 3 },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const product = await call('GET', created.headers.get('Location')!, { headers: { 'X-Min-Position': created.headers.get('X-Position')! } });
    assert.equal(product.status, 200, JSON.stringify(product.body));
    assert.deepEqual(Object.keys(product.body).sort(), Object.keys(doc.components.schemas.Product.properties).sort());
    assert.ok(ProductResponse.safeParse(product.body).success, JSON.stringify(product.body));

    const me = await call('GET', '/api/v1/users/me', { token: ada.token });
    assert.equal(me.status, 200, JSON.stringify(me.body));
    assert.deepEqual(Object.keys(me.body).sort(), Object.keys(doc.components.schemas.User.properties).sort());
  });
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { JwtAccessTokens } from '../../src/infrastructure/auth/jwt-access-tokens.js';
import { ROLE_URL_VARIABLES } from '../../src/infrastructure/config/config.js';
import { gatewayRoutes } from '../../src/infrastructure/gateway/routing-table.js';
import { allModules } from '../../src/infrastructure/modules/all-modules.js';
import { type Platform, startPlatform } from '../../src/infrastructure/platform.js';
import { type Answer, httpClient, isProblem } from '../api/api-client.js';
import { freePort } from '../support/server-process.js';
import { StubRole } from '../support/stub-role.js';

// The gateway in front of stand-in roles that answer with what they were sent: which role a path reaches, and what
// reaches it, are seen exactly.

type Roles = Record<keyof typeof ROLE_URL_VARIABLES, StubRole>;
const ROLES = Object.keys(ROLE_URL_VARIABLES) as (keyof typeof ROLE_URL_VARIABLES)[];

/** Tokens as a users API issues them; another instance has a key of its own. */
const tokenIssuer = () => new JwtAccessTokens({ keys: { kind: 'memory' }, issuer: 'ledgerflow', audience: 'ledgerflow-api', ttlSeconds: 900 });
const tokens = tokenIssuer();

const startRoles = async (): Promise<Roles> =>
  Object.fromEntries(
    await Promise.all(ROLES.map(async (role) => [role, await new StubRole(role, { jwks: () => tokens.jwks(), streamGapMs: 700 }).start()])),
  ) as Roles;

const roleEnv = (roles: Partial<Record<keyof typeof ROLE_URL_VARIABLES, { url: string }>>): Record<string, string> =>
  Object.fromEntries(ROLES.map((role) => [ROLE_URL_VARIABLES[role], roles[role]?.url ?? '']));

const startGateway = (env: Record<string, string>): Promise<Platform> =>
  startPlatform({ SERVICE_ROLE: 'gateway', PORT: '0', LOG_LEVEL: 'silent', EVENTSTORE_URL: 'memory:', ...env });

const answeredBy = (answer: Answer): string | undefined => answer.body?.role;

describe('gateway (SERVICE_ROLE=gateway)', function () {
  this.timeout(30_000);
  let roles: Roles;
  let gateway: Platform;
  let call: ReturnType<typeof httpClient>;

  before(async () => {
    roles = await startRoles();
    gateway = await startGateway(roleEnv(roles));
    call = httpClient(gateway.url);
  });
  after(async () => {
    await gateway?.stop();
    await Promise.all(Object.values(roles ?? {}).map((role) => role.stop()));
  });
  beforeEach(() => {
    for (const role of Object.values(roles)) role.seen.length = 0;
  });

  describe('routing', () => {
    it('sends every path a module serves, and the paths below it, to the role that serves it, path and query unchanged', async () => {
      const routes = gatewayRoutes(allModules);
      const contract = ['/api/v1/users', '/api/v1/auth', '/api/v1/products', '/api/v1/orders', '/api/v1/markets', '/api/v1/sagas', '/api/v1/projections'];
      for (const path of [...contract, '/.well-known', '/openapi.json'])
        assert.ok(routes.some((route) => route.path === path), `${path} is routed`);
      for (const { path, role } of routes)
        for (const url of [path, `${path}/some/thing?limit=5&cursor=a%2Fb`]) {
          const answer = await call('GET', url);
          assert.equal(answer.status, 200, `${url}: ${JSON.stringify(answer.body)}`);
          assert.equal(answeredBy(answer), role, `${url} goes to ${role}`);
          assert.equal(answer.body.url, url);
        }
    });

    it('is the routing table docs/topology.md shows', () => {
      const rows = [...readFileSync('docs/topology.md', 'utf8').matchAll(/^\| `(\/[^`]*)` \| ([a-z-]+) \|$/gm)].map(([, path, role]) => `${path} ${role}`);
      assert.deepEqual(rows.sort(), gatewayRoutes(allModules).map(({ path, role }) => `${path} ${role}`).sort());
    });

    it('sends the operations console to the users API (every role serves it)', async () => {
      assert.equal(answeredBy(await call('GET', '/console')), 'users-api');
      assert.equal(answeredBy(await call('GET', '/console/assets/app.js')), 'users-api');
    });

    it('answers a path no module serves with a 404 problem, asking no role', async () => {
      for (const url of ['/', '/api/v1/nothing', '/api/v1/productsx', '/api', '/metrics', '/openapi.jsonx']) {
        const answer = await call('GET', url);
        isProblem(answer, 404);
        assert.ok(answer.headers.get('X-Correlation-Id'), `${url} has a correlation id`);
      }
      assert.deepEqual(
        Object.values(roles).flatMap((role) => role.seen),
        [],
      );
    });
  });

  describe('what reaches the role', () => {
    it('forwards the caller’s X-Correlation-Id and answers with it', async () => {
      const answer = await call('GET', '/api/v1/products', { headers: { 'X-Correlation-Id': 'abc-123' } });
      assert.equal(answer.body.headers['x-correlation-id'], 'abc-123');
      assert.equal(answer.headers.get('X-Correlation-Id'), 'abc-123');
    });

    it('makes an X-Correlation-Id when the caller sent none (or an unusable one), and the role gets the same', async () => {
      for (const headers of [{}, { 'X-Correlation-Id': 'no spaces allowed' }] as Record<string, string>[]) {
        const answer = await call('GET', '/api/v1/orders', { headers });
        const id = answer.headers.get('X-Correlation-Id');
        assert.match(id ?? '', /^[0-9a-f-]{36}$/);
        assert.equal(answer.body.headers['x-correlation-id'], id);
      }
    });

    it('forwards traceparent and the other request headers as they came, and says who the client is', async () => {
      const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      const answer = await call('GET', '/api/v1/markets/42', {
        headers: { traceparent, tracestate: 'a=1', Authorization: 'Bearer whatever', 'If-Match': '"3"', 'Idempotency-Key': 'k-1', 'X-Min-Position': '17' },
      });
      const seen = answer.body.headers;
      assert.equal(seen.traceparent, traceparent);
      assert.equal(seen.tracestate, 'a=1');
      assert.equal(seen.authorization, 'Bearer whatever');
      assert.equal(seen['if-match'], '"3"');
      assert.equal(seen['idempotency-key'], 'k-1');
      assert.equal(seen['x-min-position'], '17');
      assert.match(seen['x-forwarded-for'], /^(::ffff:)?127\.0\.0\.1$/);
      assert.equal(seen.host, new URL(gateway.url).host, 'the role sees the host the client asked (its Location headers point at the gateway)');
    });

    it('passes request bodies through byte for byte, without parsing them', async () => {
      const bodies = [
        { type: 'application/json', bytes: Buffer.from('{ "a" :1,\n  "b":[ ] ,"a":2 }') },
        { type: 'application/json', bytes: Buffer.from('{not json') },
        { type: 'application/octet-stream', bytes: Buffer.from([0, 255, 1, 254, 10, 13]) },
        { type: 'application/json', bytes: Buffer.alloc(2 * 1024 * 1024, 'x') },
      ];
      for (const { type, bytes } of bodies) {
        const response = await fetch(`${gateway.url}/api/v1/orders`, { method: 'POST', headers: { 'Content-Type': type }, body: bytes });
        assert.equal(response.status, 200);
        const seen = roles['orders-api'].seen.at(-1)!;
        assert.equal(seen.headers['content-type'], type);
        assert.ok(seen.body.equals(bytes), `a body of ${bytes.length} bytes arrives as sent`);
      }
    });

    it('streams server-sent events as the role sends them, and a quiet stream outlives the gateway timeout', async () => {
      const slowGateway = await startGateway({ ...roleEnv(roles), GATEWAY_TIMEOUT_MS: '200' });
      try {
        const started = Date.now();
        let headAt = 0;
        const arrivals: { at: number; text: string }[] = [];
        const status = await new Promise<number>((resolve, reject) => {
          const req = request(`${slowGateway.url}/api/v1/events`, { headers: { Accept: 'text/event-stream', 'x-stub': 'stream' } }, (res) => {
            headAt = Date.now() - started;
            res.setEncoding('utf8');
            res.on('data', (text: string) => arrivals.push({ at: Date.now() - started, text }));
            res.on('end', () => resolve(res.statusCode!));
          });
          req.on('error', reject);
          req.end();
        });
        assert.equal(status, 200);
        assert.ok(headAt < 400, `the head came as the role sent it (${headAt} ms), before any event`);
        assert.deepEqual(
          arrivals.map((arrival) => arrival.text),
          ['id: 1\ndata: first\n\n', 'id: 2\ndata: second\n\n'],
          'each event as it was sent, not gathered',
        );
        assert.ok(arrivals[0]!.at >= 650 && arrivals[0]!.at < 1_300, `the first event came when it was sent (${arrivals[0]!.at} ms)`);
        assert.ok(arrivals[1]!.at >= 1_300, `the second too (${arrivals[1]!.at} ms), after more than the timeout of quiet`);
      } finally {
        await slowGateway.stop();
      }
    });
  });

  describe('when a role is down or slow', () => {
    let failing: Platform;
    let down: number;

    before(async () => {
      down = await freePort();
      failing = await startGateway({ ...roleEnv(roles), CATALOG_API_URL: `http://127.0.0.1:${down}`, GATEWAY_TIMEOUT_MS: '300' });
    });
    after(() => failing?.stop());

    it('answers 503 with Retry-After, as a problem, when the role refuses the connection', async () => {
      for (const method of ['GET', 'POST']) {
        const body = method === 'POST' ? { sku: 'x' } : undefined;
        const answer = await httpClient(failing.url)(method, '/api/v1/products', { body, headers: { 'X-Correlation-Id': 'down-1' } });
        isProblem(answer, 503);
        assert.match(answer.headers.get('Retry-After') ?? '', /^[1-9][0-9]*$/);
        assert.equal(answer.headers.get('X-Correlation-Id'), 'down-1');
        assert.doesNotMatch(JSON.stringify(answer.body), /ECONNREFUSED|127\.0\.0\.1|at /, 'nothing of the gateway’s insides');
      }
    });

    it('answers 503 with Retry-After when the role has not begun to answer within GATEWAY_TIMEOUT_MS', async () => {
      const started = Date.now();
      const answer = await httpClient(failing.url)('GET', '/api/v1/orders/1', { headers: { 'x-stub': 'hang' } });
      const took = Date.now() - started;
      isProblem(answer, 503);
      assert.ok(answer.headers.get('Retry-After'));
      assert.ok(took >= 290 && took < 3_000, `gave up after the timeout (${took} ms)`);
      assert.equal(roles['orders-api'].seen.length, 1, 'the role had the request');
    });

    it('keeps serving the other roles', async () => {
      assert.equal(answeredBy(await httpClient(failing.url)('GET', '/api/v1/orders')), 'orders-api');
    });

    it('reports each role in /health/ready: 503 naming the one down, 200 once every role is ready', async () => {
      const notReady = await httpClient(failing.url)('GET', '/health/ready');
      assert.equal(notReady.status, 503);
      assert.equal(notReady.headers.get('Retry-After'), '1');
      assert.deepEqual(notReady.body.checks.map((check: { name: string }) => check.name).sort(), [...ROLES].sort());
      const catalog = notReady.body.checks.find((check: { name: string }) => check.name === 'catalog-api');
      assert.deepEqual(catalog, { name: 'catalog-api', ok: false, detail: 'unreachable: ECONNREFUSED' });
      assert.ok(notReady.body.checks.filter((check: { name: string }) => check.name !== 'catalog-api').every((check: { ok: boolean }) => check.ok));

      const ready = await call('GET', '/health/ready');
      assert.equal(ready.status, 200, JSON.stringify(ready.body));
      assert.equal(ready.body.status, 'ready');
      assert.equal((await call('GET', '/health/live')).status, 200);
    });

    it('forwards again once the role is back', async () => {
      const catalog = await new StubRole('catalog-api').start(down);
      try {
        assert.equal(answeredBy(await httpClient(failing.url)('GET', '/api/v1/products')), 'catalog-api');
      } finally {
        await catalog.stop();
      }
    });
  });

  describe('RATE_LIMIT_PER_MIN at the gateway', () => {
    let limited: Platform;
    let limitedCall: ReturnType<typeof httpClient>;

    before(async () => {
      limited = await startGateway({ ...roleEnv(roles), RATE_LIMIT_PER_MIN: '3' });
      limitedCall = httpClient(limited.url);
    });
    after(() => limited?.stop());

    it('counts per signed-in user: past the limit 429 with Retry-After, and the role never hears of it', async () => {
      const ada = (await tokens.issue('ada', ['customer'])).token;
      const bob = (await tokens.issue('bob', ['customer'])).token;
      for (let index = 0; index < 3; index++) assert.equal((await limitedCall('GET', '/api/v1/orders', { token: ada })).status, 200);
      const heard = roles['orders-api'].seen.length;
      const refused = await limitedCall('GET', '/api/v1/markets', { token: ada });
      isProblem(refused, 429);
      assert.match(refused.headers.get('Retry-After') ?? '', /^[1-9][0-9]*$/);
      assert.equal(roles['orders-api'].seen.length + roles['markets-api'].seen.length, heard);
      assert.equal((await limitedCall('GET', '/api/v1/orders', { token: bob })).status, 200, 'another user has a count of his own');
    });

    it('counts a request without a valid token by its client address', async () => {
      const forged = await tokenIssuer().issue('mallory', ['admin']);
      const answers = [
        await limitedCall('GET', '/api/v1/products'),
        await limitedCall('GET', '/api/v1/products', { token: forged.token }),
        await limitedCall('GET', '/api/v1/products', { token: 'not-a-token' }),
        await limitedCall('GET', '/api/v1/products', { token: (await tokens.issue('mallory', ['customer'], -60)).token }),
      ];
      assert.deepEqual(
        answers.map((answer) => answer.status),
        [200, 200, 200, 429],
        'a made-up, malformed or expired token counts against the address, like no token',
      );
    });

    it('does not count sign-in (it has limits of its own), health, or the public documents', async () => {
      const carol = (await tokens.issue('carol', ['customer'])).token;
      for (let index = 0; index < 5; index++) {
        assert.equal((await limitedCall('POST', '/api/v1/auth/token', { token: carol, body: {} })).status, 200);
        assert.equal((await limitedCall('POST', '/API/V1/Auth/Token/', { token: carol, body: {} })).status, 200, 'sign-in however the path is spelled');
        assert.equal((await limitedCall('GET', '/openapi.json', { token: carol })).status, 200);
        assert.equal((await limitedCall('GET', '/.well-known/jwks.json', { token: carol })).status, 200);
        assert.equal((await limitedCall('GET', '/console', { token: carol })).status, 200);
        assert.equal((await limitedCall('GET', '/health/live', { token: carol })).status, 200);
      }
      assert.equal((await limitedCall('GET', '/api/v1/users/me', { token: carol })).status, 200);
    });
  });

  it('refuses to start without the base URL of a role it routes to, naming the variable', async () => {
    await assert.rejects(startGateway({ ...roleEnv(roles), SAGA_WORKER_URL: '' }), /SAGA_WORKER_URL: SERVICE_ROLE=gateway needs it/);
  });
});

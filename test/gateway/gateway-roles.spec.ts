import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROLE_URL_VARIABLES } from '../../src/infrastructure/config/config.js';
import { type Platform, startPlatform } from '../../src/infrastructure/platform.js';
import { afterWrite, type Answer, httpClient, isProblem, uniqueEmail } from '../api/api-client.js';
import { TEST_ADMIN } from '../support/http-platform.js';
import { within } from '../support/processes.js';

// The gateway in front of the real roles, each a server of its own (in this process), over one embedded data
// directory: the README's walk goes through the one port, and a role that stops is a 503, not a hang or a 500.

type RoleName = keyof typeof ROLE_URL_VARIABLES;
const ROLES = Object.keys(ROLE_URL_VARIABLES) as RoleName[];

describe('gateway in front of the roles', function () {
  this.timeout(60_000);
  let dataDir: string;
  const roles = new Map<RoleName, Platform>();
  let gateway: Platform;
  let call: ReturnType<typeof httpClient>;

  const startRole = (role: RoleName, port = 0): Promise<Platform> =>
    startPlatform({
      SERVICE_ROLE: role,
      PORT: String(port),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      ADMIN_EMAIL: TEST_ADMIN.email,
      ADMIN_PASSWORD: TEST_ADMIN.password,
      PAYMENT_TIMEOUT_MS: '20000',
      ...(roles.has('users-api') ? { USERS_API_URL: roles.get('users-api')!.url } : {}),
    });

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ledgerflow-gateway-roles-'));
    // The projector first: it owns the directory (its read models); the others only read them and append events.
    roles.set('projector', await startRole('projector'));
    roles.set('users-api', await startRole('users-api'));
    for (const role of ROLES.filter((name) => !roles.has(name))) roles.set(role, await startRole(role));
    gateway = await startPlatform({
      SERVICE_ROLE: 'gateway',
      PORT: '0',
      LOG_LEVEL: 'silent',
      ...Object.fromEntries(ROLES.map((role) => [ROLE_URL_VARIABLES[role], roles.get(role)!.url])),
    });
    call = httpClient(gateway.url);
    await within(30_000, 'every role is ready behind the gateway', async () => (await call('GET', '/health/ready')).status === 200);
  });
  after(async () => {
    await gateway?.stop();
    for (const role of [...roles.values()].reverse()) await role.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const signIn = async (email: string, password: string): Promise<string> => {
    const answer = await call('POST', '/api/v1/auth/token', { body: { email, password } });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body.accessToken;
  };
  const finalOrder = async (id: string, token: string): Promise<Answer> => {
    let answer!: Answer;
    await within(20_000, `order ${id} is final`, async () => {
      answer = await call('GET', `/api/v1/orders/${id}`, { token });
      return answer.status === 200 && answer.body.status !== 'pending';
    });
    return answer;
  };

  it('takes a customer from registration to a confirmed order and a declined one, every call through the one port', async () => {
    const admin = await signIn(TEST_ADMIN.email, TEST_ADMIN.password);
    const product = await call('POST', '/api/v1/products', {
      token: admin,
      body: { sku: `MUG-${Date.now()}`, name: 'Mug', price: { amount: 1250, currency: 'EUR' }, initialStock: 10 },
    });
    assert.equal(product.status, 201, JSON.stringify(product.body));
    assert.equal(new URL(product.headers.get('Location')!, gateway.url).origin, new URL(gateway.url).origin, 'Location points at the gateway');

    const email = uniqueEmail();
    const registered = await call('POST', '/api/v1/users', { body: { email, password: 'correct horse', name: 'Ada' } });
    assert.equal(registered.status, 201, JSON.stringify(registered.body));
    const ada = await signIn(email, 'correct horse');
    const me = await call('GET', '/api/v1/users/me', { token: ada, headers: afterWrite(registered) });
    assert.equal(me.status, 200, JSON.stringify(me.body));

    const seen = await call('GET', `/api/v1/products/${product.body.id}`, { headers: afterWrite(product) });
    assert.equal(seen.status, 200, 'the catalog API reads what the projector wrote, waiting for the position');
    assert.equal(seen.body.id, product.body.id);
    assert.equal(seen.body.createdBy?.name, 'Administrator', 'the catalog API enriched the product from the users API');

    const order = (paymentToken: string) =>
      call('POST', '/api/v1/orders', { token: ada, body: { items: [{ productId: product.body.id, quantity: 2 }], paymentToken } });
    const paid = await order('tok_visa');
    assert.equal(paid.status, 202, JSON.stringify(paid.body));
    const declined = await order('tok_declined');
    assert.equal((await finalOrder(paid.body.id, ada)).body.status, 'confirmed');
    const cancelled = await finalOrder(declined.body.id, ada);
    assert.equal(cancelled.body.status, 'cancelled');
    assert.equal(cancelled.body.cancellationReason, 'payment_declined');
    assert.equal(cancelled.body.customer?.name, 'Ada', 'the orders API enriched the order from the users API');

    await within(20_000, 'the saga views are final', async () => {
      const sagas = await Promise.all([paid, declined].map((placed) => call('GET', `/api/v1/sagas/${placed.body.id}`, { token: admin })));
      return sagas[0]!.body?.status === 'completed' && sagas[1]!.body?.status === 'compensated';
    });
    const projections = await call('GET', '/api/v1/projections', { token: admin });
    assert.equal(projections.status, 200, 'the projector answers its admin routes through the gateway');
  });

  it('serves the public documents of the users API: the JWKS and the one OpenAPI document', async () => {
    const jwks = await call('GET', '/.well-known/jwks.json');
    assert.equal(jwks.status, 200);
    assert.equal(jwks.body.keys[0].alg, 'ES256');
    const throughGateway = await fetch(`${gateway.url}/openapi.json`);
    const fromUsers = await fetch(`${roles.get('users-api')!.url}/openapi.json`);
    assert.equal(throughGateway.status, 200);
    assert.equal(await throughGateway.text(), await fromUsers.text());
  });

  it('answers 503 with Retry-After while a role is stopped, says so in /health/ready, and serves it again once restarted', async () => {
    const catalog = roles.get('catalog-api')!;
    await catalog.stop();
    try {
      const answer = await call('GET', '/api/v1/products');
      isProblem(answer, 503);
      assert.ok(answer.headers.get('Retry-After'));
      const ready = await call('GET', '/health/ready');
      assert.equal(ready.status, 503);
      assert.deepEqual(
        ready.body.checks.filter((check: { ok: boolean }) => !check.ok).map((check: { name: string }) => check.name),
        ['catalog-api'],
      );
      assert.equal((await call('GET', '/api/v1/markets')).status, 200, 'the other roles still answer');
    } finally {
      roles.set('catalog-api', await startRole('catalog-api', catalog.port));
    }
    assert.equal((await call('GET', '/api/v1/products')).status, 200);
    assert.equal((await call('GET', '/health/ready')).status, 200);
  });
});

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterWrite, type Answer, type CallOptions, httpClient, uniqueEmail } from './api-client.js';
import { type Customer, startTestPlatform, TEST_ADMIN, type TestPlatform } from '../support/http-platform.js';

const isProblem = (answer: Answer, status: number): void => {
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  assert.match(answer.headers.get('Content-Type') ?? '', /^application\/problem\+json/);
  assert.equal(answer.body.status, status);
};
const errorPaths = (answer: Answer): string[] => answer.body.errors.map((error: { path: string }) => error.path);

describe('users API', () => {
  let platform: TestPlatform;
  let rawCall: ReturnType<typeof httpClient>;
  let admin: string;
  let ada: Customer;
  let bob: Customer;
  const password = 'correct horse battery';
  const passwords = new Set([password, TEST_ADMIN.password, 'customer-password-1']);

  /** Every answer is checked: no password, no hash, whatever the route. */
  const call = async (method: string, path: string, options: CallOptions = {}): Promise<Answer> => {
    const answer = await rawCall(method, path, options);
    const text = JSON.stringify(answer.body ?? '');
    for (const secret of passwords) assert.ok(!text.includes(secret), `${method} ${path} answered a password`);
    assert.ok(!/scrypt\$|passwordHash/.test(text), `${method} ${path} answered a password hash`);
    return answer;
  };
  const register = (body: Record<string, unknown>) => call('POST', '/api/v1/users', { body });
  const me = (token: string, headers: Record<string, string> = {}) => call('GET', '/api/v1/users/me', { token, headers });

  before(async () => {
    platform = await startTestPlatform();
    rawCall = httpClient(platform.url);
    admin = await platform.adminToken();
    ada = await platform.registerCustomer('Ada');
    bob = await platform.registerCustomer('Bob');
  });
  after(() => platform.stop());

  describe('POST /api/v1/users', () => {
    it('registers a customer: 201, Location, X-Position, and no password in the answer', async () => {
      const email = uniqueEmail('Grace');
      const answer = await register({ email, password, name: 'Grace' });
      assert.equal(answer.status, 201, JSON.stringify(answer.body));
      assert.deepEqual(Object.keys(answer.body).sort(), ['email', 'id', 'name', 'roles']);
      assert.match(answer.body.id, /^[0-9a-f-]{36}$/);
      assert.deepEqual(answer.body, { id: answer.body.id, email, name: 'Grace', roles: ['customer'] });
      assert.equal(answer.headers.get('Location'), `/api/v1/users/${answer.body.id}`);
      assert.match(answer.headers.get('X-Position') ?? '', /^\d+$/);
    });

    it('refuses an email taken in another case (and with blanks around it): 409', async () => {
      const email = uniqueEmail('case');
      assert.equal((await register({ email, password, name: 'First' })).status, 201);
      isProblem(await register({ email: `  ${email.toUpperCase()} `, password, name: 'Second' }), 409);
    });

    it('lets exactly one of two concurrent sign-ups with the same email win', async () => {
      const email = uniqueEmail('race');
      const answers = await Promise.all([register({ email, password, name: 'A' }), register({ email: email.toUpperCase(), password, name: 'B' })]);
      assert.deepEqual(answers.map((answer) => answer.status).sort(), [201, 409]);
    });

    it('answers 400 with the path of every invalid field', async () => {
      const answer = await register({ email: 'not-an-email', password: 'short', name: '' });
      isProblem(answer, 400);
      assert.deepEqual(errorPaths(answer).sort(), ['email', 'name', 'password']);
    });

    it('bounds the password (8..128) and the name (1..100)', async () => {
      isProblem(await register({ email: uniqueEmail(), password: 'x'.repeat(7), name: 'A' }), 400);
      isProblem(await register({ email: uniqueEmail(), password: 'x'.repeat(129), name: 'A' }), 400);
      isProblem(await register({ email: uniqueEmail(), password, name: 'x'.repeat(101) }), 400);
      isProblem(await register({ email: uniqueEmail(), password, name: '   ' }), 400);
      assert.equal((await register({ email: uniqueEmail(), password: 'x'.repeat(128), name: 'x'.repeat(100) })).status, 201);
    });

    it('refuses control characters and bidirectional overrides in the name (400), on registering and on renaming', async () => {
      for (const character of ['\u0000', '\t', '\n', '\u007f', '\u0085', '\u202e', '\u2067']) {
        isProblem(await register({ email: uniqueEmail(), password, name: `Ada${character}nimda` }), 400);
        isProblem(await call('PATCH', `/api/v1/users/${ada.id}`, { token: ada.token, body: { name: `Ada${character}` } }), 400);
      }
      assert.equal((await register({ email: uniqueEmail(), password, name: 'Zoë Ñúñez-O’Brien 李' })).status, 201);
    });

    it('answers 400 for missing fields and for unknown ones', async () => {
      assert.deepEqual(errorPaths(await register({})).sort(), ['email', 'name', 'password']);
      isProblem(await register({ email: uniqueEmail(), password, name: 'Eve', roles: ['admin'] }), 400);
    });

    const post = (contentType: string, body: string) =>
      fetch(`${platform.url}/api/v1/users`, { method: 'POST', headers: { 'Content-Type': contentType }, body });

    it('answers 415 to a body that is not JSON', async () => {
      const answer = await post('text/plain', 'email=a@b.co');
      assert.equal(answer.status, 415);
      assert.match(answer.headers.get('Content-Type') ?? '', /^application\/problem\+json/);
    });

    it('answers 400 to malformed JSON', async () => {
      assert.equal((await post('application/json', '{"email":')).status, 400);
    });
  });

  describe('GET /api/v1/users/me', () => {
    it('answers the signed-in user with an ETag', async () => {
      const answer = await me(ada.token);
      assert.equal(answer.status, 200);
      assert.deepEqual(Object.keys(answer.body).sort(), ['createdAt', 'email', 'id', 'name', 'roles']);
      assert.deepEqual({ ...answer.body, createdAt: undefined }, { id: ada.id, email: ada.email, name: 'Ada', roles: ['customer'], createdAt: undefined });
      assert.ok(!Number.isNaN(Date.parse(answer.body.createdAt)));
      assert.equal(answer.headers.get('ETag'), '"0"');
    });

    it('reads its own writes with X-Min-Position', async () => {
      const email = uniqueEmail();
      const registered = await register({ email, password, name: 'Fresh' });
      const token = (await call('POST', '/api/v1/auth/token', { body: { email, password } })).body.accessToken;
      const answer = await me(token, afterWrite(registered));
      assert.equal(answer.status, 200);
      assert.equal(answer.body.id, registered.body.id);
    });

    it('shows the admin their admin role', async () => {
      const answer = await me(admin);
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.body.roles, ['customer', 'admin']);
      assert.equal(answer.body.email, TEST_ADMIN.email);
    });

    it('answers 401 without a token, and with a token that is not one', async () => {
      const anonymous = await call('GET', '/api/v1/users/me');
      isProblem(anonymous, 401);
      assert.equal(anonymous.headers.get('WWW-Authenticate'), 'Bearer');
      isProblem(await me('not.a.token'), 401);
      isProblem(await call('GET', '/api/v1/users/me', { headers: { Authorization: 'Basic YTpi' } }), 401);
    });

    it('answers 400 to an X-Min-Position that is not a position', async () => {
      isProblem(await me(ada.token, { 'X-Min-Position': 'soon' }), 400);
    });
  });

  describe('GET /api/v1/users/:id', () => {
    it('answers the user to themself, with an ETag', async () => {
      const answer = await call('GET', `/api/v1/users/${ada.id}`, { token: ada.token });
      assert.equal(answer.status, 200);
      assert.equal(answer.body.name, 'Ada');
      assert.match(answer.headers.get('ETag') ?? '', /^"\d+"$/);
    });

    it('answers any user to an admin', async () => {
      const answer = await call('GET', `/api/v1/users/${bob.id}`, { token: admin });
      assert.equal(answer.status, 200);
      assert.deepEqual({ id: answer.body.id, email: answer.body.email }, { id: bob.id, email: bob.email });
    });

    it("answers 404, not 403, for another user's profile", async () => {
      isProblem(await call('GET', `/api/v1/users/${bob.id}`, { token: ada.token }), 404);
    });

    it('answers 404 for an unknown id and for something that is not an id', async () => {
      isProblem(await call('GET', `/api/v1/users/${randomUUID()}`, { token: admin }), 404);
      isProblem(await call('GET', '/api/v1/users/nobody', { token: admin }), 404);
    });

    it('answers 401 without a token', async () => {
      isProblem(await call('GET', `/api/v1/users/${ada.id}`), 401);
    });
  });

  describe('PATCH /api/v1/users/:id', () => {
    it('renames the user: 200 with the user, a new ETag and X-Position; the profile follows', async () => {
      const carol = await platform.registerCustomer('Carol');
      const answer = await call('PATCH', `/api/v1/users/${carol.id}`, { token: carol.token, body: { name: 'Carol K.' } });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.deepEqual({ ...answer.body, createdAt: undefined }, { id: carol.id, email: carol.email, name: 'Carol K.', roles: ['customer'], createdAt: undefined });
      assert.equal(answer.headers.get('ETag'), '"1"');
      const profile = await me(carol.token, afterWrite(answer));
      assert.equal(profile.body.name, 'Carol K.');
      assert.equal(profile.headers.get('ETag'), '"1"');
    });

    it('honours If-Match: the current revision passes, a stale one is 412 and changes nothing', async () => {
      const dan = await platform.registerCustomer('Dan');
      const current = await call('GET', `/api/v1/users/${dan.id}`, { token: dan.token });
      const etag = current.headers.get('ETag')!;
      const renamed = await call('PATCH', `/api/v1/users/${dan.id}`, { token: dan.token, body: { name: 'Daniel' }, headers: { 'If-Match': etag } });
      assert.equal(renamed.status, 200);
      const stale = await call('PATCH', `/api/v1/users/${dan.id}`, { token: dan.token, body: { name: 'Danny' }, headers: { 'If-Match': etag } });
      isProblem(stale, 412);
      assert.equal((await me(dan.token, afterWrite(renamed))).body.name, 'Daniel');
      isProblem(await call('PATCH', `/api/v1/users/${dan.id}`, { token: dan.token, body: { name: 'D' }, headers: { 'If-Match': 'yesterday' } }), 400);
    });

    it("answers 404 to anyone but the user, admins included", async () => {
      isProblem(await call('PATCH', `/api/v1/users/${bob.id}`, { token: ada.token, body: { name: 'Hacked' } }), 404);
      isProblem(await call('PATCH', `/api/v1/users/${bob.id}`, { token: admin, body: { name: 'Hacked' } }), 404);
      assert.equal((await call('GET', `/api/v1/users/${bob.id}`, { token: bob.token })).body.name, 'Bob');
    });

    it('answers 400 to an invalid name or an unknown field, 401 without a token', async () => {
      isProblem(await call('PATCH', `/api/v1/users/${ada.id}`, { token: ada.token, body: { name: '' } }), 400);
      isProblem(await call('PATCH', `/api/v1/users/${ada.id}`, { token: ada.token, body: { name: 'Ada', email: 'x@y.co' } }), 400);
      isProblem(await call('PATCH', `/api/v1/users/${ada.id}`, { body: { name: 'Ada' } }), 401);
    });
  });

  describe('enrichment through the user directory', () => {
    it("fills a product's createdBy with the admin's id and name", async () => {
      const created = await call('POST', '/api/v1/products', {
        token: admin,
        body: { sku: `SKU-${randomUUID()}`, name: 'Mug', price: { amount: 1250, currency: 'EUR' }, initialStock: 3 },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const adminId = (await me(admin)).body.id;
      const product = await call('GET', `/api/v1/products/${created.body.id}`, { headers: afterWrite(created) });
      assert.deepEqual(product.body.createdBy, { id: adminId, name: 'Administrator' });
    });
  });
});

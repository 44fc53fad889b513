import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base64url, decodeJwt, decodeProtectedHeader, importPKCS8, type JWTPayload, SignJWT, UnsecuredJWT } from 'jose';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { startPlatform } from '../../src/infrastructure/platform.js';
import { type Answer, httpClient, uniqueEmail } from './api-client.js';
import { type Customer, startTestPlatform, TEST_ADMIN, type TestPlatform } from '../support/http-platform.js';

const isProblem = (answer: Answer, status: number): void => {
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  assert.match(answer.headers.get('Content-Type') ?? '', /^application\/problem\+json/);
  assert.equal(answer.body.status, status);
};

const pemPair = () =>
  generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });

describe('auth API', () => {
  const keys = pemPair();
  let platform: TestPlatform;
  let call: ReturnType<typeof httpClient>;
  let ada: Customer;
  let kid: string;

  const token = (body: unknown, headers: Record<string, string> = {}) => call('POST', '/api/v1/auth/token', { body, headers });
  const me = (accessToken: string) => call('GET', '/api/v1/users/me', { token: accessToken });
  const now = () => Math.floor(Date.now() / 1000);
  const claims = (overrides: JWTPayload = {}): JWTPayload => ({
    sub: ada.id,
    roles: ['customer'],
    iss: 'ledgerflow',
    aud: 'ledgerflow-api',
    iat: now(),
    exp: now() + 300,
    jti: randomUUID(),
    ...overrides,
  });
  /** Signs with the server's own private key: only the claims can make such a token invalid. */
  const signWithServerKey = async (payload: JWTPayload, header: Record<string, unknown> = {}) =>
    new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid, ...header }).sign(await importPKCS8(keys.privateKey, 'ES256'));

  before(async () => {
    // The public key with `\n` escapes, as environment variables often carry PEM.
    platform = await startTestPlatform({ JWT_PRIVATE_KEY: keys.privateKey, JWT_PUBLIC_KEY: keys.publicKey.replace(/\n/g, '\\n') });
    call = httpClient(platform.url);
    ada = await platform.registerCustomer('Ada');
    kid = decodeProtectedHeader(ada.token).kid!;
  });
  after(() => platform.stop());

  describe('POST /api/v1/auth/token', () => {
    it('answers an ES256 access token with the user id, roles, issuer, audience, expiry and id', async () => {
      const answer = await token({ email: ada.email, password: 'customer-password-1' });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.deepEqual(Object.keys(answer.body).sort(), ['accessToken', 'expiresIn', 'tokenType']);
      assert.equal(answer.body.tokenType, 'Bearer');
      assert.equal(answer.body.expiresIn, 900);
      assert.equal(answer.headers.get('Cache-Control'), 'no-store');
      const header = decodeProtectedHeader(answer.body.accessToken);
      assert.equal(header.alg, 'ES256');
      assert.equal(header.kid, kid);
      const payload = decodeJwt(answer.body.accessToken);
      assert.equal(payload.sub, ada.id);
      assert.deepEqual(payload.roles, ['customer']);
      assert.equal(payload.iss, 'ledgerflow');
      assert.equal(payload.aud, 'ledgerflow-api');
      assert.equal(payload.exp! - payload.iat!, 900);
      assert.match(String(payload.jti), /^[0-9a-f-]{36}$/);
      assert.equal((await me(answer.body.accessToken)).status, 200);
    });

    it('treats the email case-insensitively', async () => {
      assert.equal((await token({ email: ada.email.toUpperCase(), password: 'customer-password-1' })).status, 200);
    });

    it('puts the admin role in an admin token', async () => {
      assert.deepEqual(decodeJwt(await platform.adminToken()).roles, ['customer', 'admin']);
    });

    it('answers a wrong password and an unknown email alike: 401', async () => {
      const wrong = await token({ email: ada.email, password: 'wrong-password' });
      const unknown = await token({ email: uniqueEmail('nobody'), password: 'wrong-password' });
      isProblem(wrong, 401);
      isProblem(unknown, 401);
      assert.deepEqual(wrong.body, unknown.body);
    });

    it('answers 400 to a bad body, 401 to a bad Authorization header', async () => {
      isProblem(await token({ email: ada.email }), 400);
      isProblem(await token({ email: ada.email, password: 'x', scope: 'admin' }), 400);
      isProblem(await token({ email: 'not-an-email', password: 'x' }), 400);
      isProblem(await call('POST', '/api/v1/auth/token', { body: { email: ada.email, password: 'x' }, headers: { Authorization: 'Bearer ' } }), 401);
    });
  });

  describe('GET /.well-known/jwks.json', () => {
    it('serves the public key, with kid, alg and use, and nothing private', async () => {
      const answer = await call('GET', '/.well-known/jwks.json');
      assert.equal(answer.status, 200);
      assert.equal(answer.body.keys.length, 1);
      const [jwk] = answer.body.keys;
      assert.deepEqual(Object.keys(jwk).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
      assert.deepEqual({ kty: jwk.kty, crv: jwk.crv, alg: jwk.alg, use: jwk.use, kid: jwk.kid }, { kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid });
    });

    it('is public: a bad token does not stop it', async () => {
      assert.equal((await call('GET', '/.well-known/jwks.json', { token: 'garbage' })).status, 200);
    });
  });

  describe('verification', () => {
    it('accepts a token signed with the key and carrying every claim (the control case)', async () => {
      assert.equal((await me(await signWithServerKey(claims()))).status, 200);
    });

    it('refuses an unsigned token (alg: none)', async () => {
      const unsigned = new UnsecuredJWT(claims({ roles: ['admin'] })).encode();
      isProblem(await me(unsigned), 401);
    });

    it('refuses an HS256 token made with the public key as the HMAC secret', async () => {
      const jwks = (await call('GET', '/.well-known/jwks.json')).body;
      for (const secret of [keys.publicKey, JSON.stringify(jwks.keys[0]), JSON.stringify(jwks)]) {
        const forged = await new SignJWT(claims({ roles: ['admin'] })).setProtectedHeader({ alg: 'HS256', kid }).sign(new TextEncoder().encode(secret));
        isProblem(await me(forged), 401);
      }
    });

    it('refuses a token whose payload was changed after signing', async () => {
      const [header, , signature] = ada.token.split('.');
      const payload = base64url.encode(JSON.stringify({ ...decodeJwt(ada.token), roles: ['customer', 'admin'] }));
      isProblem(await me(`${header}.${payload}.${signature}`), 401);
    });

    it('refuses an expired token', async () => {
      isProblem(await me(await signWithServerKey(claims({ iat: now() - 3600, exp: now() - 60 }))), 401);
    });

    it('refuses a token without an expiry', async () => {
      const { exp: _exp, ...withoutExp } = claims();
      isProblem(await me(await signWithServerKey(withoutExp)), 401);
    });

    it('refuses another issuer or another audience', async () => {
      isProblem(await me(await signWithServerKey(claims({ iss: 'someone-else' }))), 401);
      isProblem(await me(await signWithServerKey(claims({ aud: 'another-api' }))), 401);
    });

    it('refuses a token signed by another key, even under our kid', async () => {
      const other = pemPair();
      const forged = await new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', kid }).sign(await importPKCS8(other.privateKey, 'ES256'));
      isProblem(await me(forged), 401);
    });

    it('refuses roles it does not know', async () => {
      isProblem(await me(await signWithServerKey(claims({ roles: ['root'] }))), 401);
    });

    it('takes roles from the token: a service token reads any user, and nothing it may not', async () => {
      const service = await signWithServerKey(claims({ sub: 'service:test', roles: ['service'] }));
      const read = await call('GET', `/api/v1/users/${ada.id}`, { token: service });
      assert.equal(read.status, 200);
      assert.equal(read.body.id, ada.id);
      isProblem(await call('PATCH', `/api/v1/users/${ada.id}`, { token: service, body: { name: 'X' } }), 404);
      isProblem(await call('POST', '/api/v1/products', { token: service, body: {} }), 403);
    });
  });

  describe('rate limits', () => {
    let limited: TestPlatform;
    let limitedCall: ReturnType<typeof httpClient>;
    const from = (address: string) => ({ 'X-Forwarded-For': address });
    const signIn = (body: unknown, address: string) => limitedCall('POST', '/api/v1/auth/token', { body, headers: from(address) });
    const register = async () => {
      const email = uniqueEmail();
      assert.equal((await limitedCall('POST', '/api/v1/users', { body: { email, password: 'right-password', name: 'R' } })).status, 201);
      return email;
    };

    before(async () => {
      limited = await startTestPlatform({ SIGNIN_FAILURES_PER_EMAIL: '3', SIGNINS_PER_ADDRESS_PER_MIN: '5' });
      limitedCall = httpClient(limited.url);
    });
    after(() => limited.stop());

    it('allows SIGNIN_FAILURES_PER_EMAIL failures from one address, then answers that address 429 with Retry-After, even to the right password', async () => {
      const email = await register();
      for (let attempt = 0; attempt < 3; attempt++) isProblem(await signIn({ email, password: 'wrong-password' }, '198.51.100.1'), 401);
      const blocked = await signIn({ email: email.toUpperCase(), password: 'right-password' }, '198.51.100.1');
      isProblem(blocked, 429);
      const retryAfter = Number(blocked.headers.get('Retry-After'));
      assert.ok(retryAfter > 800 && retryAfter <= 900, `Retry-After ${retryAfter}`);
    });

    it('locks nobody out from afar: the owner signs in from another address meanwhile, the admin too', async () => {
      const email = await register();
      for (let attempt = 0; attempt < 4; attempt++) await signIn({ email, password: 'wrong-password' }, '198.51.100.2');
      isProblem(await signIn({ email, password: 'right-password' }, '198.51.100.2'), 429);
      assert.equal((await signIn({ email, password: 'right-password' }, '198.51.100.3')).status, 200);
      for (let attempt = 0; attempt < 4; attempt++) await signIn({ email: TEST_ADMIN.email, password: 'wrong-password' }, '198.51.100.4');
      assert.equal((await signIn(TEST_ADMIN, '198.51.100.5')).status, 200, 'the admin is not locked out by failures elsewhere');
    });

    it('counts the failures of each address apart: a few from many addresses lock none of them', async () => {
      const email = await register();
      for (const address of ['198.51.100.6', '198.51.100.7', '198.51.100.8'])
        for (let attempt = 0; attempt < 2; attempt++) isProblem(await signIn({ email, password: 'wrong-password' }, address), 401);
      for (const address of ['198.51.100.6', '198.51.100.7', '198.51.100.8'])
        assert.equal((await signIn({ email, password: 'right-password' }, address)).status, 200, address);
    });

    it('counts failures only: successful sign-ins do not use up the budget', async () => {
      const email = await register();
      for (let attempt = 0; attempt < 4; attempt++) assert.equal((await signIn({ email, password: 'right-password' }, `198.51.100.${20 + attempt}`)).status, 200);
    });

    it('counts unknown emails too, without telling them apart', async () => {
      const email = uniqueEmail('ghost');
      for (let attempt = 0; attempt < 3; attempt++) isProblem(await signIn({ email, password: 'whatever' }, '198.51.100.30'), 401);
      isProblem(await signIn({ email, password: 'whatever' }, '198.51.100.30'), 429);
    });

    it('allows SIGNINS_PER_ADDRESS_PER_MIN token requests per client address, then 429 with Retry-After', async () => {
      const email = await register();
      for (let attempt = 0; attempt < 5; attempt++) assert.equal((await signIn({ email, password: 'right-password' }, '203.0.113.7')).status, 200);
      const blocked = await signIn({ email, password: 'right-password' }, '203.0.113.7');
      isProblem(blocked, 429);
      const retryAfter = Number(blocked.headers.get('Retry-After'));
      assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
      assert.equal((await signIn({ email, password: 'right-password' }, '203.0.113.8')).status, 200);
    });
  });

  describe('client address behind proxies (TRUST_PROXY)', () => {
    let untrusting: TestPlatform;
    before(async () => (untrusting = await startTestPlatform({ SIGNIN_FAILURES_PER_EMAIL: '2', TRUST_PROXY: '10.0.0.0/8, 192.0.2.1' })));
    after(() => untrusting.stop());

    it('takes X-Forwarded-For only from the proxies it trusts: from anyone else, the caller is the connection’s address', async () => {
      const untrustingCall = httpClient(untrusting.url);
      const email = uniqueEmail();
      assert.equal((await untrustingCall('POST', '/api/v1/users', { body: { email, password: 'right-password', name: 'R' } })).status, 201);
      const signIn = (password: string, address: string) =>
        untrustingCall('POST', '/api/v1/auth/token', { body: { email, password }, headers: { 'X-Forwarded-For': address } });
      for (const address of ['198.51.100.40', '198.51.100.41']) isProblem(await signIn('wrong-password', address), 401);
      // Both failures came from this (loopback) connection, which is no trusted proxy here: it is locked out, whatever it claims.
      isProblem(await signIn('right-password', '198.51.100.42'), 429);
    });
  });

  describe('SIGNIN_FAILURES_PER_ADDRESS_PER_DAY', () => {
    let capped: TestPlatform;
    let cappedCall: ReturnType<typeof httpClient>;
    const signIn = (body: unknown, address: string) => cappedCall('POST', '/api/v1/auth/token', { body, headers: { 'X-Forwarded-For': address } });

    before(async () => {
      capped = await startTestPlatform({ SIGNIN_FAILURES_PER_ADDRESS_PER_DAY: '4', SIGNIN_FAILURES_PER_EMAIL: '3' });
      cappedCall = httpClient(capped.url);
    });
    after(() => capped.stop());

    it('allows that many failures from one address, whatever the emails, then 429 for every email from it until the day is over', async () => {
      for (let attempt = 0; attempt < 4; attempt++) isProblem(await signIn({ email: uniqueEmail('spray'), password: 'wrong-password' }, '192.0.2.1'), 401);
      const blocked = await signIn(TEST_ADMIN, '192.0.2.1');
      isProblem(blocked, 429);
      const retryAfter = Number(blocked.headers.get('Retry-After'));
      assert.ok(retryAfter > 86_000 && retryAfter <= 86_400, `Retry-After ${retryAfter}`);
      assert.equal((await signIn(TEST_ADMIN, '192.0.2.2')).status, 200, 'another address is not affected');
    });

    it('counts failures only', async () => {
      for (let attempt = 0; attempt < 6; attempt++) assert.equal((await signIn(TEST_ADMIN, '192.0.2.3')).status, 200);
    });
  });

  describe('across restarts (embedded profile)', () => {
    let dataDir: string;
    const boot = (password: string = TEST_ADMIN.password) =>
      startPlatform({ DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent', ADMIN_EMAIL: TEST_ADMIN.email, ADMIN_PASSWORD: password });
    const head = async () => {
      const store = new SqliteEventStore(join(dataDir, 'events.sqlite'));
      try {
        return await store.headPosition();
      } finally {
        await store.close();
      }
    };
    const adminSignIn = async (url: string, password: string) => httpClient(url)('POST', '/api/v1/auth/token', { body: { email: TEST_ADMIN.email, password } });

    before(() => (dataDir = mkdtempSync(join(tmpdir(), 'ledgerflow-auth-'))));
    after(() => rmSync(dataDir, { recursive: true, force: true }));

    it('keeps the key pair in DATA_DIR/jwt-keys.json (0600) and ensures the admin once', async () => {
      const first = await boot();
      const issued = await adminSignIn(first.url, TEST_ADMIN.password);
      assert.equal(issued.status, 200);
      await first.stop();
      assert.equal(statSync(join(dataDir, 'jwt-keys.json')).mode & 0o777, 0o600);
      const afterFirstBoot = await head();

      const second = await boot();
      try {
        // Same key: a token from the first boot is still good; and the second boot recorded nothing.
        assert.equal((await httpClient(second.url)('GET', '/api/v1/users/me', { token: issued.body.accessToken })).status, 200);
      } finally {
        await second.stop();
      }
      assert.equal(await head(), afterFirstBoot);
    });

    it('resets the admin password when ADMIN_PASSWORD changes, and only then', async () => {
      const before = await head();
      const third = await boot('a-new-admin-password');
      try {
        isProblem(await adminSignIn(third.url, TEST_ADMIN.password), 401);
        assert.equal((await adminSignIn(third.url, 'a-new-admin-password')).status, 200);
      } finally {
        await third.stop();
      }
      assert.equal(await head(), before + 1n);
    });
  });
});

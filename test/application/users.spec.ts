import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { CommandHandler } from '../../src/application/commands/command-handler.js';
import { createEventRegistry } from '../../src/infrastructure/modules/event-catalog.js';
import type { RateLimiter } from '../../src/application/ports/rate-limiter.js';
import { UniqueClaims } from '../../src/application/uniqueness/unique-claims.js';
import { ensureAdmin } from '../../src/application/users/ensure-admin.js';
import { SignIn } from '../../src/application/users/sign-in.js';
import { UsersService } from '../../src/application/users/users-service.js';
import { DomainError } from '../../src/domain/shared/errors.js';
import { ScryptPasswordHasher } from '../../src/infrastructure/auth/scrypt-password-hasher.js';
import { MemoryEventStore } from '../../src/infrastructure/event-store/memory-event-store.js';
import { MemoryReadStore } from '../../src/infrastructure/read-store/memory-read-store.js';
import { createRateLimiterFactory } from '../../src/infrastructure/rate-limit/create-rate-limiter.js';

const admin = { email: 'Admin@Example.com', password: 'admin-password-1' };
const context = { correlationId: 'c-1' };

describe('users use cases', () => {
  let store: MemoryEventStore;
  let users: UsersService;
  let claims: UniqueClaims;
  let clock: Date;
  const hasher = new ScryptPasswordHasher({ N: 1024, r: 8, p: 1 });

  beforeEach(() => {
    store = new MemoryEventStore();
    clock = new Date('2026-01-01T00:00:00.000Z');
    claims = new UniqueClaims(store, () => clock);
    users = new UsersService(new CommandHandler(store, createEventRegistry()), claims, store, new MemoryReadStore(), hasher);
  });
  afterEach(() => store.close());

  describe('register', () => {
    it('keeps only a salted scrypt hash of the password in the user stream', async () => {
      const { user } = await users.register({ email: 'ada@example.com', password: 'correct horse', name: 'Ada' }, context);
      const [registered] = await store.readStream(`user-${user.id}`);
      const data = registered!.data as { passwordHash: string };
      assert.match(data.passwordHash, /^scrypt\$1024\$8\$1\$/);
      assert.ok(!JSON.stringify(registered!.data).includes('correct horse'));
    });

    it('refuses an email another user holds, in any case', async () => {
      await users.register({ email: 'ada@example.com', password: 'correct horse', name: 'Ada' }, context);
      await assert.rejects(users.register({ email: 'ADA@example.com', password: 'another one', name: 'Eve' }, context), (error: unknown) => {
        assert.ok(error instanceof DomainError);
        assert.equal(error.code, 'email_taken');
        return true;
      });
    });

    it('lets a later sign-up take over an email whose registration crashed after the claim', async () => {
      await claims.claim('user_email', 'ada@example.com', randomUUID(), (id) => `user-${id}`, context); // and then the crash
      const soon = users.register({ email: 'ada@example.com', password: 'correct horse', name: 'Ada' }, context);
      await assert.rejects(soon, DomainError);
      clock = new Date(clock.getTime() + 61_000);
      const { user } = await users.register({ email: 'ada@example.com', password: 'correct horse', name: 'Ada' }, context);
      assert.equal((await users.ownerOf('ADA@example.com'))?.user?.userId, user.id);
    });
  });

  describe('ensureAdmin', () => {
    it('registers the admin when missing, then appends nothing on later boots', async () => {
      assert.equal(await ensureAdmin(users, hasher, admin), 'registered');
      const head = await store.headPosition();
      assert.equal(await ensureAdmin(users, hasher, admin), 'ensured');
      assert.equal(await ensureAdmin(users, hasher, { ...admin, email: 'admin@EXAMPLE.com' }), 'ensured');
      assert.equal(await store.headPosition(), head);
      const owner = await users.ownerOf(admin.email);
      assert.deepEqual(owner?.user?.roles, ['customer', 'admin']);
    });

    it('grants the admin role to a customer who registered with the admin email', async () => {
      const { user } = await users.register({ email: 'admin@example.com', password: admin.password, name: 'Early' }, context);
      await ensureAdmin(users, hasher, admin);
      const owner = await users.ownerOf(admin.email);
      assert.equal(owner?.userId, user.id);
      assert.deepEqual(owner?.user?.roles, ['customer', 'admin']);
      assert.equal(owner?.user?.name, 'Early');
    });

    it('resets the password only when the configured one does not verify', async () => {
      await ensureAdmin(users, hasher, admin);
      const before = (await users.ownerOf(admin.email))!.user!.passwordHash;
      await ensureAdmin(users, hasher, admin);
      assert.equal((await users.ownerOf(admin.email))!.user!.passwordHash, before);
      await ensureAdmin(users, hasher, { ...admin, password: 'a-new-password' });
      const after = (await users.ownerOf(admin.email))!.user!.passwordHash;
      assert.notEqual(after, before);
      assert.equal(await hasher.verify('a-new-password', after), true);
    });

    it('completes a claim left without its user, under the claim owner id', async () => {
      const orphan = randomUUID();
      await claims.claim('user_email', 'admin@example.com', orphan, (id) => `user-${id}`, context);
      assert.equal(await ensureAdmin(users, hasher, admin), 'registered');
      assert.equal((await users.ownerOf(admin.email))?.user?.userId, orphan);
    });

    it('ends with one admin when several processes boot at once', async () => {
      await Promise.all([ensureAdmin(users, hasher, admin), ensureAdmin(users, hasher, admin), ensureAdmin(users, hasher, admin)]);
      const registrations = [];
      for await (const event of store.readAll({ filter: { eventTypes: ['UserRegistered'] } })) registrations.push(event);
      assert.equal(registrations.length, 1);
    });
  });

  describe('SignIn', () => {
    const limiter = (points: number): RateLimiter => createRateLimiterFactory({}, () => assert.fail('no Redis'))({ name: randomUUID(), points, durationSeconds: 900 });
    const limits = (perEmailAndAddress: number, perAddress = 100) => ({ perEmailAndAddress: limiter(perEmailAndAddress), perAddress: limiter(perAddress) });
    const here = '192.0.2.1';

    it('answers the user for the right password, and the same refusal for a wrong one or an unknown email', async () => {
      await users.register({ email: 'ada@example.com', password: 'correct horse', name: 'Ada' }, context);
      const signIn = new SignIn(users, hasher, limits(5));
      const ok = await signIn.attempt('ADA@example.com', 'correct horse', here);
      assert.ok(ok.ok && ok.user.name === 'Ada');
      assert.deepEqual(await signIn.attempt('ada@example.com', 'wrong', here), { ok: false, reason: 'invalid_credentials' });
      assert.deepEqual(await signIn.attempt('nobody@example.com', 'wrong', here), { ok: false, reason: 'invalid_credentials' });
    });

    it('stops checking passwords once the failure budget is spent, even under concurrent guesses', async () => {
      await users.register({ email: 'ada@example.com', password: 'correct horse', name: 'Ada' }, context);
      const signIn = new SignIn(users, hasher, limits(3));
      const outcomes = await Promise.all(Array.from({ length: 10 }, () => signIn.attempt('ada@example.com', 'guess', here)));
      assert.equal(outcomes.filter((outcome) => !outcome.ok && outcome.reason === 'invalid_credentials').length, 3);
      const last = await signIn.attempt('ada@example.com', 'correct horse', here);
      assert.ok(!last.ok && last.reason === 'too_many_failures' && last.limit === 'email' && last.retryAfterSeconds > 0);
      assert.ok((await signIn.attempt('ada@example.com', 'correct horse', '192.0.2.2')).ok, 'from another address the owner still signs in');
    });

    it("stops an address once its day's failures are spent, whatever the email, and counts no email's failure for it", async () => {
      await users.register({ email: 'ada@example.com', password: 'correct horse', name: 'Ada' }, context);
      const signIn = new SignIn(users, hasher, limits(2, 3));
      for (const email of ['a@example.com', 'b@example.com', 'c@example.com']) await signIn.attempt(email, 'guess', here);
      const refused = await signIn.attempt('ada@example.com', 'correct horse', here);
      assert.ok(!refused.ok && refused.reason === 'too_many_failures' && refused.limit === 'address');
      assert.ok((await signIn.attempt('ada@example.com', 'correct horse', '192.0.2.2')).ok);
    });
  });
});

import assert from 'node:assert/strict';
import { DEFAULT_COST, type ScryptCost, ScryptPasswordHasher, scryptKey } from '../../src/infrastructure/auth/scrypt-password-hasher.js';

describe('ScryptPasswordHasher', () => {
  const hasher = new ScryptPasswordHasher();

  it('encodes scrypt$N$r$p$salt$hash with at least N=16384, r=8, p=1', async () => {
    const encoded = await hasher.hash('correct horse');
    const [scheme, N, r, p, salt, hash] = encoded.split('$');
    assert.equal(scheme, 'scrypt');
    assert.deepEqual([Number(N), Number(r), Number(p)], [16_384, 8, 1]);
    assert.equal(Buffer.from(salt!, 'base64url').length, 16);
    assert.equal(Buffer.from(hash!, 'base64url').length, 32);
    assert.ok(!encoded.includes('correct horse'));
  });

  it('salts every hash: the same password twice gives two hashes, both of which verify', async () => {
    const [first, second] = await Promise.all([hasher.hash('correct horse'), hasher.hash('correct horse')]);
    assert.notEqual(first, second);
    assert.equal(await hasher.verify('correct horse', first), true);
    assert.equal(await hasher.verify('correct horse', second), true);
  });

  it('refuses a wrong password, including one that differs only in case or by a trailing blank', async () => {
    const encoded = await hasher.hash('correct horse');
    for (const wrong of ['Correct horse', 'correct horse ', '', 'correct hors']) assert.equal(await hasher.verify(wrong, encoded), false);
  });

  it('verifies the same text in another Unicode normal form', async () => {
    const encoded = await hasher.hash('caf\u00e9-p\u00e4ss');
    assert.equal(await hasher.verify('cafe\u0301-pa\u0308ss', encoded), true);
  });

  it('keeps verifying hashes written with another cost', async () => {
    const cheap = new ScryptPasswordHasher({ N: 1024, r: 8, p: 1 });
    assert.equal(await hasher.verify('old password', await cheap.hash('old password')), true);
  });

  it('answers false, never throws, for a malformed hash or one asking for an absurd cost', async () => {
    const encoded = await hasher.hash('pw');
    const [, , , , salt, hash] = encoded.split('$');
    for (const bad of ['', 'plain', 'bcrypt$2b$10$abc', encoded.slice(0, -5), `scrypt$1048577$8$1$${salt}$${hash}`, `scrypt$4194304$8$1$${salt}$${hash}`, `scrypt$16384$999$1$${salt}$${hash}`])
      assert.equal(await hasher.verify('pw', bad), false, bad);
  });

  it('refuses to be built with a cost it could not read back', () => {
    assert.throws(() => new ScryptPasswordHasher({ ...DEFAULT_COST, N: 1000 }));
  });

  it('spends on verifyNothing the work of a real verify: one scrypt of the same cost and key length (unknown emails leak no timing)', async () => {
    // Not timed (two samples on a shared machine are noise): scrypt's work is set by its cost and key length, so the
    // calls verifyNothing makes are compared with those a real verify makes.
    const calls: { cost: ScryptCost; keyLength: number; saltBytes: number }[] = [];
    const recorded = new ScryptPasswordHasher(DEFAULT_COST, (password, salt, keyLength, cost) => {
      calls.push({ cost: { ...cost }, keyLength, saltBytes: salt.length });
      return scryptKey(password, salt, keyLength, cost);
    });
    const encoded = await recorded.hash('pw');
    calls.length = 0;
    assert.equal(await recorded.verify('wrong', encoded), false);
    const real = calls.splice(0);
    assert.deepEqual(real, [{ cost: DEFAULT_COST, keyLength: 32, saltBytes: 16 }]);
    assert.equal(await recorded.verifyNothing('wrong'), false);
    assert.equal(await recorded.verifyNothing('pw'), false);
    assert.deepEqual(calls, [real[0], real[0]], 'each verifyNothing derives once, as a real verify does');
  });
});

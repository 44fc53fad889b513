import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { PasswordHasher } from '../../application/ports/password-hasher.js';

export interface ScryptCost {
  /** CPU/memory cost, a power of two. */
  N: number;
  r: number;
  p: number;
}

/** The OWASP minimum for scrypt: about 16 MiB and a few tens of milliseconds per hash. */
export const DEFAULT_COST: ScryptCost = { N: 16_384, r: 8, p: 1 };

const SALT_BYTES = 16;
const KEY_BYTES = 32;
const ENCODED = /^scrypt\$(\d{1,8})\$(\d{1,3})\$(\d{1,3})\$([A-Za-z0-9_-]{16,128})\$([A-Za-z0-9_-]{16,256})$/;

/** Derives a key with scrypt. Its work depends only on the cost and the key length (and barely on the password). */
export type DeriveKey = (password: string, salt: Buffer, keyLength: number, cost: ScryptCost) => Promise<Buffer>;

/** scrypt from node:crypto. */
export const scryptKey: DeriveKey = (password, salt, keyLength, { N, r, p }) =>
  new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, keyLength, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );

/** Costs a stored hash may ask for: enough to read anything we ever wrote, bounded so a forged hash cannot exhaust memory. */
const acceptable = ({ N, r, p }: ScryptCost): boolean =>
  N >= 1024 && N <= 2 ** 20 && (N & (N - 1)) === 0 && r >= 1 && r <= 32 && p >= 1 && p <= 16;

/**
 * scrypt from node:crypto, encoded `scrypt$N$r$p$<salt>$<hash>` (base64url), with a random salt per hash.
 * Hashes written with an older cost keep verifying after the default is raised.
 */
export class ScryptPasswordHasher implements PasswordHasher {
  private readonly dummy: string;

  /** `derive` is scrypt; a spec may pass one that records what each call asked of it. */
  constructor(
    private readonly cost: ScryptCost = DEFAULT_COST,
    private readonly derive: DeriveKey = scryptKey,
  ) {
    if (!acceptable(cost)) throw new Error(`unsupported scrypt cost ${JSON.stringify(cost)}`);
    // A well-formed hash of nothing: verifying against it costs what a real verify costs and never succeeds.
    this.dummy = this.encode(randomBytes(SALT_BYTES), randomBytes(KEY_BYTES));
  }

  async hash(password: string): Promise<string> {
    const salt = randomBytes(SALT_BYTES);
    return this.encode(salt, await this.derive(password, salt, KEY_BYTES, this.cost));
  }

  async verify(password: string, encoded: string): Promise<boolean> {
    const match = ENCODED.exec(encoded);
    if (!match) return false;
    const cost = { N: Number(match[1]), r: Number(match[2]), p: Number(match[3]) };
    if (!acceptable(cost)) return false;
    const salt = Buffer.from(match[4]!, 'base64url');
    const expected = Buffer.from(match[5]!, 'base64url');
    // A shorter scrypt output is a prefix of a longer one: a truncated hash must not verify.
    if (salt.length < SALT_BYTES || expected.length < KEY_BYTES) return false;
    const actual = await this.derive(password, salt, expected.length, cost);
    return timingSafeEqual(actual, expected);
  }

  async verifyNothing(password: string): Promise<false> {
    await this.verify(password, this.dummy);
    return false;
  }

  private encode(salt: Buffer, key: Buffer): string {
    const { N, r, p } = this.cost;
    return `scrypt$${N}$${r}$${p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
  }
}

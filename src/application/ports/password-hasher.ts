/** One-way password hashing. The encoded hash carries its own salt and cost, so it verifies on its own. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** Constant-time comparison; a malformed hash verifies nothing (false), it never throws. */
  verify(password: string, encoded: string): Promise<boolean>;
  /** Spends as long as a `verify` and answers false: a sign-in with an unknown email must take as long as one with a known email. */
  verifyNothing(password: string): Promise<false>;
}

import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import type { AccessTokenVerifier } from '../http/middleware/auth.js';
import { type Principal, Role } from '../http/request-context.js';
import { ALG, type KeySource, loadSigningKey, type SigningKey } from './signing-keys.js';

export interface AccessTokenOptions {
  keys: KeySource;
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

export interface IssuedToken {
  token: string;
  expiresIn: number;
}

const Claims = z.object({ sub: z.string().min(1), roles: z.array(Role) });

const SERVICE_TOKEN_TTL_SECONDS = 60;
/** A cached service token is renewed this long before it expires, so it never expires in flight. */
const SERVICE_TOKEN_MARGIN_MS = 15_000;
const CLOCK_TOLERANCE_SECONDS = 5;
/** Verified tokens remembered (least recently used go first): an ES256 verification costs more than the rest of a request. */
const VERIFIED_TOKENS_CACHED = 10_000;

/** A verified token's principal, and the window (epoch seconds) in which jose would accept the token again. */
interface VerifiedToken {
  principal: Principal;
  /** jose refuses a token once `nbf > now + tolerance`: accepted from `nbf - tolerance` on. */
  acceptedFrom: number;
  /** ...and once `exp <= now - tolerance`: accepted while `now < exp + tolerance`. */
  acceptedUntil: number;
}

const epochSeconds = () => Math.floor(Date.now() / 1000);

/**
 * ES256 access tokens: issued at sign-in (and to the platform's own services), verified on every request.
 * Verification pins the algorithm, issuer and audience and requires exp, so `alg: none`, an HMAC token (whatever
 * its secret) or a token from another issuer is refused before its claims are read.
 */
export class JwtAccessTokens implements AccessTokenVerifier {
  private key: Promise<SigningKey> | undefined;
  private keySet: ReturnType<typeof createLocalJWKSet> | undefined;
  private readonly serviceTokens = new Map<string, { token: string; renewAt: number }>();
  private readonly verified = new Map<string, VerifiedToken>();

  constructor(private readonly options: AccessTokenOptions) {}

  /** Loads (or makes) the key pair once; called at boot so a bad key fails the start, not the first request. */
  ready(): Promise<SigningKey> {
    return (this.key ??= loadSigningKey(this.options.keys));
  }

  async jwks(): Promise<JSONWebKeySet> {
    return { keys: [(await this.ready()).publicJwk] };
  }

  async issue(subject: string, roles: readonly Role[], ttlSeconds = this.options.ttlSeconds): Promise<IssuedToken> {
    const { kid, privateKey } = await this.ready();
    const issuedAt = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ roles: [...roles] })
      .setProtectedHeader({ alg: ALG, kid, typ: 'JWT' })
      .setSubject(subject)
      .setIssuer(this.options.issuer)
      .setAudience(this.options.audience)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + ttlSeconds)
      .setJti(randomUUID())
      .sign(privateKey);
    return { token, expiresIn: ttlSeconds };
  }

  /** A short-lived token with the `service` role, for the platform's own calls between contexts (cached). */
  async serviceToken(service: string): Promise<string> {
    const cached = this.serviceTokens.get(service);
    if (cached && cached.renewAt > Date.now()) return cached.token;
    const { token } = await this.issue(`service:${service}`, ['service'], SERVICE_TOKEN_TTL_SECONDS);
    this.serviceTokens.set(service, { token, renewAt: Date.now() + SERVICE_TOKEN_TTL_SECONDS * 1000 - SERVICE_TOKEN_MARGIN_MS });
    return token;
  }

  /**
   * The key set, issuer and audience never change in a process, so a token that verified once verifies again for
   * as long as its time claims allow: it is remembered for exactly that window, and only signature checks are saved.
   */
  async verify(token: string): Promise<Principal> {
    const known = this.verified.get(token);
    if (known) {
      this.verified.delete(token);
      const now = epochSeconds();
      if (now >= known.acceptedFrom && now < known.acceptedUntil) {
        this.verified.set(token, known);
        return { userId: known.principal.userId, roles: [...known.principal.roles] };
      }
    }
    this.keySet ??= createLocalJWKSet(await this.jwks());
    const { payload } = await jwtVerify(token, this.keySet, {
      algorithms: [ALG],
      issuer: this.options.issuer,
      audience: this.options.audience,
      requiredClaims: ['exp', 'iat', 'sub'],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    });
    const claims = Claims.parse(payload);
    const principal: Principal = { userId: claims.sub, roles: claims.roles };
    this.verified.set(token, {
      principal: { userId: principal.userId, roles: [...principal.roles] },
      acceptedFrom: payload.nbf === undefined ? Number.NEGATIVE_INFINITY : payload.nbf - CLOCK_TOLERANCE_SECONDS,
      acceptedUntil: payload.exp! + CLOCK_TOLERANCE_SECONDS,
    });
    if (this.verified.size > VERIFIED_TOKENS_CACHED) this.verified.delete(this.verified.keys().next().value!);
    return principal;
  }
}

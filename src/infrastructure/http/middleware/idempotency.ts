import { createHash, scryptSync } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { IdempotencyStore, StoredResponse } from '../../../application/ports/idempotency-store.js';
import { badRequest, idempotencyKeyReused, Problem } from '../problem.js';
import { clientAddress } from './rate-limit.js';

const RETENTION_MS = 24 * 60 * 60 * 1000;
const LEASE_MS = 30_000;
const WAIT_MS = 10_000;
const REPLAYED_HEADERS = ['content-type', 'location', 'etag', 'x-position'];
/** Answers that say nothing about the request itself; a retry must be allowed to get another. */
const NOT_REMEMBERED = new Set([401, 408, 429]);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Canonical JSON: the same body with its keys in another order is the same request. */
const canonical = (value: unknown): string =>
  Array.isArray(value)
    ? `[${value.map(canonical).join(',')}]`
    : value !== null && typeof value === 'object'
      ? `{${Object.keys(value)
          .sort()
          .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
          .join(',')}}`
      : JSON.stringify(value) ?? 'null';

/**
 * What identifies a request body. A password never goes into a fast hash: it is folded in through scrypt,
 * salted with the (scoped) key, so the stored fingerprint cannot be brute-forced back into the password.
 */
const fingerprintOf = (body: unknown, salt: string): string => {
  const hash = createHash('sha256');
  if (body !== null && typeof body === 'object' && 'password' in body) {
    const { password, ...rest } = body as Record<string, unknown>;
    hash.update(canonical(rest)).update(scryptSync(String(password), salt, 32));
  } else hash.update(canonical(body));
  return hash.digest('base64url');
};

const replay = (res: Response, stored: StoredResponse): void => {
  for (const [name, value] of Object.entries(stored.headers)) res.setHeader(name, value);
  res.setHeader('Idempotent-Replayed', 'true');
  res.status(stored.status).send(stored.body);
};

/** Captures what the handler sends, whatever helper it uses (json, send, the error handler). */
const captureResponse = (res: Response, onSent: (response: StoredResponse) => void): void => {
  const send = res.send.bind(res);
  res.send = (body?: unknown) => {
    if (typeof body === 'string' || Buffer.isBuffer(body)) {
      const headers: Record<string, string> = {};
      for (const name of REPLAYED_HEADERS) {
        const value = res.getHeader(name);
        if (value !== undefined) headers[name] = String(value);
      }
      onSent({ status: res.statusCode, headers, body: Buffer.isBuffer(body) ? body.toString('utf8') : body });
    }
    return send(body);
  };
};

/**
 * `Idempotency-Key` on a POST: the same key with the same body replays the first answer (even when the repeats
 * arrive in parallel: they wait for the first), the same key with another body is 422. Keys are scoped to the caller
 * (the signed-in user, else the client address) and the URL, and their answers kept 24 h; a request that goes on to
 * its command carries its key into it (see RequestIdentity). It is mounted by each POST route after
 * the route's guards (see RouteTable's beforePost), never on one whose answer is a secret (an access token).
 */
export const idempotency = (store: IdempotencyStore): RequestHandler => {
  const remembered = rememberedPost(store);
  return (req, res, next) => {
    const key = req.headers['idempotency-key'];
    if (req.method !== 'POST' || key === undefined) return next();
    return remembered(req, res, next, Array.isArray(key) ? key.join(', ') : key);
  };
};

/** Whose keys these are: a signed-in user's, or those of whoever calls from this address. */
const callerOf = (req: Request): string => (req.principal ? `user:${req.principal.userId}` : `address:${clientAddress(req)}`);

/** A POST with an Idempotency-Key: claimed, then answered by the route or from what the first one answered. */
const rememberedPost =
  (store: IdempotencyStore) =>
  async (req: Request, res: Response, next: NextFunction, key: string): Promise<void> => {
    if (key.length < 1 || key.length > 200)
      return next(badRequest('Idempotency-Key must be 1 to 200 characters', [{ path: 'Idempotency-Key', message: 'length 1..200' }]));
    const scopedKey = createHash('sha256')
      .update(`${callerOf(req)}\u0000${req.originalUrl}\u0000${key}`)
      .digest('base64url');
    const fingerprint = fingerprintOf(req.body, scopedKey);

    const deadline = Date.now() + WAIT_MS;
    for (let pause = 20; ; pause = Math.min(pause * 2, 250)) {
      const current = await store.claim(scopedKey, fingerprint, LEASE_MS);
      if (current.state !== 'claimed' && current.fingerprint !== fingerprint)
        return next(idempotencyKeyReused());
      if (current.state === 'completed') return replay(res, current.response);
      if (current.state === 'claimed') break;
      if (Date.now() > deadline)
        return next(new Problem(409, 'Request in progress', 'a request with this Idempotency-Key is still being handled', undefined, { 'Retry-After': '1' }));
      await sleep(pause);
    }

    let settled = false;
    captureResponse(res, (response) => {
      settled = true;
      const remember = response.status < 500 && !NOT_REMEMBERED.has(response.status);
      void (remember ? store.complete(scopedKey, fingerprint, response, RETENTION_MS) : store.release(scopedKey, fingerprint)).catch(
        () => undefined,
      );
    });
    res.on('close', () => {
      if (!settled) void store.release(scopedKey, fingerprint).catch(() => undefined);
    });
    // This store only saves work: the command path records the key with the events it appends, so that a repeat
    // this store has no answer for (lost with Redis, or never stored by a process killed meanwhile) finds them.
    req.idempotency = { key: scopedKey, fingerprint, onReplay: () => res.setHeader('Idempotent-Replayed', 'true') };
    next();
  };

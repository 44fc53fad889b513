import {
  BrokenCircuitError,
  circuitBreaker,
  ConsecutiveBreaker,
  ExponentialBackoff,
  handleAll,
  handleWhen,
  type IPolicy,
  retry,
  timeout,
  TimeoutStrategy,
  wrap,
} from 'cockatiel';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { UserDirectory, UserSummary } from '../../application/ports/user-directory.js';
import { TtlCache } from './ttl-cache.js';

export interface HttpUserDirectoryOptions {
  /** The users API's base URL; undefined while it is not known yet (the platform is not listening). */
  baseUrl: () => string | undefined;
  /** A bearer token the users API accepts for reading any user (the `service` role). */
  token: () => Promise<string>;
  logger?: Logger;
  timeoutMs?: number;
  retries?: number;
  cacheTtlMs?: number;
  cacheSize?: number;
  /** Consecutive failures that open the circuit, and how long it stays open before a trial call. */
  breakAfter?: number;
  halfOpenAfterMs?: number;
}

class UnexpectedStatusError extends Error {
  constructor(readonly status: number) {
    super(`the users API answered ${status}`);
  }
}

/** A 4xx other than 429 will not change on a retry. */
const isClientError = (error: Error) => error instanceof UnexpectedStatusError && error.status < 500 && error.status !== 429;

const UserAnswer = z.object({ id: z.string(), name: z.string() });

/**
 * `GET /api/v1/users/:id` on the users API, for enrichment. Each call has a timeout, is retried with jittered
 * exponential backoff and passes a circuit breaker; answers are cached for a short while, and concurrent lookups
 * of one user share one call. Whatever goes wrong, the answer is null: callers degrade, they never fail.
 */
export class HttpUserDirectory implements UserDirectory {
  private readonly cache: TtlCache<UserSummary>;
  private readonly inFlight = new Map<string, Promise<UserSummary | null>>();
  private readonly policy: IPolicy;

  constructor(private readonly options: HttpUserDirectoryOptions) {
    this.cache = new TtlCache(options.cacheTtlMs ?? 60_000, options.cacheSize ?? 1_000);
    const breaker = circuitBreaker(handleAll, {
      halfOpenAfter: options.halfOpenAfterMs ?? 10_000,
      breaker: new ConsecutiveBreaker(options.breakAfter ?? 5),
    });
    breaker.onBreak(() => options.logger?.warn('users API circuit opened: enrichment degrades to null'));
    breaker.onReset(() => options.logger?.info('users API circuit closed'));
    this.policy = wrap(
      retry(
        handleWhen((error) => !(error instanceof BrokenCircuitError) && !isClientError(error)),
        { maxAttempts: options.retries ?? 2, backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 500 }) },
      ),
      breaker,
      timeout(options.timeoutMs ?? 1_000, TimeoutStrategy.Aggressive),
    );
  }

  async find(userId: string): Promise<UserSummary | null> {
    const cached = this.cache.get(userId);
    if (cached) return cached;
    let pending = this.inFlight.get(userId);
    if (!pending) {
      pending = this.fetchUser(userId).finally(() => this.inFlight.delete(userId));
      this.inFlight.set(userId, pending);
    }
    return pending;
  }

  private async fetchUser(userId: string): Promise<UserSummary | null> {
    const baseUrl = this.options.baseUrl();
    if (baseUrl === undefined) return null;
    const url = `${baseUrl.replace(/\/+$/, '')}/api/v1/users/${encodeURIComponent(userId)}`;
    try {
      const user = await this.policy.execute(async ({ signal }) => {
        const response = await fetch(url, { signal, headers: { Authorization: `Bearer ${await this.options.token()}`, Accept: 'application/json' } });
        // Unknown (or not yet projected) is an answer, not a failure: it neither opens the circuit nor gets cached.
        if (response.status === 404 || !response.ok) await response.body?.cancel();
        if (response.status === 404) return null;
        if (!response.ok) throw new UnexpectedStatusError(response.status);
        return UserAnswer.parse(await response.json());
      });
      if (user) this.cache.set(userId, { id: user.id, name: user.name });
      return user && { id: user.id, name: user.name };
    } catch (error) {
      this.options.logger?.warn({ userId, error: error instanceof Error ? error.message : String(error) }, 'user lookup failed');
      return null;
    }
  }
}

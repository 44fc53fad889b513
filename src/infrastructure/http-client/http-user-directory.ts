import type { Logger } from 'pino';
import { z } from 'zod';
import type { UserDirectory, UserSummary } from '../../application/ports/user-directory.js';
import { type CircuitInfo, ResilientHttpClient } from './resilient-http-client.js';
import { TtlCache } from './ttl-cache.js';
import { childTraceparent } from '../../application/tracing/trace-context.js';

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

const UserAnswer = z.object({ id: z.string(), name: z.string() });

/**
 * `GET /api/v1/users/:id` on the users API, for enrichment. Each call has a timeout, is retried with jittered
 * exponential backoff and passes a circuit breaker; answers are cached for a short while, and concurrent lookups
 * of one user share one call. Whatever goes wrong, the answer is null: callers degrade, they never fail.
 */
export class HttpUserDirectory implements UserDirectory {
  private readonly cache: TtlCache<UserSummary>;
  private readonly inFlight = new Map<string, Promise<UserSummary | null>>();
  private readonly http: ResilientHttpClient;

  constructor(private readonly options: HttpUserDirectoryOptions) {
    this.cache = new TtlCache(options.cacheTtlMs ?? 60_000, options.cacheSize ?? 1_000);
    const { timeoutMs, retries, breakAfter, halfOpenAfterMs, logger } = options;
    this.http = new ResilientHttpClient({ name: 'users API', timeoutMs, retries, breakAfter, halfOpenAfterMs, logger });
  }

  /** Its circuit breaker as it stands (metrics). */
  get circuit(): CircuitInfo {
    return this.http.circuit;
  }

  async find(userId: string, traceparent?: string): Promise<UserSummary | null> {
    const cached = this.cache.get(userId);
    if (cached) return cached;
    let pending = this.inFlight.get(userId);
    if (!pending) {
      pending = this.fetchUser(userId, traceparent).finally(() => this.inFlight.delete(userId));
      this.inFlight.set(userId, pending);
    }
    return pending;
  }

  private async fetchUser(userId: string, traceparent: string | undefined): Promise<UserSummary | null> {
    const baseUrl = this.options.baseUrl();
    if (baseUrl === undefined) return null;
    const url = `${baseUrl.replace(/\/+$/, '')}/api/v1/users/${encodeURIComponent(userId)}`;
    try {
      const headers = { Authorization: `Bearer ${await this.options.token()}`, Accept: 'application/json', traceparent: childTraceparent(traceparent) };
      const answer = await this.http.request(url, { headers });
      // Unknown (or not yet projected) is an answer, not a failure: it is not cached.
      if (answer.status === 404) return null;
      if (answer.status !== 200) throw new Error(`the users API answered ${answer.status}`);
      const user = UserAnswer.parse(answer.json());
      const summary = { id: user.id, name: user.name };
      this.cache.set(userId, summary);
      return summary;
    } catch (error) {
      this.options.logger?.warn({ userId, error: error instanceof Error ? error.message : String(error) }, 'user lookup failed');
      return null;
    }
  }
}

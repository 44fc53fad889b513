export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** A fixed window of points per key (an email, a client address); adapters keep the counters in memory or Redis. */
export interface RateLimiter {
  /** Takes a point for `key`; refused, with the seconds until the window ends, once the window's points are spent. */
  consume(key: string): Promise<RateLimitDecision>;
  /** Gives back a point taken by `consume`, e.g. for an attempt that turned out not to count. */
  refund(key: string): Promise<void>;
}

export interface RateLimitSpec {
  /** Names the counters (a key prefix): two limiters with the same name share them. */
  name: string;
  points: number;
  durationSeconds: number;
}

export type RateLimiterFactory = (spec: RateLimitSpec) => RateLimiter;

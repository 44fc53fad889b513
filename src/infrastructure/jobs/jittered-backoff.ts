/** What both job queue adapters do when a job's options leave attempts or backoff out. */
export const defaultRetry = { attempts: 5, backoff: { initialDelayMs: 100, maxDelayMs: 10_000 } } as const;

export interface Backoff {
  initialDelayMs: number;
  maxDelayMs?: number;
}

/**
 * The wait after the given failed attempt (1 for the first): exponential, capped, with "equal jitter" —
 * half of the capped delay for sure, the other half at random. Unlike full jitter (anywhere from 0), the
 * delays still grow from one attempt to the next, so a retry storm spreads out without ever coming back
 * faster than half the planned delay.
 */
export const jitteredBackoffMs = (failedAttempt: number, backoff: Backoff, random: () => number = Math.random): number => {
  const maxDelayMs = backoff.maxDelayMs ?? defaultRetry.backoff.maxDelayMs;
  const cappedMs = Math.min(maxDelayMs, backoff.initialDelayMs * 2 ** Math.max(0, failedAttempt - 1));
  return Math.round(cappedMs / 2 + random() * (cappedMs / 2));
};

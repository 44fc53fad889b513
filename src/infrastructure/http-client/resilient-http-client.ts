import {
  BrokenCircuitError,
  circuitBreaker,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  SamplingBreaker,
  ExponentialBackoff,
  handleAll,
  handleWhen,
  IsolatedCircuitError,
  type IPolicy,
  retry,
  TaskCancelledError,
  timeout,
  TimeoutStrategy,
  wrap,
} from 'cockatiel';
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
import { request } from 'undici';

export interface ResilientHttpClientOptions {
  /** What the remote is called in logs and errors, e.g. `users API`. */
  name: string;
  /** Per attempt, reading the body included. */
  timeoutMs?: number;
  /** Attempts after the first one. */
  retries?: number;
  /** Consecutive failed attempts that open the circuit, and how long it stays open before a trial call. */
  breakAfter?: number;
  /**
   * Open the circuit on a share of failed attempts instead (at least `minimumRps` attempts a second over `windowMs`):
   * for a remote where one request hanging or failing says little about the others.
   */
  breakOnRatio?: { ratio: number; windowMs: number; minimumRps: number };
  halfOpenAfterMs?: number;
  /**
   * Whether an attempt that timed out counts against the circuit (default true). False for a remote where one
   * request may hang for reasons of its own (a payment a card holds up): only refused connections and 5xx or 429
   * answers then say the remote is down, and a timed-out trial call closes the circuit again.
   */
  breakOnTimeouts?: boolean;
  /** The backoff between attempts: exponential with decorrelated jitter (cockatiel's default generator). */
  backoff?: { initialDelayMs: number; maxDelayMs: number };
  logger?: Logger;
}

export interface RequestOptions {
  /** Which statuses are a failed attempt (retried, counted by the circuit breaker); default 5xx and 429. */
  retryOn?: (status: number) => boolean;
}

/** What a call sends: GET with no body unless said otherwise. */
export interface HttpRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  headers?: Readonly<Record<string, string>>;
  body?: string;
}

/** A response read to its end within the timeout; nothing in it is left to consume or cancel. */
export interface HttpAnswer {
  status: number;
  /** Names in lower case. */
  headers: IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON; throws a SyntaxError when it is not. */
  json(): unknown;
}

export type UnavailableReason = 'timeout' | 'status' | 'network' | 'circuit_open';

/** `closed`: calls pass; `open`: they fail fast; `half_open`: one trial call decides; `isolated`: held open by hand. */
export type CircuitBreakerState = 'closed' | 'open' | 'half_open' | 'isolated';

/** A remote's circuit breaker as it stands (metrics). */
export interface CircuitInfo {
  remote: string;
  state: CircuitBreakerState;
}

const CIRCUIT_STATES: Readonly<Record<CircuitState, CircuitBreakerState>> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half_open',
  [CircuitState.Isolated]: 'isolated',
};

/** The remote gave no usable answer: every attempt timed out, failed or answered a retryable status, or the circuit is open. */
export class RemoteUnavailableError extends Error {
  override readonly name = 'RemoteUnavailableError';

  constructor(
    message: string,
    readonly reason: UnavailableReason,
    /** The last status answered, when `reason` is `status`. */
    readonly status?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** An attempt answered a status that `retryOn` says may pass. */
class RetryableStatusError extends Error {
  constructor(readonly status: number) {
    super(`answered ${status}`);
  }
}

export const isTransientStatus = (status: number) => status >= 500 || status === 429;

const isOpenCircuit = (error: Error) => error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError;

/**
 * undici's `request` (kept-alive connections; a third of `fetch`'s CPU per call, which builds WHATWG streams and
 * headers for every response) behind one cockatiel policy per remote: each attempt has a timeout, failed attempts (timeouts, network
 * errors, retryable statuses) are retried with jittered exponential backoff, and a circuit breaker stops calling a
 * remote that keeps failing. Any other status is an answer, not a failure: it is returned, never retried, and
 * it does not count against the breaker.
 */
export class ResilientHttpClient {
  private readonly policy: IPolicy;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly timeoutMs: number;

  constructor(private readonly options: ResilientHttpClientOptions) {
    const { name, logger } = options;
    this.timeoutMs = options.timeoutMs ?? 1_000;
    const counted = options.breakOnTimeouts === false ? handleWhen((error) => !(error instanceof TaskCancelledError)) : handleAll;
    const breaker = circuitBreaker(counted, {
      halfOpenAfter: options.halfOpenAfterMs ?? 10_000,
      breaker: options.breakOnRatio
        ? new SamplingBreaker({ threshold: options.breakOnRatio.ratio, duration: options.breakOnRatio.windowMs, minimumRps: options.breakOnRatio.minimumRps })
        : new ConsecutiveBreaker(options.breakAfter ?? 5),
    });
    breaker.onBreak(() => logger?.warn({ remote: name }, `${name} circuit opened: calls fail fast until a trial call succeeds`));
    breaker.onReset(() => logger?.info({ remote: name }, `${name} circuit closed`));
    this.breaker = breaker;
    const backoff = options.backoff ?? { initialDelayMs: 50, maxDelayMs: 500 };
    this.policy = wrap(
      retry(handleWhen((error) => !isOpenCircuit(error)), {
        maxAttempts: options.retries ?? 2,
        backoff: new ExponentialBackoff({ initialDelay: backoff.initialDelayMs, maxDelay: backoff.maxDelayMs }),
      }),
      breaker,
      // Aggressive: the attempt is given up at once, and its signal aborts the fetch and the body being read. Not
      // aborted once the attempt returns: it returns with the body read to its end, or after its timeout aborted it
      // (an abort makes a DOMException, stack and all, and runs undici's listeners, on every call).
      timeout(this.timeoutMs, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false }),
    );
  }

  /** The circuit breaker's state now. */
  get circuit(): CircuitInfo {
    return { remote: this.options.name, state: CIRCUIT_STATES[this.breaker.state] };
  }

  /** Throws RemoteUnavailableError when no attempt gave an answer. */
  async request(url: string, init: HttpRequest = {}, { retryOn = isTransientStatus }: RequestOptions = {}): Promise<HttpAnswer> {
    try {
      // A signal of its own for each call: cockatiel's default is one signal shared by every call, which each call in
      // flight listens to (Node warns past ten).
      return await this.policy.execute(async ({ signal }) => {
        const response = await request(url, { method: init.method ?? 'GET', headers: init.headers, body: init.body, signal });
        if (retryOn(response.statusCode)) {
          await response.body.dump();
          throw new RetryableStatusError(response.statusCode);
        }
        const text = await response.body.text();
        return { status: response.statusCode, headers: response.headers, text, json: () => JSON.parse(text) as unknown };
      }, new AbortController().signal);
    } catch (error) {
      throw this.unavailable(error);
    }
  }

  private unavailable(error: unknown): RemoteUnavailableError {
    const { name } = this.options;
    if (error instanceof RetryableStatusError) return new RemoteUnavailableError(`${name} ${error.message}`, 'status', error.status, { cause: error });
    if (error instanceof TaskCancelledError)
      return new RemoteUnavailableError(`${name} did not answer within ${this.timeoutMs} ms`, 'timeout', undefined, { cause: error });
    if (error instanceof Error && isOpenCircuit(error))
      return new RemoteUnavailableError(`${name} circuit is open`, 'circuit_open', undefined, { cause: error });
    const detail = error instanceof Error ? describeNetworkError(error) : String(error);
    return new RemoteUnavailableError(`${name} unreachable: ${detail}`, 'network', undefined, { cause: error });
  }
}

/** The system's code (ECONNREFUSED, ...) beside the message, when the message does not say it. */
const describeNetworkError = (error: Error): string => {
  const code = 'code' in error ? String(error.code) : undefined;
  return code === undefined || error.message.includes(code) ? error.message : `${error.message} (${code})`;
};

/**
 * The soak's HTTP client, as docs/http-api.md asks a client to behave: a command that got no answer (the server was
 * just killed), a 5xx, a 429 or a 409 "request in progress" is sent again with the same Idempotency-Key, until it gets
 * an answer that says what became of it; a query is simply asked again.
 */
import { randomUUID } from 'node:crypto';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface Answer {
  status: number;
  body: any;
  headers: Headers;
  /** Times it was sent. */
  attempts: number;
  /** What each attempt got, with the time it was sent (seconds since the client was made): `12.3 s: 503`, `14.0 s: no answer`. */
  history: string[];
}

export class NoAnswerError extends Error {}

export interface ClientCounters {
  /** Every HTTP request sent, retries included. */
  requests: number;
  /** Requests that got no answer (connection refused or dropped: the server was down). */
  unanswered: number;
  /** Commands sent again with their Idempotency-Key, for any reason. */
  retried: number;
  /** Answers taken as "try again", by status. */
  retryStatuses: Record<string, number>;
  /** Answers that were replays of a first answer (Idempotent-Replayed: true). */
  replayed: number;
}

export class SoakClient {
  readonly counters: ClientCounters = { requests: 0, unanswered: 0, retried: 0, retryStatuses: {}, replayed: 0 };
  /** Set once the load stops: commands still retrying give up after the grace period instead of retrying forever. */
  deadline = Number.POSITIVE_INFINITY;

  /** When the client was made: the times in every history and in the soak's fault log are counted from it. */
  readonly born = Date.now();

  constructor(readonly url: string) {}

  private now(): string {
    return `${((Date.now() - this.born) / 1000).toFixed(1)} s`;
  }

  private async once(method: string, path: string, headers: Record<string, string>, body: unknown): Promise<Response | undefined> {
    this.counters.requests++;
    try {
      return await fetch(`${this.url}${path}`, {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
    } catch {
      this.counters.unanswered++;
      return undefined;
    }
  }

  /**
   * A command under its own Idempotency-Key, sent until it is answered for good. The session's token is asked for on
   * every attempt (a 401 makes it sign in again, and the command is sent again).
   */
  async command(method: string, path: string, options: { session?: Session; body?: unknown; key?: string } = {}): Promise<Answer> {
    const key = options.key ?? randomUUID();
    const history: string[] = [];
    for (let attempt = 1, pause = 100; ; attempt++, pause = Math.min(pause * 2, 2000)) {
      const headers: Record<string, string> = { 'idempotency-key': key };
      if (options.session) headers.authorization = `Bearer ${await options.session.token()}`;
      const sentAt = this.now();
      const response = await this.once(method, path, headers, options.body ?? {});
      const text = await response?.text().catch(() => undefined);
      history.push(`${sentAt}: ${text === undefined ? 'no answer' : response!.status}`);
      if (response !== undefined) {
        if (text !== undefined) {
          const body = text === '' ? undefined : JSON.parse(text);
          const again = response.status >= 500 || response.status === 429 || (response.status === 409 && body?.title === 'Request in progress');
          if (response.status === 401 && options.session) options.session.forget();
          if (!again && !(response.status === 401 && options.session)) {
            if (response.headers.get('idempotent-replayed') === 'true') this.counters.replayed++;
            return { status: response.status, body, headers: response.headers, attempts: attempt, history };
          }
          this.counters.retryStatuses[response.status] = (this.counters.retryStatuses[response.status] ?? 0) + 1;
          const retryAfter = Number(response.headers.get('retry-after'));
          if (Number.isFinite(retryAfter) && retryAfter > 0) pause = Math.max(pause, retryAfter * 1000);
        }
      }
      if (Date.now() > this.deadline) throw new NoAnswerError(`${method} ${path} (Idempotency-Key ${key}): no final answer after ${attempt} attempts (${history.join(', ')})`);
      this.counters.retried++;
      await sleep(pause * (0.5 + Math.random()));
    }
  }

  /** A GET, asked again while the server is down or answers 5xx (or 401, signed in again, for a session). */
  async query(path: string, session?: Session, headers: Record<string, string> = {}): Promise<Answer> {
    for (let attempt = 1, pause = 100; ; attempt++, pause = Math.min(pause * 2, 2000)) {
      const response = await this.once('GET', path, { ...headers, ...(session ? { authorization: `Bearer ${await session.token()}` } : {}) }, undefined);
      if (response !== undefined) {
        const text = await response.text().catch(() => undefined);
        if (text !== undefined && response.status === 401 && session) session.forget();
        else if (text !== undefined && response.status < 500)
          return { status: response.status, body: text === '' ? undefined : JSON.parse(text), headers: response.headers, attempts: attempt, history: [] };
        if (text !== undefined) this.counters.retryStatuses[response.status] = (this.counters.retryStatuses[response.status] ?? 0) + 1;
      }
      if (Date.now() > this.deadline) throw new NoAnswerError(`GET ${path}: no answer after ${attempt} attempts`);
      await sleep(pause * (0.5 + Math.random()));
    }
  }
}

/** Someone signed in: a token got on first use and again after a 401. */
export class Session {
  private current: Promise<string> | undefined;
  signIns = 0;

  constructor(
    private readonly client: SoakClient,
    readonly email: string,
    readonly password: string,
  ) {}

  token(): Promise<string> {
    this.current ??= this.signIn().catch((error: unknown) => {
      this.current = undefined;
      throw error;
    });
    return this.current;
  }

  forget(): void {
    this.current = undefined;
  }

  private async signIn(): Promise<string> {
    // Sign-in is never remembered under an Idempotency-Key: asking again is harmless.
    const answer = await this.client.command('POST', '/api/v1/auth/token', { body: { email: this.email, password: this.password } });
    if (answer.status !== 200) throw new Error(`sign-in of ${this.email}: ${answer.status} ${JSON.stringify(answer.body)}`);
    this.signIns++;
    return answer.body.accessToken as string;
  }
}

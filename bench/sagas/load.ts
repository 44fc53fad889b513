/**
 * Orders placed over HTTP (`POST /api/v1/orders`, one item of a random product among the seeded ones, `tok_visa`):
 * at a fixed offered rate (open loop: each order is sent at its scheduled instant, whether or not earlier ones are
 * answered, so a slow server cannot slow the load down), or by N clients in a closed loop (each places its next
 * order once its last is acknowledged: as many as the server can take), or by N clients each waiting for its last
 * order to be confirmed before placing the next (a closed loop over the whole saga: at most N orders in flight, so
 * whatever rate it reaches is sustained by construction).
 */
import http from 'node:http';

export type LoadMode =
  | { kind: 'rate'; perSecond: number }
  /** `awaitFinal`: a client places its next order only once its last one is confirmed or cancelled, not just acknowledged. */
  | { kind: 'clients'; clients: number; awaitFinal?: (orderId: string) => Promise<unknown> };

export interface LoadOptions {
  url: string;
  customerToken: string;
  productIds: readonly string[];
  mode: LoadMode;
  /** Placing lasts this long. */
  seconds: number;
  /** Sockets the open loop may use at once (further orders wait for one, their latency counted from their schedule). */
  maxSockets?: number;
  /** Called every `progressMs` with what was sent and acknowledged so far. */
  onProgress?: (progress: { sent: number; acknowledged: number; inFlight: number; elapsedMs: number }) => void;
  progressMs?: number;
}

export interface LoadResult {
  startedAt: number;
  endedAt: number;
  /** Orders sent (every one of them answered or failed before this resolves). */
  sent: number;
  /** 202 answers. */
  acknowledged: number;
  /** Other answers, by status. */
  refused: Record<string, number>;
  /** Connection errors. */
  errors: number;
  firstError?: string;
  /** The answer's latency from the order's scheduled (open loop) or sending (closed loop) instant, in ms. */
  ackLatencyMs: { p50: number; p99: number; max: number };
  /** The ids the 202s gave. */
  ids: string[];
  /** When each order was due (open loop) or sent (closed loop), ms since the epoch, in order. */
  sentAt: number[];
}

export const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;

export const placeOrders = async (options: LoadOptions): Promise<LoadResult> => {
  const target = new URL('/api/v1/orders', options.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 256 });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${options.customerToken}` };
  const { productIds } = options;
  const latencies: number[] = [];
  const ids: string[] = [];
  const refused: Record<string, number> = {};
  let sent = 0;
  let errors = 0;
  let firstError: string | undefined;
  let inFlight = 0;
  const sentAt: number[] = [];
  let epochOf = (at: number) => at;

  /** One order; resolves with its id once it is acknowledged, or with undefined when it was refused or failed. */
  const place = (scheduledAt: number): Promise<string | undefined> =>
    new Promise((resolve) => {
      sent++;
      inFlight++;
      sentAt.push(epochOf(scheduledAt));
      const productId = productIds[Math.floor(Math.random() * productIds.length)]!;
      const body = `{"items":[{"productId":"${productId}","quantity":1}],"paymentToken":"tok_visa"}`;
      const done = (id?: string) => {
        inFlight--;
        resolve(id);
      };
      const request = http.request(target, { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          latencies.push(performance.now() - scheduledAt);
          if (response.statusCode === 202) {
            const { id } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string };
            ids.push(id);
            return done(id);
          }
          const key = String(response.statusCode);
          refused[key] = (refused[key] ?? 0) + 1;
          firstError ??= `${response.statusCode} ${Buffer.concat(chunks).toString('utf8').slice(0, 300)}`;
          done();
        });
        response.on('error', (error) => {
          errors++;
          firstError ??= error.message;
          done();
        });
      });
      request.on('error', (error) => {
        errors++;
        firstError ??= error.message;
        done();
      });
      request.end(body);
    });

  const startedAt = Date.now();
  const start = performance.now();
  epochOf = (at) => startedAt + (at - start);
  const end = start + options.seconds * 1000;
  const progress = options.onProgress
    ? setInterval(() => options.onProgress!({ sent, acknowledged: ids.length, inFlight, elapsedMs: performance.now() - start }), options.progressMs ?? 5000)
    : undefined;
  const all: Promise<unknown>[] = [];
  if (options.mode.kind === 'rate') {
    const interval = 1000 / options.mode.perSecond;
    let next = start;
    while (next < end) {
      const now = performance.now();
      while (next <= now && next < end) {
        all.push(place(next));
        next += interval;
      }
      // Timers fire late under load; whatever was due meanwhile goes out on the next wake-up, stamped with its schedule.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(next, end) - performance.now())));
    }
  } else {
    const { awaitFinal } = options.mode;
    const client = async () => {
      while (performance.now() < end) {
        const id = await place(performance.now());
        if (id !== undefined && awaitFinal) await awaitFinal(id);
      }
    };
    all.push(...Array.from({ length: options.mode.clients }, client));
  }
  await Promise.all(all);
  const endedAt = startedAt + options.seconds * 1000;
  if (progress) clearInterval(progress);
  agent.destroy();
  const sorted = latencies.toSorted((a, b) => a - b);
  return {
    startedAt,
    endedAt,
    sent,
    acknowledged: ids.length,
    refused,
    errors,
    ...(firstError === undefined ? {} : { firstError }),
    ackLatencyMs: { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? Number.NaN },
    ids,
    sentAt,
  };
};

/** One autocannon phase: GETs or stock adjustments spread round-robin over the seeded products. */
import autocannon from 'autocannon';

export type Phase = 'get' | 'post';

export interface LoadOptions {
  url: string;
  phase: Phase;
  ids: readonly string[];
  connections: number;
  /** Run for this long (in-flight requests at the end are dropped unanswered)... */
  seconds?: number;
  /** ...or send exactly this many and wait for every answer (what an exact stock check needs). */
  amount?: number;
  token?: string;
  /** Called for every 2xx stock adjustment with the product id and the answer's X-Position. */
  onAccepted?: (id: string, position: bigint | undefined) => void;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  reqPerSec: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  count2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** CPU the server process used per answered request (all its threads), in µs: unlike req/s, other load on the machine barely moves it. */
  serverCpuUsPerRequest?: number;
}

const ADJUSTMENT = JSON.stringify({ delta: 1, reason: 'bench' });

const header = (headers: Record<string, string | string[] | undefined> | undefined, name: string): string | undefined => {
  for (const [key, value] of Object.entries(headers ?? {})) if (key.toLowerCase() === name) return Array.isArray(value) ? value[0] : value;
  return undefined;
};

/**
 * One prebuilt request per product, which each connection cycles through (round-robin over the products), each
 * connection starting at another product so they do not move in lockstep. Prebuilt buffers keep the load generator
 * cheap: a setupRequest per request rebuilds the request each time, which caps it below the ceiling.
 */
const requestsFor = (options: LoadOptions): autocannon.Request[] =>
  options.ids.map((id) =>
    options.phase === 'get'
      ? { method: 'GET', path: `/api/v1/products/${id}` }
      : {
          method: 'POST',
          path: `/api/v1/products/${id}/stock-adjustments`,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token}` },
          body: ADJUSTMENT,
          onResponse: (status, _body, _context, headers) => {
            if (status < 200 || status > 299 || !options.onAccepted) return;
            const position = header(headers, 'x-position');
            options.onAccepted(id, position === undefined ? undefined : BigInt(position));
          },
        },
  );

export const runLoad = async (options: LoadOptions): Promise<LoadResult> => {
  const requests = requestsFor(options);
  let connection = 0;
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    ...(options.amount === undefined ? { duration: options.seconds ?? 10 } : { amount: Math.max(options.amount, options.connections) }),
    // The result is taken at the first sample tick after the end: a short interval keeps idle time out of the rate.
    sampleInt: 100,
    requests,
    setupClient: (client) => {
      const offset = Math.floor((connection++ * requests.length) / options.connections) % requests.length;
      client.setRequests([...requests.slice(offset), ...requests.slice(0, offset)]);
    },
  });
  const seconds = result.duration;
  return {
    requests: result.requests.total,
    seconds,
    reqPerSec: result.requests.total / seconds,
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max, mean: result.latency.average },
    count2xx: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
};

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What a charge meets: `forward`ed; `fail`: a 400 (an answer no retry changes: the saga step dead-letters);
 * `unavailable`: a 503 (no outcome: tried again); `lose answers`: forwarded (the simulator charges), its answer never
 * sent back (the client times out), as when a connection drops on the way back.
 */
type Mode = 'forward' | 'fail' | 'unavailable' | 'lose answers';

/** What a charge request carries (the simulator's `POST /v1/charges` body). */
export interface ChargeBody {
  orderId?: string;
  amount?: number;
  currency?: string;
  token?: string;
}

/**
 * A payment gateway the spec steers, in front of the real simulator: it treats charges as its `mode` says, or holds
 * the next charge until the spec releases it.
 * It remembers every request it was sent (any server can stand behind it: `target` may be set once known).
 */
const chargeOf = (chunks: readonly Buffer[]): ChargeBody => {
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChargeBody;
  } catch {
    return {};
  }
};

export class GatewayFront {
  mode: Mode = 'forward';
  private waitToForward: { matches: (charge: ChargeBody) => boolean; wait: () => Promise<void> } | undefined;
  private server: Server | undefined;
  url = '';
  readonly seen: { method: string; url: string; traceparent: string | undefined }[] = [];
  /**
   * Charges forwarded in `lose answers` mode, whose answers were kept back, by order: a retry of an earlier order's
   * charge may still arrive once the mode is set for the next one.
   */
  private readonly lost = new Map<string, number>();

  constructor(public target: string) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /**
   * The next charge `matches` takes waits until `release()`; `arrived` resolves once it has come. Without `matches`,
   * any charge: a retry of an earlier order's charge still under way (a `tok_timeout` one) may be the one held.
   */
  holdNextCharge(matches: (charge: ChargeBody) => boolean = () => true): { arrived: Promise<void>; release: () => void } {
    let arrive!: () => void;
    let release!: () => void;
    const arrived = new Promise<void>((resolve) => (arrive = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    this.waitToForward = {
      matches,
      wait: async () => {
        arrive();
        await released;
      },
    };
    return { arrived, release };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.seen.push({ method: req.method ?? '', url: req.url ?? '', traceparent: [req.headers.traceparent].flat()[0] });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const isCharge = req.method === 'POST' && req.url === '/v1/charges';
    if (isCharge && this.mode === 'fail') {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'invalid_request', message: 'steered to fail' } }));
      return;
    }
    if (isCharge && this.mode === 'unavailable') {
      res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'gateway_unavailable' } }));
      return;
    }
    const loseAnswer = isCharge && this.mode === 'lose answers';
    if (isCharge && this.waitToForward?.matches(chargeOf(chunks))) {
      const { wait } = this.waitToForward;
      this.waitToForward = undefined;
      await wait();
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string' && name !== 'host' && name !== 'content-length') headers[name] = value;
    const answer = await fetch(`${this.target}${req.url}`, { method: req.method, headers, ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}) });
    if (loseAnswer) {
      await answer.text();
      const { orderId = '' } = chargeOf(chunks);
      this.lost.set(orderId, this.answersLostFor(orderId) + 1);
      return;
    }
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(await answer.text());
  }

  /** How many answers to charges of `orderId` were kept back. */
  answersLostFor(orderId: string): number {
    return this.lost.get(orderId) ?? 0;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

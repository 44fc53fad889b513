import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express, { type ErrorRequestHandler, type Express, type Response } from 'express';
import { z } from 'zod';
import type { ChargeLedger } from './charge-ledger.js';
import { MemoryChargeLedger } from './memory-charge-ledger.js';
import { type GatewayAnswer, SimulatedGateway } from './simulated-gateway.js';
import { SqliteChargeLedger } from './sqlite-charge-ledger.js';

export interface PaymentSimulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** Where `payments.sqlite` lives; undefined keeps the ledger in memory. */
  dataDir?: string;
}

export interface PaymentSimulator {
  url: string;
  port: number;
  /** Drops the requests it holds open (`tok_timeout`), stops listening and closes the ledger. */
  stop(): Promise<void>;
}

const ChargeBody = z.object({
  orderId: z.string().min(1),
  amount: z.number().int().min(0),
  currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code of three upper-case letters'),
  token: z.string(),
});
const RefundBody = z.object({ chargeId: z.string().min(1) });
const ChargesQuery = z.object({ orderId: z.string().optional() });

/** The requests `tok_timeout` keeps open; released on stop, and any that arrive after that are dropped at once. */
class HeldRequests {
  private readonly open = new Set<Response>();
  private released = false;

  hold(res: Response): void {
    if (this.released) return void res.destroy();
    this.open.add(res);
    res.on('close', () => this.open.delete(res));
  }

  releaseAll(): void {
    this.released = true;
    for (const res of this.open) res.destroy();
  }
}

const invalidRequest = (res: Response, message: string) => res.status(400).json({ error: { code: 'invalid_request', message } });

const describeIssues = (error: z.ZodError) => error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ');

/** The bundled payment gateway's HTTP API (Stripe-like, amounts in minor units). */
const simulatorApp = (gateway: SimulatedGateway, held: HeldRequests): Express => {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(express.json({ limit: '64kb', type: () => true }));

  const send = (res: Response, answer: GatewayAnswer) => {
    if (answer === 'hold') held.hold(res);
    else res.status(answer.status).json(answer.body);
  };

  app.get('/health', (_req, res) => void res.json({ status: 'ok' }));

  app.post('/v1/charges', (req, res) => {
    const key = req.get('Idempotency-Key');
    if (!key) return invalidRequest(res, 'the Idempotency-Key header is required');
    const body = ChargeBody.safeParse(req.body);
    if (!body.success) return invalidRequest(res, describeIssues(body.error));
    if (key !== body.data.orderId) return invalidRequest(res, 'the Idempotency-Key of a charge is its orderId');
    send(res, gateway.charge(key, body.data));
  });

  app.post('/v1/refunds', (req, res) => {
    const key = req.get('Idempotency-Key');
    if (!key) return invalidRequest(res, 'the Idempotency-Key header is required');
    const body = RefundBody.safeParse(req.body);
    if (!body.success) return invalidRequest(res, describeIssues(body.error));
    send(res, gateway.refund(key, body.data));
  });

  app.get('/v1/charges', (req, res) => {
    const query = ChargesQuery.safeParse(req.query);
    if (!query.success) return invalidRequest(res, describeIssues(query.error));
    res.json({ items: gateway.charges(query.data.orderId) });
  });

  app.use((_req, res) => void res.status(404).json({ error: { code: 'not_found' } }));
  const onError: ErrorRequestHandler = (error: { status?: number; message?: string }, _req, res, _next) => {
    // body-parser's errors (malformed JSON, too large) carry a 4xx status.
    if (typeof error.status === 'number' && error.status >= 400 && error.status < 500)
      return void res.status(error.status).json({ error: { code: 'invalid_request', message: error.message } });
    res.status(500).json({ error: { code: 'internal_error' } });
  };
  app.use(onError);
  return app;
};

const listen = (server: Server, port: number, host: string) =>
  new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });

/** How a client on this machine reaches a server listening on `host`. */
const urlFor = (host: string, port: number) => {
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
};

/** Starts the bundled payment gateway as its own HTTP server. */
export const startPaymentSimulator = async ({ port = 0, host = '127.0.0.1', dataDir }: PaymentSimulatorOptions = {}): Promise<PaymentSimulator> => {
  const ledger: ChargeLedger = dataDir === undefined ? new MemoryChargeLedger() : new SqliteChargeLedger(join(dataDir, 'payments.sqlite'));
  const held = new HeldRequests();
  const server = createServer(simulatorApp(new SimulatedGateway(ledger), held));
  try {
    await listen(server, port, host);
  } catch (error) {
    await ledger.close();
    throw error;
  }
  const { port: boundPort } = server.address() as AddressInfo;

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      held.releaseAll();
      // Cut rather than drained (fetch keeps spare connections open for seconds): at worst a client loses an
      // answer, and asking again under the same Idempotency-Key replays it.
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await ledger.close();
    })());
  return { url: urlFor(host, boundPort), port: boundPort, stop };
};

/**
 * The ceiling for the HTTP bench: a bare Express 5 app answering the same JSON as ledgerflow's product routes,
 * with no store, no auth, no logging. Run in a child process of its own; prints `listening <port>` on stdout.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';

const product = {
  id: '00000000-0000-4000-8000-000000000000',
  sku: 'BENCH-0',
  name: 'Bench product 0',
  description: 'A product the HTTP bench reads and adjusts',
  price: { amount: 1999, currency: 'EUR' },
  stock: { onHand: 0, reserved: 0, available: 0 },
  createdBy: { id: '00000000-0000-4000-8000-000000000001', name: 'Bench admin' },
  version: 0,
};

const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.get('/api/v1/products/:id', (_req, res) => {
  res.json(product);
});
app.post('/api/v1/products/:id/stock-adjustments', express.json(), (req, res) => {
  if (typeof (req.body as { delta?: unknown } | undefined)?.delta !== 'number') return void res.status(400).json({ status: 400 });
  res.json(product);
});

const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));

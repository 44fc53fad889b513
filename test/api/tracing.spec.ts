import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { RecordedEvent } from '../../src/application/ports/event-store.js';
import { parseTraceparent } from '../../src/application/tracing/trace-context.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { type PaymentSimulator, startPaymentSimulator } from '../../src/infrastructure/payment-gateway/simulator/payment-simulator.js';
import { GatewayFront } from '../support/gateway-front.js';
import { type Customer, startTestPlatform, type TestPlatform } from '../support/http-platform.js';
import { sagaFlow } from '../support/saga-flow.js';
import { afterWrite, httpClient } from './api-client.js';

const newTrace = () => ({ traceId: randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex') });
const header = ({ traceId, spanId }: { traceId: string; spanId: string }) => `00-${traceId}-${spanId}-01`;

/**
 * One trace id links a request, the events it appends, the saga steps they cause (and their events), and the HTTP
 * calls between roles: to the payment gateway and, for enrichment, to the users API (both behind recording fronts).
 */
describe('tracing: W3C traceparent from a request through its events, saga steps and calls between roles', function () {
  this.timeout(60_000);
  let dir: string;
  let simulator: PaymentSimulator;
  let gateway: GatewayFront;
  let usersApi: GatewayFront;
  let platform: TestPlatform;
  let events: SqliteEventStore;
  let call: ReturnType<typeof httpClient>;
  let admin: string;
  let ada: Customer;
  let flow: ReturnType<typeof sagaFlow>;

  before(async () => {
    dir = mkdtempSync(join(os.tmpdir(), 'ledgerflow-tracing-'));
    simulator = await startPaymentSimulator();
    gateway = await new GatewayFront(simulator.url).start();
    usersApi = await new GatewayFront('').start();
    const file = join(dir, 'events.sqlite');
    platform = await startTestPlatform({ EVENTSTORE_URL: `sqlite:${file}`, DATA_DIR: dir, PAYMENT_GATEWAY_URL: gateway.url, USERS_API_URL: usersApi.url });
    usersApi.target = platform.url;
    events = new SqliteEventStore(file, { backgroundCheckpoints: false });
    call = httpClient(platform.url);
    admin = await platform.adminToken();
    ada = await platform.registerCustomer('Ada');
    flow = sagaFlow(call, admin);
  });
  after(async () => {
    await events.close();
    await platform.stop();
    await usersApi.stop();
    await gateway.stop();
    await simulator.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers each request with its own span in the caller’s trace, or in a new trace when the caller sent none', async () => {
    const caller = newTrace();
    const traced = parseTraceparent((await call('GET', '/api/v1/products', { headers: { traceparent: header(caller) } })).headers.get('traceresponse') ?? '');
    assert.equal(traced?.traceId, caller.traceId);
    assert.notEqual(traced?.spanId, caller.spanId);
    for (const sent of [{}, { traceparent: `00-${'0'.repeat(32)}-${caller.spanId}-01` }] as Record<string, string>[]) {
      const fresh = parseTraceparent((await call('GET', '/api/v1/products', { headers: sent })).headers.get('traceresponse') ?? '');
      assert.ok(fresh, 'a valid traceresponse');
      assert.notEqual(fresh.traceId, caller.traceId);
      assert.notEqual(fresh.traceId, '0'.repeat(32));
    }
  });

  it('records the order request’s trace in every event of its saga, each step a span of its own, and sends it to the gateway', async () => {
    const mug = await flow.product(10);
    const caller = newTrace();
    const placed = await call('POST', '/api/v1/orders', {
      token: ada.token,
      body: { items: [{ productId: mug, quantity: 1 }], paymentToken: 'tok_visa' },
      headers: { traceparent: header(caller) },
    });
    assert.equal(placed.status, 202);
    const orderId = placed.body.id as string;
    const { order } = await flow.settled(orderId);
    assert.equal(order.status, 'confirmed');

    const ofOrder = (event: RecordedEvent) => (event.data as { orderId?: string; reservationId?: string }).orderId === orderId || (event.data as { reservationId?: string }).reservationId === orderId;
    const orderEvents = await events.readStream(`order-${orderId}`);
    const productEvents = (await events.readStream(`product-${mug}`)).filter(ofOrder);
    assert.deepEqual(orderEvents.map((event) => event.type), ['OrderPlaced', 'OrderStockReserved', 'OrderPaymentRequested', 'OrderPaymentCaptured', 'OrderConfirmed']);
    assert.deepEqual(productEvents.map((event) => event.type), ['StockReserved', 'StockReservationCommitted']);
    const contexts = [...orderEvents, ...productEvents].map((event) => parseTraceparent(event.metadata.traceparent));
    for (const [i, context] of contexts.entries()) assert.equal(context?.traceId, caller.traceId, `${[...orderEvents, ...productEvents][i]!.type} is in the request's trace`);
    // The request's own span recorded OrderPlaced (and answered the caller); every saga step is a span of its own,
    // shared by the events it appends: reserve, note (and ask for the payment), charge (its capture and the
    // confirmation), commit.
    assert.equal(orderEvents[0]!.metadata.traceparent, placed.headers.get('traceresponse'));
    const spanOf = (event: RecordedEvent) => parseTraceparent(event.metadata.traceparent)!.spanId;
    const [, noted, requested, captured, confirmed] = orderEvents;
    assert.equal(spanOf(requested!), spanOf(noted!), 'the note of the last reservation asked for the payment in its step');
    assert.equal(spanOf(confirmed!), spanOf(captured!), 'the charge step noted the capture and confirmed');
    const stepSpans = new Set([...orderEvents.slice(1), ...productEvents].map(spanOf));
    assert.equal(stepSpans.size, 4, 'one span per saga step');
    assert.ok(!stepSpans.has(parseTraceparent(placed.headers.get('traceresponse')!)!.spanId));

    const charges = gateway.seen.filter((request) => request.method === 'POST' && request.url === '/v1/charges');
    const charge = charges.find((request) => parseTraceparent(request.traceparent)?.traceId === caller.traceId);
    assert.ok(charge, `the charge carried the trace: ${JSON.stringify(charges)}`);
    assert.notEqual(parseTraceparent(charge.traceparent)!.spanId, spanOf(captured!), 'the call is a span under its step');
  });

  it('continues a request’s trace in the enrichment call to the users API', async () => {
    const bo = await platform.registerCustomer('Bo');
    const mug = await flow.product(5);
    const placed = await call('POST', '/api/v1/orders', { token: bo.token, body: { items: [{ productId: mug, quantity: 1 }], paymentToken: 'tok_visa' } });
    const caller = newTrace();
    const read = await call('GET', `/api/v1/orders/${placed.body.id}`, { token: bo.token, headers: { ...afterWrite(placed), traceparent: header(caller) } });
    assert.equal(read.status, 200);
    assert.deepEqual(read.body.customer, { id: bo.id, name: 'Bo' });
    const lookup = usersApi.seen.find((request) => request.url === `/api/v1/users/${bo.id}`);
    assert.ok(lookup, 'the users API was asked');
    assert.equal(parseTraceparent(lookup.traceparent)?.traceId, caller.traceId);
  });
});

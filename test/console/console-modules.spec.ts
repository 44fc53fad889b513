import assert from 'node:assert/strict';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * The console's modules that know no browser, run in Node as they are served: the diff time travel shows, the
 * server-sent events parser, the causation chain, and which saga step an event records.
 */

const LIB = join(resolve(dirname(fileURLToPath(import.meta.url)), '../..'), 'console/assets/js/lib');
/** The module by a computed path: it is the browser's JavaScript, with no types for the compiler to read. */
const load = (name: string): Promise<any> => import(pathToFileURL(join(LIB, name)).href);

type Json = any;

const event = (eventId: string, type: string, causationId: string, correlationId = 'request-1', data: Json = {}): Json => ({
  eventId,
  type,
  stream: 'order-1',
  revision: 0,
  position: '1',
  recordedAt: '2025-01-01T00:00:00.000Z',
  data,
  metadata: { correlationId, causationId },
});

describe('console modules', () => {
  describe('diff (what an event changed)', () => {
    let diff: (before: unknown, after: unknown) => Json[];
    before(async () => ({ diff } = await load('diff.js')));

    it('lists every leaf that changed, with its path, before and after', () => {
      const before = { status: 'pending', total: { amount: 100, currency: 'EUR' }, items: [{ quantity: 1 }], reason: null };
      const after = { status: 'cancelled', total: { amount: 100, currency: 'EUR' }, items: [{ quantity: 1 }, { quantity: 2 }], reason: 'payment_declined' };
      assert.deepEqual(diff(before, after), [
        { path: 'status', kind: 'changed', before: 'pending', after: 'cancelled' },
        { path: 'items[1]', kind: 'added', before: undefined, after: { quantity: 2 } },
        { path: 'reason', kind: 'changed', before: null, after: 'payment_declined' },
      ]);
    });

    it('calls every field added when the resource did not exist before, and removed fields removed', () => {
      assert.deepEqual(diff(null, { id: 'a', stock: { onHand: 3 } }), [
        { path: 'id', kind: 'added', before: undefined, after: 'a' },
        { path: 'stock', kind: 'added', before: undefined, after: { onHand: 3 } },
      ]);
      assert.deepEqual(diff({ a: 1, b: 2 }, { a: 1 }), [{ path: 'b', kind: 'removed', before: 2, after: undefined }]);
    });

    it('finds nothing between equal values, and names the nested path of a deep change', () => {
      assert.deepEqual(diff({ a: [1, { b: 'x' }] }, { a: [1, { b: 'x' }] }), []);
      assert.deepEqual(diff({ stock: { reserved: 0 } }, { stock: { reserved: 2 } }), [{ path: 'stock.reserved', kind: 'changed', before: 0, after: 2 }]);
    });
  });

  describe('sseParser (server-sent events over fetch)', () => {
    let sseParser: (onEvent: (message: Json) => void, onRetry?: (ms: number) => void) => (chunk: string) => void;
    before(async () => ({ sseParser } = await load('sse.js')));

    it('gives each message its id and data, whatever the chunks, skipping comments (heartbeats)', () => {
      const messages: Json[] = [];
      const feed = sseParser((message) => messages.push(message));
      const text = ': heartbeat\n\nid: 7\ndata: {"type":"OrderPlaced"}\n\nid: 8\r\ndata: {"a":\r\ndata: 1}\r\n\r\n';
      for (let at = 0; at < text.length; at += 3) feed(text.slice(at, at + 3));
      assert.deepEqual(messages, [
        { id: '7', event: 'message', data: '{"type":"OrderPlaced"}' },
        { id: '8', event: 'message', data: '{"a":\n1}' },
      ]);
    });

    it('keeps the last id for the messages that follow, and hears retry:', () => {
      const messages: Json[] = [];
      const retries: number[] = [];
      const feed = sseParser((message) => messages.push(message), (ms) => retries.push(ms));
      feed('retry: 2500\nid: 3\n\ndata: x\n\nevent: ping\ndata: y\n\n');
      assert.deepEqual(messages, [
        { id: '3', event: 'message', data: 'x' },
        { id: '3', event: 'ping', data: 'y' },
      ]);
      assert.deepEqual(retries, [2500]);
    });
  });

  describe('causationChain', () => {
    let causationChain: (event: Json, events: Json[]) => { chain: Json[]; complete: boolean };
    let effectsOf: (event: Json, events: Json[]) => Json[];
    before(async () => ({ causationChain, effectsOf } = await load('causation.js')));

    const placed = event('e1', 'OrderPlaced', 'request-1');
    const reserved = event('e2', 'StockReserved', 'e1');
    const noted = event('e3', 'OrderStockReserved', 'e2');
    const other = event('e4', 'OrderPaymentRequested', 'e3');

    it('goes from the request’s own event to the event, each caused by the one before', () => {
      const { chain, complete } = causationChain(noted, [other, noted, placed, reserved]);
      assert.deepEqual(chain.map((link) => link.eventId), ['e1', 'e2', 'e3']);
      assert.equal(complete, true);
      assert.deepEqual(effectsOf(reserved, [placed, reserved, noted, other]).map((effect) => effect.eventId), ['e3']);
    });

    it('says when a cause is missing, and does not loop on a cycle', () => {
      assert.deepEqual(causationChain(noted, [noted, reserved]), { chain: [reserved, noted], complete: false });
      const a = event('a', 'A', 'b');
      const b = event('b', 'B', 'a');
      assert.deepEqual(causationChain(a, [a, b]), { chain: [b, a], complete: false });
    });
  });

  describe('saga steps of events', () => {
    let stepsRecordedBy: (event: Json) => string[];
    let sagaIdOf: (event: Json) => string;
    before(async () => ({ stepsRecordedBy, sagaIdOf } = await load('saga-events.js')));

    it('names the step each saga event records, as the saga-status view does', () => {
      const cases: [string, Json, string[]][] = [
        ['StockReserved', { orderId: 'o', productId: 'p' }, ['reserve-stock:p']],
        ['StockReservationRejected', { orderId: 'o', productId: 'p' }, ['reserve-stock:p']],
        ['StockReservationCommitted', { orderId: 'o', productId: 'p' }, ['commit-stock:p']],
        ['StockReservationReleased', { orderId: 'o', productId: 'p' }, ['release-stock:p']],
        ['StockReturned', { orderId: 'o', productId: 'p' }, ['return-stock:p']],
        ['OrderPaymentCaptured', { orderId: 'o' }, ['charge-payment']],
        ['OrderPaymentDeclined', { orderId: 'o' }, ['charge-payment']],
        ['OrderConfirmed', { orderId: 'o' }, ['confirm-order']],
        ['OrderCancelled', { orderId: 'o', reason: 'payment_declined' }, ['cancel-order:payment_declined']],
        ['OrderRefunded', { orderId: 'o' }, ['refund-payment']],
        ['PayoutRecorded', { marketId: 'm', positionId: 'q' }, ['record-payout:q']],
        ['SagaStepDeadLettered', { sagaId: 'o', step: 'charge-payment' }, ['charge-payment']],
        ['SagaRetried', { sagaId: 'o', steps: ['charge-payment', 'x'] }, ['charge-payment', 'x']],
        ['ProductCreated', { productId: 'p' }, []],
      ];
      for (const [type, data, steps] of cases) assert.deepEqual(stepsRecordedBy({ type, data }), steps, type);
      assert.equal(sagaIdOf({ type: 'PayoutRecorded', data: { marketId: 'm' } }), 'm');
      assert.equal(sagaIdOf({ type: 'SagaRetried', data: { sagaId: 's' } }), 's');
      assert.equal(sagaIdOf({ type: 'StockReserved', data: { orderId: 'o' } }), 'o');
      assert.equal(sagaIdOf({ type: 'ProductCreated', data: { productId: 'p' } }), '');
    });
  });
});

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { startServerProcess } from '../support/server-process.js';

const admin = { email: 'admin@example.com', password: 'admin-password-1' };
const json = (token: string, key?: string) => ({
  'content-type': 'application/json',
  authorization: `Bearer ${token}`,
  ...(key === undefined ? {} : { 'idempotency-key': key }),
});

const signIn = async (url: string): Promise<string> => {
  const response = await fetch(`${url}/api/v1/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(admin) });
  assert.equal(response.status, 200);
  return ((await response.json()) as { accessToken: string }).accessToken;
};

describe('recovery: requests in flight when the embedded server is killed, sent again under their keys', function () {
  this.timeout(300_000);
  let dataDir: string;

  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'ledgerflow-in-flight-'));
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  /** Reasons of the stock adjustments stored, with how many times each is. */
  const storedAdjustments = async (): Promise<Map<string, number>> => {
    const events = new SqliteEventStore(join(dataDir, 'events.sqlite'));
    try {
      const stored = new Map<string, number>();
      for await (const event of events.readAll({ filter: { eventTypes: ['StockAdjusted'] } })) {
        const { reason } = event.data as { reason: string };
        stored.set(reason, (stored.get(reason) ?? 0) + 1);
      }
      return stored;
    } finally {
      await events.close();
    }
  };

  it('each is applied once: those appended before the kill but never answered are answered from the event store', async () => {
    const env = { DATA_DIR: dataDir, ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password };
    let server = await startServerProcess(env);
    let token = await signIn(server.url);
    const productIds: string[] = [];
    for (let index = 0; index < 5; index++) {
      const response = await fetch(`${server.url}/api/v1/products`, {
        method: 'POST',
        headers: json(token),
        body: JSON.stringify({ sku: `INFLIGHT-${index}`, name: `Product ${index}`, price: { amount: 100, currency: 'EUR' }, initialStock: 0 }),
      });
      assert.equal(response.status, 201);
      productIds.push(((await response.json()) as { id: string }).id);
    }

    type Request = { productId: string; key: string; reason: string };
    const send = (request: Request) =>
      fetch(`${server.url}/api/v1/products/${request.productId}/stock-adjustments`, {
        method: 'POST',
        headers: json(token, request.key),
        body: JSON.stringify({ delta: 1, reason: request.reason }),
      });
    const sent: Request[] = [];
    const unanswered: Request[] = [];
    let appendedNotAnswered = 0;
    // Every adjustment of a round at once, each under its own key; the process is killed from the answer that makes
    // KILL_AFTER acknowledged. Rounds go on until a kill has caught requests committed and not answered yet.
    const KILL_AFTER = 25;
    for (let round = 1; appendedNotAnswered === 0; round++) {
      assert.ok(round <= 6, 'no kill in 5 rounds landed between an append and its answer');
      if (round > 1) {
        server = await startServerProcess(env);
        token = await signIn(server.url);
      }
      const killed = server;
      const requests = Array.from({ length: 300 }, (_, index) => ({ productId: productIds[index % productIds.length]!, key: randomUUID(), reason: `round ${round}: ${index}` }));
      sent.push(...requests);
      let acknowledged = 0;
      await Promise.all(
        requests.map(async (request) => {
          try {
            const response = await send(request);
            assert.equal(response.status, 200);
            if (++acknowledged === KILL_AFTER) killed.child.kill('SIGKILL');
          } catch (error) {
            if (error instanceof assert.AssertionError) throw error;
            unanswered.push(request);
          }
        }),
      );
      await killed.exited;
      const stored = await storedAdjustments();
      appendedNotAnswered = unanswered.filter((request) => stored.has(request.reason)).length;
    }

    // What a killed request leaves in edge.sqlite once its 30 s lease has run out: a claim without an answer.
    const edge = new Database(join(dataDir, 'edge.sqlite'));
    edge.prepare('UPDATE idempotency_keys SET expires_at = 0 WHERE response IS NULL').run();
    edge.close();

    server = await startServerProcess(env);
    token = await signIn(server.url);
    let replayed = 0;
    for (const request of unanswered) {
      const response = await send(request);
      assert.equal(response.status, 200, await response.clone().text());
      if (response.headers.get('idempotent-replayed') === 'true') replayed++;
    }
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);

    const stored = await storedAdjustments();
    const twice = [...stored].filter(([, count]) => count > 1).map(([reason]) => reason);
    assert.deepEqual(twice, [], `applied twice, of the ${unanswered.length} sent again (${appendedNotAnswered} of them appended before the kill)`);
    assert.equal(stored.size, sent.length, 'every request applied');
    assert.equal(replayed, appendedNotAnswered, 'each request appended before the kill is answered as a replay');
  });
});

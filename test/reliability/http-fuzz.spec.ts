import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuSecondsOf } from '../../bench/sagas/platform.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { type ServerProcess, startServerProcess } from '../support/server-process.js';
import { describeRequest, type FuzzContext, type FuzzRequest, fuzzRequest } from './fuzz/fuzz-requests.js';
import { type OpenApiDocument, operationsOf } from './fuzz/openapi-operations.js';
import { type RawAnswer, RawHttp } from './fuzz/raw-http.js';
import type { Seeded } from './fuzz/valid-values.js';

const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? 12);
const PARALLEL = 8;
const admin = { email: 'admin@example.com', password: 'admin-password-1' };
const customer = { email: 'fuzz-customer@example.com', password: 'customer-password-1', name: 'Fuzz Customer' };

/** A valid call of the setup, marked so that the events it causes are told apart from the fuzzer's. */
const setupCall = async (url: string, method: string, path: string, options: { token?: string; body?: unknown } = {}) => {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      'x-correlation-id': `setup-${method}-${path.replace(/[^A-Za-z0-9]/g, '')}`.slice(0, 120),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const body = (await response.json()) as any;
  assert.ok(response.status < 300, `${method} ${path}: ${response.status} ${JSON.stringify(body)}`);
  return body;
};

/** What the platform holds before the fuzzing starts: ids for the paths, tokens for the callers. */
const seedPlatform = async (url: string): Promise<{ seeded: Seeded; tokens: FuzzContext['tokens'] }> => {
  const registered = await setupCall(url, 'POST', '/api/v1/users', { body: customer });
  const signIn = async (who: { email: string; password: string }) =>
    (await setupCall(url, 'POST', '/api/v1/auth/token', { body: { email: who.email, password: who.password } })).accessToken as string;
  const tokens = { admin: await signIn(admin), customer: await signIn(customer) };
  const adminId = (await setupCall(url, 'GET', '/api/v1/users/me', { token: tokens.admin })).id as string;
  const productIds: string[] = [];
  for (let index = 0; index < 3; index++) {
    const body = { sku: `FUZZ-${index}`, name: `Fuzz product ${index}`, price: { amount: 250, currency: 'EUR' }, initialStock: 1000 };
    productIds.push((await setupCall(url, 'POST', '/api/v1/products', { token: tokens.admin, body })).id);
  }
  const orderIds: string[] = [];
  for (const paymentToken of ['tok_visa', 'tok_declined']) {
    const body = { items: [{ productId: productIds[0], quantity: 1 }], paymentToken };
    orderIds.push((await setupCall(url, 'POST', '/api/v1/orders', { token: tokens.customer, body })).id);
  }
  const market = await setupCall(url, 'POST', '/api/v1/markets', {
    token: tokens.admin,
    body: { question: 'Will the fuzzer find a 5xx?', outcomes: ['yes', 'no'], closesAt: '2031-01-01T00:00:00Z' },
  });
  await setupCall(url, 'POST', `/api/v1/markets/${market.id}/positions`, { token: tokens.customer, body: { outcome: 'no', stake: 10 } });
  const projections = (await setupCall(url, 'GET', '/api/v1/projections', { token: tokens.admin })).items.map((item: { name: string }) => item.name);
  return {
    tokens,
    seeded: {
      adminEmail: admin.email,
      customerEmail: customer.email,
      customerPassword: customer.password,
      userIds: [registered.id, adminId],
      productIds,
      orderIds,
      marketIds: [market.id],
      outcomes: ['yes', 'no'],
      projections,
      eventTypes: ['OrderPlaced', 'StockAdjusted', 'ProductCreated', 'MarketResolved'],
    },
  };
};

const headerBytes = (request: FuzzRequest): number => Object.entries(request.headers).reduce((sum, [name, value]) => sum + name.length + value.length + 4, request.path.length);

const header = (answer: RawAnswer, name: string): string => {
  const value = answer.headers[name];
  return Array.isArray(value) ? value.join(', ') : (value ?? '');
};

/** Why this answer breaks the contract, or undefined. */
const violationOf = (request: FuzzRequest, answer: RawAnswer): string | undefined => {
  // The contract's one 5xx for a request that is not broken: a well-formed X-Min-Position past the head.
  const pastTheHead =
    answer.status === 503 && /^\d{1,19}$/.test((request.headers['x-min-position'] ?? '').trim()) && header(answer, 'retry-after') !== '';
  if (answer.status >= 500 && !pastTheHead) return `answered ${answer.status}: ${answer.body.slice(0, 300)}`;
  if (answer.status < 400) return undefined;
  if (!header(answer, 'content-type').startsWith('application/problem+json')) return `${answer.status} as ${JSON.stringify(header(answer, 'content-type'))}: ${answer.body.slice(0, 200)}`;
  if (request.method === 'HEAD') return undefined;
  try {
    const problem = JSON.parse(answer.body) as { status?: number; title?: string };
    if (problem.status !== answer.status || typeof problem.title !== 'string') return `${answer.status} with a problem document that says ${answer.body.slice(0, 200)}`;
  } catch {
    return `${answer.status} whose body is not JSON: ${answer.body.slice(0, 200)}`;
  }
  return undefined;
};

/** Violations by kind (ids and numbers taken out), each with its count and the first request that showed it. */
class Violations {
  private readonly kinds = new Map<string, { count: number; example: string }>();
  count = 0;

  add(violation: string, request?: FuzzRequest): void {
    this.count++;
    const kind = violation.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<id>').replace(/\d+/g, 'N').slice(0, 120);
    const known = this.kinds.get(kind);
    if (known) known.count++;
    else this.kinds.set(kind, { count: 1, example: `${violation}\n        ${request ? describeRequest(request) : ''}` });
  }

  describe(): string {
    const kinds = [...this.kinds.values()].sort((a, b) => b.count - a.count);
    return `${this.count} violations of ${kinds.length} kinds:\n${kinds.map(({ count, example }) => `  ${count} × ${example}`).join('\n')}`;
  }
}

describe('HTTP fuzzing: requests drawn from the served OpenAPI document and mutated', function () {
  this.timeout(240_000);
  let dataDir: string;
  let server: ServerProcess;
  let http: RawHttp;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ledgerflow-fuzz-'));
    server = await startServerProcess({ DATA_DIR: dataDir, ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password, PAYMENT_TIMEOUT_MS: '2000' });
    http = new RawHttp(server.url, PARALLEL);
  });
  after(async () => {
    http.close();
    if (server.child.exitCode === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`${REQUESTS} requests (seed ${SEED}) as anonymous, customer and admin: no 5xx, every 4xx a problem document, nothing appended by a refused request, the server still serving`, async () => {
    const { seeded, tokens } = await seedPlatform(server.url);
    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as OpenApiDocument;
    const context: FuzzContext = { seed: SEED, operations: operationsOf(document), seeded, tokens };

    const violations = new Violations();
    const started = { at: Date.now(), cpu: process.cpuUsage(), serverCpu: cpuSecondsOf(server.child.pid) ?? 0 };
    const accepted = new Set<string>();
    const refused = new Set<string>();
    const statuses = new Map<number, number>();
    let acceptedRequests = 0;
    let headOverflows = 0;
    let next = 0;
    const worker = async () => {
      for (let index = next++; index < REQUESTS; index = next++) {
        const request = fuzzRequest(index, context);
        let answer: RawAnswer;
        try {
          answer = await http.send(request.method, request.path, request.headers, request.body);
        } catch (error) {
          // The one answer a client may not read: see answerParserError (a HEAD whose header over 16 KiB fails in a
          // later chunk of the request gets a body it does not expect).
          if (request.method === 'HEAD' && headerBytes(request) > 16 * 1024 && /^Parse Error/.test((error as Error).message)) headOverflows++;
          else violations.add(`no answer (${(error as Error).message})`, request);
          continue;
        }
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        const violation = violationOf(request, answer);
        if (violation) violations.add(violation, request);
        const correlationId = header(answer, 'x-correlation-id');
        if (correlationId === '') violations.add(`no X-Correlation-Id on a ${answer.status}`, request);
        else (answer.status < 300 ? accepted : refused).add(correlationId);
        if (answer.status < 300) acceptedRequests++;
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    const seconds = (Date.now() - started.at) / 1000;
    const clientCpu = process.cpuUsage(started.cpu);
    const cpu = `client ${((clientCpu.user + clientCpu.system) / 1e6).toFixed(1)} s, server ${((cpuSecondsOf(server.child.pid) ?? 0) - started.serverCpu).toFixed(1)} s CPU`;
    const summary = [...statuses].sort(([a], [b]) => a - b).map(([status, count]) => `${status}: ${count}`).join(', ');

    // Still serving, and nobody became an admin or polluted a prototype on the way.
    assert.equal(server.child.exitCode, null, `the server exited: ${server.output().slice(-2000)}`);
    assert.equal((await fetch(`${server.url}/health/ready`)).status, 200);
    const me = await fetch(`${server.url}/api/v1/users/me`, { headers: { authorization: `Bearer ${tokens.customer}` } });
    assert.equal(me.status, 200);
    const profile = (await me.json()) as Record<string, unknown>;
    assert.deepEqual(profile.roles, ['customer']);
    assert.ok(!('polluted' in profile) && !('admin' in profile), JSON.stringify(profile));
    const asCustomer = await fetch(`${server.url}/api/v1/products`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.customer}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sku: 'NOPE', name: 'Nope', price: { amount: 1, currency: 'EUR' }, initialStock: 1 }),
    });
    assert.equal(asCustomer.status, 403);

    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0, server.output().slice(-2000));
    const events = new SqliteEventStore(join(dataDir, 'events.sqlite'));
    const unexplained: string[] = [];
    let appended = 0;
    try {
      for await (const event of events.readAll()) {
        const { correlationId } = event.metadata;
        if (correlationId.startsWith('setup-') || correlationId.startsWith('ensure-admin-')) continue;
        appended++;
        if (refused.has(correlationId) && !accepted.has(correlationId)) violations.add(`${event.type} appended by a refused request (${correlationId})`);
        else if (!accepted.has(correlationId)) unexplained.push(`${event.type} in ${event.streamId} at ${event.position} (${correlationId})`);
      }
    } finally {
      await events.close();
    }
    console.log(`      fuzz: ${REQUESTS} requests in ${seconds.toFixed(1)} s (${cpu}), ${acceptedRequests} accepted, ${REQUESTS - acceptedRequests} refused (${summary}); ${appended} events appended by accepted requests and their sagas; ${headOverflows} HEAD with headers over 16 KiB answered with a body`);
    assert.deepEqual(unexplained.slice(0, 5), [], `${unexplained.length} events no accepted request explains`);
    assert.equal(violations.count, 0, violations.describe());
    assert.ok(acceptedRequests > REQUESTS * 0.05, `valid requests get through too: ${acceptedRequests} accepted`);
  });
});

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { httpClient, isProblem } from '../api/api-client.js';
import { type Customer, startTestPlatform, type TestPlatform } from '../support/http-platform.js';
import { sagaFlow } from '../support/saga-flow.js';
import { allModules } from '../../src/infrastructure/modules/all-modules.js';

/** Every projection the platform's modules define. */
const PROJECTION_NAMES = allModules.flatMap((module) => module.projections ?? []).map((projection) => projection.name).sort();

/** One sample of the Prometheus text format. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const parse = (text: string): { samples: Sample[]; types: Map<string, string> } => {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1]!, type[2]!);
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(match, `a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, name, value] of match[2]?.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g) ?? []) labels[name!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return { samples, types };
};

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

describe('GET /metrics after some traffic', function () {
  this.timeout(60_000);
  let platform: TestPlatform;
  let call: ReturnType<typeof httpClient>;
  let admin: string;
  let ada: Customer;
  let samples: Sample[];
  let types: Map<string, string>;
  const of = (name: string, labels: Record<string, string> = {}) =>
    samples.filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value));
  const value = (name: string, labels: Record<string, string>) => of(name, labels).reduce((sum, sample) => sum + sample.value, 0);

  before(async () => {
    platform = await startTestPlatform({ PAYMENT_TIMEOUT_MS: '2000' });
    call = httpClient(platform.url);
    admin = await platform.adminToken();
    ada = await platform.registerCustomer('Ada');
    const flow = sagaFlow(call, admin);

    // Products read by many ids, a refused stock adjustment, a stale If-Match.
    const mug = await flow.product(10, 1250);
    for (let index = 0; index < 5; index++) await flow.product(1);
    for (let index = 0; index < 5; index++) assert.equal((await call('GET', `/api/v1/products/${randomUUID()}`)).status, 404);
    isProblem(await call('POST', `/api/v1/products/${mug}/stock-adjustments`, { token: admin, body: { delta: -1000, reason: 'too much' } }), 422);
    isProblem(await call('PUT', `/api/v1/products/${mug}/price`, { token: admin, body: { price: { amount: 1, currency: 'EUR' } }, headers: { 'If-Match': '"99"' } }), 412);
    // Refused before any route: a customer on an admin route, no token, an unknown route.
    isProblem(await call('GET', '/api/v1/projections', { token: ada.token }), 403);
    isProblem(await call('GET', `/api/v1/orders/${randomUUID()}`), 401);
    isProblem(await call('GET', `/no/such/route/${randomUUID()}`), 404);
    // A confirmed order and a declined one: two sagas that end.
    const paid = await flow.place(ada.token, [{ productId: mug, quantity: 2 }], 'tok_visa');
    const declined = await flow.place(ada.token, [{ productId: mug, quantity: 1 }], 'tok_declined');
    assert.equal((await flow.settled(paid)).saga.status, 'completed');
    assert.equal((await flow.settled(declined)).saga.status, 'compensated');

    const scraped = await fetch(`${platform.url}/metrics`);
    assert.equal(scraped.status, 200);
    assert.match(scraped.headers.get('Content-Type') ?? '', /^text\/plain; version=0\.0\.4/);
    ({ samples, types } = parse(await scraped.text()));
  });
  after(() => platform.stop());

  it('has every family, of its type', () => {
    const families: Record<string, string> = {
      ledgerflow_http_request_duration_seconds: 'histogram',
      ledgerflow_commands_total: 'counter',
      ledgerflow_command_conflict_retries_total: 'counter',
      ledgerflow_event_store_append_duration_seconds: 'histogram',
      ledgerflow_projection_position: 'gauge',
      ledgerflow_projection_lag_events: 'gauge',
      ledgerflow_projection_status: 'gauge',
      ledgerflow_projection_rebuild_events: 'gauge',
      ledgerflow_saga_steps_total: 'counter',
      ledgerflow_saga_recoveries_total: 'counter',
      ledgerflow_sagas_finished_total: 'counter',
      ledgerflow_saga_duration_seconds: 'histogram',
      ledgerflow_saga_jobs: 'gauge',
      ledgerflow_circuit_breaker_state: 'gauge',
      ledgerflow_process_cpu_seconds_total: 'counter',
    };
    for (const [name, type] of Object.entries(families)) assert.equal(types.get(name), type, name);
  });

  it('times HTTP requests by method, route template and status, never by the URL', () => {
    const requests = of('ledgerflow_http_request_duration_seconds_count');
    assert.ok(requests.length > 0);
    for (const { labels } of requests) {
      assert.deepEqual(Object.keys(labels).sort(), ['method', 'route', 'status']);
      assert.match(labels.method!, /^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS|OTHER)$/);
      assert.match(labels.status!, /^[1-5]\d\d$/);
      assert.ok(labels.route === 'unmatched' || labels.route!.startsWith('/'), labels.route);
      assert.doesNotMatch(labels.route!, UUID, 'a template, not a URL');
    }
    assert.equal(value('ledgerflow_http_request_duration_seconds_count', { method: 'GET', route: '/api/v1/products/:id', status: '404' }), 5, 'five ids, one series');
    assert.ok(value('ledgerflow_http_request_duration_seconds_count', { method: 'POST', route: '/api/v1/products', status: '201' }) >= 6);
    assert.equal(value('ledgerflow_http_request_duration_seconds_count', { method: 'GET', route: '/api/v1/projections', status: '403' }), 1, 'refused before the route, by its template');
    assert.equal(value('ledgerflow_http_request_duration_seconds_count', { method: 'GET', route: '/api/v1/orders/:id', status: '401' }), 1);
    assert.equal(value('ledgerflow_http_request_duration_seconds_count', { method: 'GET', route: 'unmatched', status: '404' }), 1);
    // Buckets are cumulative and end with +Inf = count.
    const series = { method: 'GET', route: '/api/v1/products/:id', status: '404' };
    const buckets = of('ledgerflow_http_request_duration_seconds_bucket', series);
    assert.equal(buckets.at(-1)?.labels.le, '+Inf');
    assert.equal(buckets.at(-1)?.value, 5);
    for (let index = 1; index < buckets.length; index++) assert.ok(buckets[index]!.value >= buckets[index - 1]!.value);
  });

  it('counts commands by type and outcome, and times appends', () => {
    for (const { labels } of of('ledgerflow_commands_total')) {
      assert.deepEqual(Object.keys(labels).sort(), ['command', 'outcome']);
      assert.match(labels.command!, /^[A-Z][A-Za-z]+$/, 'a command type');
      assert.match(labels.outcome!, /^(accepted|refused_not_found|refused_conflict|refused_rule_violated|precondition_failed|failed)$/);
    }
    assert.ok(value('ledgerflow_commands_total', { command: 'CreateProduct', outcome: 'accepted' }) >= 6);
    assert.equal(value('ledgerflow_commands_total', { command: 'AdjustStock', outcome: 'refused_rule_violated' }), 1);
    assert.equal(value('ledgerflow_commands_total', { command: 'ChangePrice', outcome: 'precondition_failed' }), 1);
    assert.ok(value('ledgerflow_commands_total', { command: 'PlaceOrder', outcome: 'accepted' }) >= 2);
    assert.ok(value('ledgerflow_event_store_append_duration_seconds_count', { outcome: 'appended' }) > 0);
    assert.ok(value('ledgerflow_event_store_append_duration_seconds_sum', { outcome: 'appended' }) > 0);
  });

  it('shows where each projection stands', () => {
    const names = of('ledgerflow_projection_lag_events').map((sample) => sample.labels.projection).sort();
    assert.deepEqual(names, PROJECTION_NAMES);
    for (const name of names) {
      assert.ok(value('ledgerflow_projection_position', { projection: name! }) >= 0);
      assert.equal(of('ledgerflow_projection_status', { projection: name! }).reduce((sum, sample) => sum + sample.value, 0), 1, `one status of ${name}`);
    }
    assert.ok(value('ledgerflow_projection_position', { projection: 'products' }) > 0);
  });

  it('counts sagas by type as they end, with their durations, and the steps and jobs behind them', () => {
    assert.equal(value('ledgerflow_sagas_finished_total', { saga: 'order-fulfilment', status: 'completed' }), 1);
    assert.equal(value('ledgerflow_sagas_finished_total', { saga: 'order-fulfilment', status: 'compensated' }), 1);
    assert.equal(value('ledgerflow_saga_duration_seconds_count', { saga: 'order-fulfilment', status: 'completed' }), 1);
    assert.ok(value('ledgerflow_saga_steps_total', { outcome: 'succeeded' }) > 0);
    assert.equal(value('ledgerflow_saga_recoveries_total', {}), 1, 'the pending work re-derived once, on boot');
    assert.deepEqual(of('ledgerflow_saga_jobs').map((sample) => sample.labels.state).sort(), ['active', 'delayed', 'waiting']);
  });

  it("shows each remote's circuit breaker, closed", () => {
    for (const remote of ['payment gateway', 'users API']) {
      assert.equal(value('ledgerflow_circuit_breaker_state', { remote, state: 'closed' }), 1, remote);
      assert.equal(value('ledgerflow_circuit_breaker_state', { remote, state: 'open' }), 0, remote);
    }
  });

  it('labels nothing with an id', () => {
    for (const sample of samples) for (const label of Object.values(sample.labels)) assert.doesNotMatch(label, UUID, `${sample.name} ${JSON.stringify(sample.labels)}`);
  });
});

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ConfigSchema, loadConfig, SERVICE_ROLES } from '../../src/infrastructure/config/config.js';
import { gatewayRoutes, roleUrls } from '../../src/infrastructure/gateway/routing-table.js';
import { allModules } from '../../src/infrastructure/modules/all-modules.js';

// No Docker engine runs here, so the compose file is checked by reading it: every role is there,
// each service's environment passes the same validation as the process would apply at boot.
interface Service {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition?: string }>;
  healthcheck?: { test?: string[] };
  ports?: string[];
}

const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as { services: Record<string, Service> };
const roles = SERVICE_ROLES.filter((role) => role !== 'all');
const STORES = ['eventstore', 'mongo', 'redis'];
/** Compose interpolation as `docker compose` does it when nothing is set: `:-` takes the default, `:?` must be given. */
const resolve = (value: string) =>
  value.replace(/\$\{(\w+)(?::([?-])([^}]*))?\}/g, (_match, name: string, kind?: string, fallback?: string) =>
    kind === '-' ? (fallback ?? '') : `given-${name}`,
  );
const environmentOf = (service: Service) =>
  Object.fromEntries(Object.entries(service.environment ?? {}).map(([name, value]) => [name, resolve(String(value))]));
/** The host and port a service's URL points at, as another container reaches it. */
const serviceOf = (url: string) => {
  const { hostname, port } = new URL(url);
  return { service: hostname, port };
};

describe('docker-compose.yml (production topology)', () => {
  it('runs EventStoreDB in insecure dev mode, MongoDB and Redis', () => {
    assert.match(compose.services.eventstore?.image ?? '', /^eventstore\/eventstore:/);
    assert.equal(compose.services.eventstore?.environment?.EVENTSTORE_INSECURE, 'true');
    assert.match(compose.services.mongo?.image ?? '', /^mongo:[6-9]/);
    assert.match(compose.services.redis?.image ?? '', /^redis:/);
  });

  it('runs Redis with an append-only file and without evicting keys, as BullMQ requires', () => {
    const command = compose.services.redis?.command ?? [];
    assert.equal(command[command.indexOf('--maxmemory-policy') + 1], 'noeviction');
    assert.equal(command[command.indexOf('--appendonly') + 1], 'yes');
  });

  for (const role of roles) {
    it(`runs the ledgerflow image in the ${role} role with a valid configuration`, () => {
      const service = compose.services[role];
      assert.ok(service, `service ${role} is missing`);
      assert.equal(service.build, '.');
      const environment = environmentOf(service);
      for (const name of Object.keys(environment)) assert.ok(name in ConfigSchema.shape, `${role} sets ${name}, which the server does not read`);
      const config = loadConfig(environment);
      assert.equal(config.SERVICE_ROLE, role);
      assert.match(config.EVENTSTORE_URL ?? '', /^esdb:\/\/eventstore:2113\?tls=false$/);
      assert.match(config.MONGODB_URL ?? '', /^mongodb:\/\/mongo:27017\//);
      assert.match(config.REDIS_URL ?? '', /^redis:\/\/redis:6379$/);
      for (const url of [config.USERS_API_URL!, config.PAYMENT_GATEWAY_URL!]) {
        const { service: name, port } = serviceOf(url);
        assert.ok(compose.services[name], `${url} names a service`);
        assert.equal(port, compose.services[name]!.environment?.PORT ?? '3000');
      }
    });
  }

  it('gives the gateway the URL of every role it routes to, each a service of this file on its port', () => {
    const config = loadConfig(environmentOf(compose.services.gateway!));
    const urls = roleUrls(config, gatewayRoutes(allModules));
    for (const [role, url] of urls) assert.deepEqual(serviceOf(url), { service: role, port: '3000' }, `${role} is reached at its service`);
  });

  it('publishes the gateway’s port and no other service’s (the stores’ at most on the host’s loopback)', () => {
    const published = Object.entries(compose.services).flatMap(([name, service]) => (service.ports ?? []).map((port) => ({ name, port: String(port) })));
    assert.deepEqual(
      published.filter(({ name }) => roles.includes(name as (typeof roles)[number])),
      [{ name: 'gateway', port: '3000:3000' }],
    );
    for (const { name, port } of published.filter(({ name }) => STORES.includes(name))) assert.match(port, /^127\.0\.0\.1:/, `${name} publishes ${port}`);
  });

  it('checks the health of every service', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      const test = service.healthcheck?.test ?? [];
      assert.ok(test.length > 0, `${name} has a health check`);
      if (!roles.includes(name as (typeof roles)[number])) continue;
      const path = name === 'payment-gateway' ? '/health' : name === 'gateway' || name === 'projector' ? '/health/live' : '/health/ready';
      assert.ok(test.join(' ').includes(`http://127.0.0.1:3000${path}'`), `${name} asks ${path}: ${test.join(' ')}`);
    }
  });

  it('starts each service once what it needs is healthy: the stores, the payment gateway for the saga workers, every role for the gateway', () => {
    const needs = (role: string): string[] => {
      if (role === 'payment-gateway') return [];
      if (role === 'gateway') return ['redis', ...roles.filter((name) => !['gateway', 'payment-gateway'].includes(name))];
      if (role === 'saga-worker') return [...STORES, 'payment-gateway'];
      return STORES;
    };
    for (const role of roles) {
      const dependsOn = compose.services[role]?.depends_on ?? {};
      assert.deepEqual(Object.keys(dependsOn).sort(), needs(role).sort(), `${role} depends on`);
      for (const [name, { condition }] of Object.entries(dependsOn)) assert.equal(condition, 'service_healthy', `${role} waits for ${name} to be healthy`);
    }
  });

  it('builds from a Dockerfile whose copied paths exist', () => {
    const dockerfile = readFileSync('Dockerfile', 'utf8');
    for (const [, source] of dockerfile.matchAll(/^COPY (?!--from)(\S+)/gm)) assert.ok(existsSync(source!), `${source} is copied but missing`);
  });
});

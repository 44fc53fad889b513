import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { loadConfig, SERVICE_ROLES } from '../../src/infrastructure/config/config.js';

// No Docker engine runs here, so the compose file is checked by reading it: every role is there,
// each service's environment passes the same validation as the process would apply at boot.
interface Service {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, unknown>;
}

const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as { services: Record<string, Service> };
const roles = SERVICE_ROLES.filter((role) => role !== 'all');
/** Compose interpolation as `docker compose` does it when nothing is set: `:-` takes the default, `:?` must be given. */
const resolve = (value: string) =>
  value.replace(/\$\{(\w+)(?::([?-])([^}]*))?\}/g, (_match, name: string, kind?: string, fallback?: string) =>
    kind === '-' ? (fallback ?? '') : `given-${name}`,
  );

describe('docker-compose.yml (production topology)', () => {
  it('runs EventStoreDB in insecure dev mode, MongoDB and Redis', () => {
    assert.match(compose.services.eventstore?.image ?? '', /^eventstore\/eventstore:/);
    assert.equal(compose.services.eventstore?.environment?.EVENTSTORE_INSECURE, 'true');
    assert.match(compose.services.mongo?.image ?? '', /^mongo:[6-9]/);
    assert.match(compose.services.redis?.image ?? '', /^redis:/);
  });

  it('runs Redis without evicting keys, as BullMQ requires', () => {
    const command = compose.services.redis?.command ?? [];
    assert.equal(command[command.indexOf('--maxmemory-policy') + 1], 'noeviction');
  });

  for (const role of roles) {
    it(`runs the ledgerflow image in the ${role} role with a valid configuration`, () => {
      const service = compose.services[role];
      assert.ok(service, `service ${role} is missing`);
      assert.equal(service.build, '.');
      const environment = Object.fromEntries(Object.entries(service.environment ?? {}).map(([name, value]) => [name, resolve(String(value))]));
      const config = loadConfig(environment);
      assert.equal(config.SERVICE_ROLE, role);
      assert.match(config.EVENTSTORE_URL ?? '', /^esdb:\/\/eventstore:2113\?tls=false$/);
      assert.match(config.MONGODB_URL ?? '', /^mongodb:\/\/mongo:27017\//);
      assert.match(config.REDIS_URL ?? '', /^redis:\/\/redis:6379$/);
    });
  }

  it('starts the services after their dependencies are healthy', () => {
    for (const role of roles.filter((name) => name !== 'payment-gateway')) {
      const dependsOn = compose.services[role]?.depends_on ?? {};
      assert.deepEqual(Object.keys(dependsOn).sort(), ['eventstore', 'mongo', 'redis']);
    }
  });

  it('builds from a Dockerfile whose copied paths exist', () => {
    const dockerfile = readFileSync('Dockerfile', 'utf8');
    for (const [, source] of dockerfile.matchAll(/^COPY (?!--from)(\S+)/gm)) assert.ok(existsSync(source!), `${source} is copied but missing`);
  });
});

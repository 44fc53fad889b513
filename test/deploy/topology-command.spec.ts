import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { allModules } from '../../src/infrastructure/modules/all-modules.js';
import { httpClient } from '../api/api-client.js';
import { TEST_ADMIN } from '../support/http-platform.js';
import { pendingByDesign } from '../support/pending-by-design.js';
import { commandLineOf, running, treeOf, within } from '../support/processes.js';
import { freePort, outputMatches, runScriptToExit } from '../support/server-process.js';

// `npm run topology`: every role as a process of its own, the gateway on PORT, over one Redis, one MongoDB and one
// embedded event-store file.

const ROLES = ['gateway', 'users-api', 'catalog-api', 'orders-api', 'markets-api', 'projector', 'saga-worker', 'payment-gateway'];
/** With `--projectors 2 --saga-workers 2`. */
const INSTANCES = [...ROLES, 'projector-2', 'saga-worker-2'];
const PROJECTIONS = allModules.flatMap((module) => module.projections ?? []).length;
const redisUrl = process.env.REDIS_URL;
const mongoUrl = process.env.MONGODB_URL;

describe('npm run topology', function () {
  this.timeout(30_000);

  it('refuses to start without REDIS_URL and MONGODB_URL, in one line that says how', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ledgerflow-topology-'));
    try {
      const { code, output } = await runScriptToExit('scripts/topology.ts', { DATA_DIR: dataDir, PORT: '0' });
      assert.equal(code, 1);
      assert.equal(output.trim().split('\n').length, 1, output);
      assert.match(output, /^npm run topology needs REDIS_URL and MONGODB_URL .* e\.g\. REDIS_URL=redis:\/\/\S+ MONGODB_URL=mongodb:\/\/\S+ npm run topology\n$/);
      const onlyRedis = await runScriptToExit('scripts/topology.ts', { DATA_DIR: dataDir, PORT: '0', REDIS_URL: 'redis://127.0.0.1:1' });
      assert.equal(onlyRedis.code, 1);
      assert.match(onlyRedis.output, /^npm run topology needs MONGODB_URL /);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses an unknown option, or a count of projectors or saga workers out of range, in one line that says how', async () => {
    const usage = 'npm run topology \\[-- \\[--projectors N\\] \\[--saga-workers N\\]\\]';
    for (const [args, message] of [
      [['--saga-workers', '10'], '--saga-workers 10 is not a number from 1 to 9'],
      [['--projectors', 'two'], '--projectors two is not a number from 1 to 9'],
      [['--replicas', '2'], "Unknown option '--replicas'"],
    ] as const) {
      const { code, output } = await runScriptToExit('scripts/topology.ts', { PORT: '0' }, 30_000, args);
      assert.equal(code, 1, output);
      assert.match(output, new RegExp(`^${message}[^\\n]*: ${usage}\\n$`), output);
    }
  });

  const title = 'starts every role as a process behind the gateway, a second projector and saga worker too, and stops them all on SIGTERM';
  if (!redisUrl || !mongoUrl) {
    pendingByDesign(`npm run topology: ${title}`, {
      needs: !redisUrl ? 'REDIS_URL' : 'MONGODB_URL',
      reason: 'the topology needs Redis and MongoDB: set REDIS_URL and MONGODB_URL (CI does) to run',
    })!.add(title);
    return;
  }

  it(title, async function () {
    this.timeout(180_000);
    const dataDir = mkdtempSync(join(tmpdir(), 'ledgerflow-topology-'));
    const database = `ledgerflow_topology_${randomUUID().replaceAll('-', '')}`;
    const mongo = new URL(mongoUrl);
    mongo.pathname = `/${database}`;
    const port = await freePort();
    let script: ChildProcess | undefined;
    let pids: number[] = [];
    try {
      script = spawn(process.execPath, ['--import', 'tsx', 'scripts/topology.ts', '--projectors', '2', '--saga-workers', '2'], {
        env: {
          ...process.env,
          PORT: String(port),
          DATA_DIR: dataDir,
          REDIS_URL: redisUrl,
          MONGODB_URL: mongo.toString(),
          EVENTSTORE_URL: '',
          SAGA_QUEUE: `topology-${randomUUID()}`,
          ADMIN_EMAIL: TEST_ADMIN.email,
          ADMIN_PASSWORD: TEST_ADMIN.password,
          LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      script.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      script.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => script!.once('exit', (code) => resolve(code)));
      await outputMatches(() => output, (text) => text.includes('Ctrl-C stops every role') || script!.exitCode !== null, 150_000);
      assert.equal(script.exitCode, null, output);
      pids = treeOf(script.pid!).filter((pid) => pid !== script!.pid);
      assert.equal(pids.filter((pid) => commandLineOf(pid).includes('src/main.')).length, INSTANCES.length, 'a server process per instance');

      const call = httpClient(`http://127.0.0.1:${port}`);
      await within(30_000, 'every role is ready behind the gateway', async () => (await call('GET', '/health/ready')).status === 200);
      const ready = await call('GET', '/health/ready');
      const routed = ROLES.filter((role) => !['gateway', 'payment-gateway'].includes(role));
      assert.deepEqual(ready.body.checks.map((check: { name: string }) => check.name).sort(), routed.sort(), 'one check per role the gateway routes to');
      const admin = await call('POST', '/api/v1/auth/token', { body: TEST_ADMIN });
      assert.equal(admin.status, 200, JSON.stringify(admin.body));
      const projections = await call('GET', '/api/v1/projections', { token: admin.body.accessToken });
      assert.equal(projections.status, 200, 'a token the users API signed is good at the projector: one key for every role');
      assert.ok(existsSync(join(dataDir, 'events.sqlite')) && existsSync(join(dataDir, 'jwt-keys.json')), 'one event store file and one key in DATA_DIR');

      for (const line of output.trimEnd().split('\n')) {
        const prefix = line.split(' | ')[0]!.trim();
        assert.ok([...INSTANCES, 'topology'].includes(prefix), `every line says which role wrote it: ${line}`);
      }
      for (const name of INSTANCES) assert.match(output, new RegExp(`^${name} +\\| .*is serving`, 'm'), `${name} started`);
      const leasesTaken = (name: string) => output.split('\n').filter((line) => line.startsWith(`${name} `) && line.includes('projection lease taken')).length;
      assert.deepEqual([leasesTaken('projector'), leasesTaken('projector-2')], [PROJECTIONS, 0], 'the first projector takes every lease, the second stands by');

      script.kill('SIGTERM');
      assert.equal(await exited, 0, output);
      await within(5_000, 'every role has exited', () => pids.every((pid) => !running(pid)));
      for (const name of INSTANCES) assert.match(output, new RegExp(`^${name} +\\| .*ledgerflow stopped`, 'm'), `${name} stopped gracefully`);
    } finally {
      for (const pid of [...pids, script?.pid ?? 0].filter(Boolean))
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      const client = await MongoClient.connect(mongoUrl);
      await client.db(database).dropDatabase();
      await client.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

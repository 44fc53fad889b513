import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pendingByDesign } from '../support/pending-by-design.js';
import { eventually } from '../support/saga-flow.js';
import { runScriptToExit, type ServerProcess, startServerProcess } from '../support/server-process.js';

const admin = { email: 'admin@example.com', password: 'admin-password-1' };
const title = 'process: projectors on one data directory, taking turns under Redis leases';
const redisUrl = process.env.REDIS_URL;

type Projection = { name: string; position: string; status: string; lease: { holder: string | null; here: boolean } | null };

if (!redisUrl) {
  const pending = pendingByDesign(title, { needs: 'REDIS_URL', reason: 'no Redis server: set REDIS_URL (CI starts redis-server) to run' })!;
  pending.add('a projector runs beside the all-in-one server; killed, the server’s leases pass to it, and an API role reads its own writes');
  pending.add('npm run rebuild-projections refuses while a projector holds a lease, naming it, and rebuilds once none does');
} else {
  describe(title, function () {
    this.timeout(180_000);
    let dataDir: string;
    const servers: ServerProcess[] = [];
    const start = async (env: Record<string, string>) => {
      const server = await startServerProcess({
        DATA_DIR: dataDir,
        REDIS_URL: redisUrl,
        PROJECTION_LEASE_MS: '1500',
        ADMIN_EMAIL: admin.email,
        ADMIN_PASSWORD: admin.password,
        ...env,
      });
      servers.push(server);
      return server;
    };
    const token = async (server: ServerProcess): Promise<string> => {
      const answer = await fetch(`${server.url}/api/v1/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(admin) });
      return ((await answer.json()) as { accessToken: string }).accessToken;
    };
    const projections = async (server: ServerProcess, bearer: string): Promise<Projection[]> =>
      ((await (await fetch(`${server.url}/api/v1/projections`, { headers: { authorization: `Bearer ${bearer}` } })).json()) as { items: Projection[] }).items;

    beforeEach(() => (dataDir = mkdtempSync(join(tmpdir(), 'ledgerflow-projectors-'))));
    afterEach(async () => {
      for (const server of servers.splice(0)) {
        if (server.child.exitCode !== null || server.child.signalCode !== null) continue;
        server.child.kill('SIGTERM');
        await server.exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('a projector runs beside the all-in-one server; killed, the server’s leases pass to it, and an API role reads its own writes', async () => {
      const all = await start({});
      const projector = await start({ SERVICE_ROLE: 'projector' });
      const catalog = await start({ SERVICE_ROLE: 'catalog-api' });
      const bearer = await token(all);
      const before = await projections(projector, bearer);
      assert.ok(before.length > 0);
      for (const projection of before) assert.ok(projection.lease && !projection.lease.here && projection.lease.holder?.includes(':all:'), JSON.stringify(projection));

      all.child.kill('SIGKILL');
      await all.exited;
      const created = await fetch(`${catalog.url}/api/v1/products`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
        body: JSON.stringify({ sku: 'MUG-1', name: 'Mug', price: { amount: 1250, currency: 'EUR' }, initialStock: 3 }),
      });
      assert.equal(created.status, 201);
      const { id } = (await created.json()) as { id: string };
      // Waits while the lease passes (1.5 s after the server's last renewal), within the 5 s of X-Min-Position.
      const read = await fetch(`${catalog.url}/api/v1/products/${id}`, { headers: { 'X-Min-Position': created.headers.get('x-position')! } });
      assert.equal(read.status, 200);
      assert.equal(((await read.json()) as { stock: { onHand: number } }).stock.onHand, 3);
      // Each lease runs out on its own clock (its last renewal) and is taken at the projector's next try (every 300 ms).
      await eventually('leases held by the projector', () => projections(projector, bearer), (items) => items.every((projection) => projection.lease?.here), 5_000);
      const metrics = await (await fetch(`${projector.url}/metrics`)).text();
      assert.match(metrics, /^ledgerflow_projection_writer\{projection="products"\} 1$/m);
    });

    it('npm run rebuild-projections refuses while a projector holds a lease, naming it, and rebuilds once none does', async () => {
      const projector = await start({ SERVICE_ROLE: 'projector' });
      const env = { DATA_DIR: dataDir, REDIS_URL: redisUrl, PROJECTION_LEASE_MS: '1500' };
      const refused = await runScriptToExit('scripts/rebuild-projections.ts', env, 60_000);
      assert.equal(refused.code, 1, refused.output);
      assert.match(refused.output, /read model is being written by projector [^ ]+:projector:/);
      assert.match(refused.output, /POST \/api\/v1\/projections\/:name\/rebuild/);

      projector.child.kill('SIGTERM');
      await projector.exited;
      const rebuilt = await runScriptToExit('scripts/rebuild-projections.ts', env, 60_000);
      assert.equal(rebuilt.code, 0, rebuilt.output);
      assert.match(rebuilt.output, /rebuilt 5 projection\(s\)/);
    });
  });
}

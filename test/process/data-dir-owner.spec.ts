import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScriptToExit, runServerToExit, type ServerProcess, startServerProcess } from '../support/server-process.js';

const admin = { email: 'admin@example.com', password: 'admin-password-1' };
const linesOf = (output: string) => output.split('\n').filter((line) => line.trim() !== '');

describe('process: one owner per data directory', function () {
  this.timeout(90_000);
  let dataDir: string;
  const servers: ServerProcess[] = [];
  const start = async (env: Record<string, string> = {}) => {
    const server = await startServerProcess({ DATA_DIR: dataDir, ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password, ...env });
    servers.push(server);
    return server;
  };
  const stop = async (server: ServerProcess) => {
    server.child.kill('SIGTERM');
    await server.exited;
  };

  beforeEach(() => (dataDir = mkdtempSync(join(tmpdir(), 'ledgerflow-owner-'))));
  afterEach(async () => {
    for (const server of servers.splice(0)) if (server.child.exitCode === null && server.child.signalCode === null) await stop(server);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a second server on the directory refuses in one line naming it and the owner, exits 1; the owner serves on', async () => {
    const owner = await start();
    const second = await runServerToExit({ PORT: '0', DATA_DIR: dataDir });
    assert.equal(second.code, 1, second.output);
    const lines = linesOf(second.output);
    assert.equal(lines.length, 1, second.output);
    assert.ok(lines[0]!.includes(`DATA_DIR ${dataDir} is owned by another ledgerflow process (pid ${owner.child.pid}, role all`), second.output);
    assert.equal((await fetch(`${owner.url}/health/ready`)).status, 200);
  });

  it('so does a projector: it would write the same read models', async () => {
    const owner = await start();
    const projector = await runServerToExit({ PORT: '0', DATA_DIR: dataDir, SERVICE_ROLE: 'projector' });
    assert.equal(projector.code, 1, projector.output);
    assert.ok(projector.output.includes(`is owned by another ledgerflow process (pid ${owner.child.pid}`), projector.output);
  });

  it('an API role, which only reads the read models and appends events, runs beside the owner', async () => {
    const owner = await start();
    const catalog = await start({ SERVICE_ROLE: 'catalog-api' });
    const token = ((await (await fetch(`${owner.url}/api/v1/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(admin) })).json()) as { accessToken: string }).accessToken;
    const created = await fetch(`${catalog.url}/api/v1/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ sku: 'MUG-1', name: 'Mug', price: { amount: 1250, currency: 'EUR' }, initialStock: 3 }),
    });
    assert.equal(created.status, 201);
    const { id } = (await created.json()) as { id: string };
    const read = await fetch(`${catalog.url}/api/v1/products/${id}`, { headers: { 'X-Min-Position': created.headers.get('x-position')! } });
    assert.equal(read.status, 200);
    assert.equal(((await read.json()) as { stock: { onHand: number } }).stock.onHand, 3);
  });

  it('a killed owner leaves nothing stale: the next server takes the directory at once', async () => {
    const owner = await start();
    owner.child.kill('SIGKILL');
    await owner.exited;
    const next = await start();
    assert.equal((await fetch(`${next.url}/health/ready`)).status, 200);
  });

  it('a stopped owner gives the directory up: its note is gone and the next server takes it', async () => {
    const owner = await start();
    assert.ok(existsSync(join(dataDir, 'owner.json')));
    await stop(owner);
    assert.ok(!existsSync(join(dataDir, 'owner.json')));
    await start();
  });

  it('npm run rebuild-projections refuses while a server owns the directory, and rebuilds once it has stopped', async () => {
    const owner = await start();
    const refused = await runScriptToExit('scripts/rebuild-projections.ts', { DATA_DIR: dataDir });
    assert.equal(refused.code, 1, refused.output);
    assert.ok(refused.output.includes(`DATA_DIR ${dataDir} is owned by another ledgerflow process (pid ${owner.child.pid}`), refused.output);
    assert.match(refused.output, /POST \/api\/v1\/projections\/:name\/rebuild/);
    await stop(owner);
    const rebuilt = await runScriptToExit('scripts/rebuild-projections.ts', { DATA_DIR: dataDir });
    assert.equal(rebuilt.code, 0, rebuilt.output);
    assert.match(rebuilt.output, /rebuilt \d+ projection\(s\)/);
  });
});

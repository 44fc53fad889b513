import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/infrastructure/config/config.js';
import { describeProfile } from '../../src/infrastructure/process/profile.js';
import { plainText, running, runOnTerminal, within } from '../support/processes.js';
import { freePort, outputMatches, runServerToExit, startServerProcess } from '../support/server-process.js';

const admin = { email: 'admin@example.com', password: 'admin-password-1' };
const linesOf = (output: string) => output.split('\n').filter((line) => line.trim() !== '');

describe('process: startup and shutdown lines a person can read', function () {
  this.timeout(90_000);
  let dataDir: string;
  beforeEach(() => (dataDir = mkdtempSync(join(tmpdir(), 'ledgerflow-lines-'))));
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('off a terminal: every line JSON; the startup line gives the URL, role, profile, stores, data directory and the admin', async () => {
    const server = await startServerProcess({ DATA_DIR: dataDir, LOG_LEVEL: 'info', ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password });
    const port = new URL(server.url).port;
    await outputMatches(server.output, (text) => text.includes('ledgerflow is serving'));
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
    const lines = linesOf(server.output()).map((line) => JSON.parse(line) as Record<string, unknown>);
    const serving = lines.find((line) => String(line.msg).startsWith('ledgerflow is serving'));
    assert.deepEqual(
      { ...serving, level: undefined, time: undefined, pid: undefined, hostname: undefined },
      {
        level: undefined,
        time: undefined,
        pid: undefined,
        hostname: undefined,
        msg: `ledgerflow is serving http://localhost:${port}`,
        url: `http://localhost:${port}`,
        port: Number(port),
        role: 'all',
        profile: 'embedded',
        eventStore: `sqlite ${join(dataDir, 'events.sqlite')}`,
        readModels: `sqlite ${join(dataDir, 'read-models.sqlite')}`,
        jobs: 'in-process',
        dataDir,
        paymentGateway: 'the bundled simulator',
        admin: `${admin.email} ensured`,
      },
    );
    const messages = lines.map((line) => line.msg);
    assert.ok(messages.includes('SIGTERM: stopping, once in-flight work has finished'), messages.join('\n'));
    assert.equal(messages.at(-1), 'ledgerflow stopped');
  });

  it('says so when no admin is ensured', async () => {
    const server = await startServerProcess({ DATA_DIR: dataDir, LOG_LEVEL: 'info' });
    const output = await outputMatches(server.output, (text) => text.includes('ledgerflow is serving'));
    server.child.kill('SIGTERM');
    await server.exited;
    const serving = linesOf(output)
      .map((line) => JSON.parse(line) as { msg: string; admin?: string })
      .find((line) => line.msg.startsWith('ledgerflow is serving'));
    assert.equal(serving?.admin, 'none ensured (set ADMIN_EMAIL and ADMIN_PASSWORD for one)');
  });

  it('names servers without their credentials', () => {
    const summary = describeProfile(
      loadConfig({
        EVENTSTORE_URL: 'esdb://admin:changeit@eventstore:2113?tls=false',
        MONGODB_URL: 'mongodb://ledger:s3cret@mongo:27017/ledgerflow',
        REDIS_URL: 'redis://:hunter22@redis:6379',
        PAYMENT_GATEWAY_URL: 'http://pay:t0ken@payments:3000',
        SERVICE_ROLE: 'saga-worker',
      }),
    );
    assert.equal(summary.profile, 'production');
    assert.equal(summary.eventStore, 'esdb://eventstore:2113?tls=false');
    assert.equal(summary.readModels, 'mongodb://mongo:27017/ledgerflow');
    assert.equal(summary.jobs, 'redis://redis:6379');
    assert.equal(summary.paymentGateway, 'http://payments:3000/');
    assert.doesNotMatch(JSON.stringify(summary), /changeit|s3cret|hunter22|t0ken/);
  });

  it('a failure to start is a line in the same format (JSON off a terminal)', async () => {
    const { code, output } = await runServerToExit({ PORT: 'abc', LOG_LEVEL: 'info' });
    assert.equal(code, 1);
    const [line, ...more] = linesOf(output);
    assert.deepEqual(more, []);
    const parsed = JSON.parse(line!) as { level: number; msg: string };
    assert.equal(parsed.level, 60);
    assert.match(parsed.msg, /^invalid configuration: PORT: "abc" is not a port/);
  });

  it('on a terminal: pretty lines (pino-pretty), not one JSON line among them, from startup to stop', async () => {
    const port = await freePort();
    const { EVENTSTORE_URL: _events, MONGODB_URL: _mongo, REDIS_URL: _redis, ...inherited } = process.env;
    // util-linux `script` runs the server on a pseudo-terminal of its own: stdout is a TTY there.
    const terminal = runOnTerminal(`${process.execPath} --import tsx src/main.ts`, {
      ...inherited,
      PORT: String(port),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      ADMIN_EMAIL: admin.email,
      ADMIN_PASSWORD: admin.password,
    });
    try {
      await outputMatches(terminal.output, (text) => text.includes(`ledgerflow is serving http://localhost:${port}`), 60_000);
      const server = terminal.find(`${process.execPath} --import tsx src/main.ts`);
      assert.ok(server, 'the server under the terminal');
      process.kill(server, 'SIGTERM');
      await outputMatches(terminal.output, (text) => text.includes('ledgerflow stopped'));
      await within(10_000, 'the terminal closed', () => !running(terminal.pid));
    } finally {
      terminal.killAll();
      await terminal.exited;
    }
    const plain = plainText(terminal.output());
    const lines = linesOf(plain);
    assert.deepEqual(
      lines.filter((line) => line.trimStart().startsWith('{')),
      [],
      plain,
    );
    assert.match(plain, new RegExp(`^\\[[\\d:.]+\\] INFO: ledgerflow is serving http://localhost:${port}$`, 'm'));
    assert.match(plain, /^\s+profile: "embedded"$/m);
    assert.match(plain, new RegExp(`^\\s+dataDir: "${dataDir}"$`, 'm'));
    assert.match(plain, /^\s+admin: "admin@example.com ensured"$/m);
    assert.match(plain, /^\[[\d:.]+\] INFO: SIGTERM: stopping, once in-flight work has finished$/m);
    assert.match(plain, /^\[[\d:.]+\] INFO: ledgerflow stopped$/m);
  });
});

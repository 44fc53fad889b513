import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandLineOf, portIsFree, running, treeOf, within } from '../support/processes.js';
import { freePort, outputMatches } from '../support/server-process.js';

interface Started {
  child: ChildProcess;
  port: number;
  output: () => string;
  exited: Promise<number | null>;
}

/** Runs `command args` (npm start, or node on the built JavaScript) in a process group of its own, until it serves. */
const startCommand = async (command: string, args: string[], dataDir: string): Promise<Started> => {
  const port = await freePort();
  const { EVENTSTORE_URL: _events, MONGODB_URL: _mongo, REDIS_URL: _redis, ...inherited } = process.env;
  const child = spawn(command, args, {
    env: { ...inherited, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await within(60_000, `${command} ${args.join(' ')} serves: ${output}`, async () => {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}: ${output}`);
    return fetch(`http://127.0.0.1:${port}/health/ready`).then(
      (answer) => answer.status === 200,
      () => false,
    );
  });
  return { child, port, output: () => output, exited };
};

const STOP_WITHIN_MS = 5_000;

/** Signals `target` (a pid, or a process group as -pgid) and expects every process of the tree gone and the port free. */
const stopsGracefully = async (started: Started, signal: NodeJS.Signals, target: number) => {
  const tree = treeOf(started.child.pid!);
  assert.ok(tree.length >= 2, `npm and the server: ${tree.join(', ')}`);
  process.kill(target, signal);
  await within(STOP_WITHIN_MS, `every process of ${tree.join(', ')} gone after ${signal}`, () => tree.every((pid) => !running(pid)));
  await within(STOP_WITHIN_MS, `port ${started.port} free`, () => portIsFree(started.port));
  assert.equal(await started.exited, 0, started.output());
  const output = await outputMatches(started.output, (text) => text.includes('ledgerflow stopped'));
  assert.equal(output.split('\n').filter((line) => line.includes(`"msg":"${signal}: stopping`)).length, 1, output);
};

describe('process: signals stop the whole platform gracefully', function () {
  this.timeout(120_000);
  let dataDir: string;
  let started: Started | undefined;
  beforeEach(() => (dataDir = mkdtempSync(join(tmpdir(), 'ledgerflow-signals-'))));
  afterEach(() => {
    // Whatever a failed case left running: the whole group.
    if (started?.child.pid !== undefined && treeOf(started.child.pid).some(running))
      try {
        process.kill(-started.child.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    started = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`npm start, ${signal} to npm's own pid: the server finishes, every process exits, the port is free`, async () => {
      started = await startCommand('npm', ['start'], dataDir);
      await stopsGracefully(started, signal, started.child.pid!);
    });
  }

  it("npm start, SIGINT to the whole process group (a terminal's Ctrl-C: the server gets it twice): one graceful stop", async () => {
    started = await startCommand('npm', ['start'], dataDir);
    await stopsGracefully(started, 'SIGINT', -started.child.pid!);
  });

  it('SIGHUP (a closed terminal, or nohup: Node does not keep its ignore) stops the server gracefully too', async () => {
    started = await startCommand('nohup', [process.execPath, '--import', 'tsx', 'src/main.ts'], dataDir);
    process.kill(started.child.pid!, 'SIGHUP');
    await within(STOP_WITHIN_MS, 'the server gone after SIGHUP', () => !running(started!.child.pid!));
    assert.equal(await started.exited, 0, started.output());
    assert.match(started.output(), /"msg":"SIGHUP: stopping[^]*"msg":"ledgerflow stopped"/);
    assert.ok(await portIsFree(started.port));
  });

  it('the built JavaScript (npm run build, as the Dockerfile runs it) serves without a TypeScript loader and stops on SIGTERM', async function () {
    this.timeout(240_000);
    mkdirSync('.tmp', { recursive: true });
    const outDir = mkdtempSync(join('.tmp', 'build-'));
    try {
      const build = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--outDir', outDir], { encoding: 'utf8' });
      assert.equal(build.status, 0, build.stdout + build.stderr);
      const dockerfile = readFileSync('Dockerfile', 'utf8');
      assert.match(dockerfile, /^RUN npm run build/m);
      assert.match(dockerfile, /^CMD \["node", "dist\/src\/main\.js"\]$/m, 'the image runs the built main with plain node');
      started = await startCommand(process.execPath, [join(outDir, 'src/main.js')], dataDir);
      assert.doesNotMatch(commandLineOf(started.child.pid!), /tsx/);
      const tree = treeOf(started.child.pid!);
      process.kill(started.child.pid!, 'SIGTERM');
      await within(STOP_WITHIN_MS, 'the server gone after SIGTERM', () => tree.every((pid) => !running(pid)));
      assert.equal(await started.exited, 0, started.output());
      assert.ok(await portIsFree(started.port));
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  });
});

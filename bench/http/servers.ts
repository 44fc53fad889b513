/** Child processes for the HTTP bench: ledgerflow as `npm start` runs it, and the bare Express ceiling. */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Child {
  name: string;
  url: string;
  process: ChildProcess;
  /** CPU time (user + system, every thread) the process has used so far, in seconds; undefined off Linux. */
  cpuSeconds(): number | undefined;
  /** SIGTERM, then wait for the exit (a --cpu-prof profile is written on a clean exit). */
  stop(): Promise<void>;
}

export const freePort = async (): Promise<number> => {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const CLOCK_TICKS = 100;

/** utime + stime from /proc/<pid>/stat: CPU the process used, whoever else is running on the machine. */
const cpuSecondsOf = (pid: number | undefined) => (): number | undefined => {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
};

const stopper = (child: ChildProcess, cleanup?: () => void) => async () => {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
  cleanup?.();
};

/** Keeps the last lines a child wrote to stderr, to explain a failure. */
const tail = (child: ChildProcess, name: string): (() => string) => {
  const lines: string[] = [];
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    lines.push(...chunk.split('\n').filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - 40));
  });
  return () => `${name} stderr:\n${lines.join('\n')}`;
};

export const startBareExpress = async (): Promise<Child> => {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/http/bare-server.ts')], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr = tail(child, 'bare express');
  child.stdout!.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: string) => chunk.includes('listening') && resolve());
    child.once('exit', (code) => reject(new Error(`bare express exited with ${code}\n${stderr()}`)));
  });
  return { name: 'bare Express 5', url: `http://127.0.0.1:${port}`, process: child, cpuSeconds: cpuSecondsOf(child.pid), stop: stopper(child) };
};

export interface LedgerflowOptions {
  adminEmail: string;
  adminPassword: string;
  /** A directory for `--cpu-prof` profiles; unset runs without the profiler. */
  cpuProfDir?: string;
}

/** `node --import tsx src/main.ts` on the embedded profile, in a fresh DATA_DIR; resolves once /health/ready is 200. */
export const startLedgerflow = async (options: LedgerflowOptions): Promise<Child> => {
  const port = await freePort();
  const dataDir = mkdtempSync(join(os.tmpdir(), 'ledgerflow-http-bench-'));
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  env.ADMIN_EMAIL = options.adminEmail;
  env.ADMIN_PASSWORD = options.adminPassword;
  for (const name of ['EVENTSTORE_URL', 'MONGODB_URL', 'REDIS_URL', 'PAYMENT_GATEWAY_URL', 'RATE_LIMIT_PER_MIN', 'SERVICE_ROLE', 'USERS_API_URL'])
    delete env[name];
  const args = [...(options.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfDir] : []), '--import', 'tsx', 'src/main.ts'];
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr = tail(child, 'ledgerflow');
  const url = `http://127.0.0.1:${port}`;
  const stop = stopper(child, () => rmSync(dataDir, { recursive: true, force: true }));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`ledgerflow exited with ${child.exitCode}\n${stderr()}`);
    const ready = await fetch(`${url}/health/ready`).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`ledgerflow was not ready within 60 s\n${stderr()}`);
    }
    await sleep(100);
  }
  return { name: 'ledgerflow', url, process: child, cpuSeconds: cpuSecondsOf(child.pid), stop };
};

/**
 * The saga bench's child processes: ledgerflow as `npm start` runs it (embedded, or with REDIS_URL for the saga jobs),
 * and a redis-server of the bench's own when REDIS_URL is not set.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { freePort, ROOT } from '../http/servers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** utime + stime of a process from /proc/<pid>/stat (USER_HZ = 100), in seconds; undefined off Linux. */
export const cpuSecondsOf = (pid: number | undefined): number | undefined => {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
};

/** Keeps the last lines a child wrote to stderr, to explain a failure (warnings of the platform included). */
const tail = (child: ChildProcess): { text: () => string; lines: () => number } => {
  const kept: string[] = [];
  let count = 0;
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = chunk.split('\n').filter(Boolean);
    count += lines.length;
    kept.push(...lines);
    kept.splice(0, Math.max(0, kept.length - 40));
  });
  return { text: () => kept.join('\n'), lines: () => count };
};

export interface PlatformOptions {
  adminEmail: string;
  adminPassword: string;
  /** The saga jobs on BullMQ and this Redis; unset: the embedded profile (jobs in the process's memory). */
  redisUrl?: string;
  /** A directory for `--cpu-prof` profiles; unset runs without the profiler. */
  cpuProfDir?: string;
}

export interface Platform {
  url: string;
  /** The fresh DATA_DIR: `events.sqlite` is the event store the bench follows. */
  dataDir: string;
  process: ChildProcess;
  /** CPU (user + system, every thread) the server has used so far, in seconds. */
  cpuSeconds(): number | undefined;
  /** Lines the server wrote to stderr (LOG_LEVEL=warn: warnings and errors only). */
  stderrLines(): number;
  stderrTail(): string;
  /** SIGTERM, wait for the exit (a --cpu-prof profile is written then), remove DATA_DIR. */
  stop(): Promise<void>;
}

/** `node --import tsx src/main.ts` in a fresh DATA_DIR, LOG_LEVEL=warn; resolves once /health/ready answers 200. */
export const startPlatform = async (options: PlatformOptions): Promise<Platform> => {
  const port = await freePort();
  const dataDir = mkdtempSync(join(os.tmpdir(), 'ledgerflow-sagas-bench-'));
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  for (const name of ['EVENTSTORE_URL', 'MONGODB_URL', 'REDIS_URL', 'SAGA_QUEUE', 'PAYMENT_GATEWAY_URL', 'RATE_LIMIT_PER_MIN', 'SERVICE_ROLE', 'USERS_API_URL'])
    delete env[name];
  for (const name of Object.keys(env)) if (name.startsWith('PAYMENT_') || name.startsWith('SAGA_')) delete env[name];
  env.ADMIN_EMAIL = options.adminEmail;
  env.ADMIN_PASSWORD = options.adminPassword;
  if (options.redisUrl) {
    env.REDIS_URL = options.redisUrl;
    env.SAGA_QUEUE = `sagas-bench-${port}`;
  }
  const args = [...(options.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfDir] : []), '--import', 'tsx', 'src/main.ts'];
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr = tail(child);
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`ledgerflow exited with ${child.exitCode}\n${stderr.text()}`);
    const ready = await fetch(`${url}/health/ready`).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`ledgerflow was not ready within 60 s\n${stderr.text()}`);
    }
    await sleep(100);
  }
  return {
    url,
    dataDir,
    process: child,
    cpuSeconds: () => cpuSecondsOf(child.pid),
    stderrLines: stderr.lines,
    stderrTail: stderr.text,
    stop,
  };
};

export interface Redis {
  url: string;
  /** Started by the bench (and shut down by `stop`), or the one REDIS_URL names. */
  own: boolean;
  version: string;
  /** CPU redis-server has used so far, when the bench started it. */
  cpuSeconds(): number | undefined;
  stop(): void;
}

const redisCli = (port: number, ...args: string[]) => spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' });

/** The Redis of REDIS_URL, or a redis-server of the bench's own: no persistence, never evicting, daemonized. */
export const startRedis = async (): Promise<Redis> => {
  const given = process.env.REDIS_URL;
  const serverVersion = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout ?? '';
  const version = /v=(\S+)/.exec(serverVersion)?.[1] ?? 'unknown';
  if (given) return { url: given, own: false, version, cpuSeconds: () => undefined, stop: () => undefined };
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction', '--daemonize', 'yes'];
  const started = spawnSync('redis-server', args, { encoding: 'utf8' });
  if (started.error) throw new Error(`redis-server could not be started: ${started.error.message}`);
  for (let tries = 0; tries < 100; tries++) {
    if (redisCli(port, 'ping').stdout?.trim() === 'PONG') {
      const pid = Number(/process_id:(\d+)/.exec(redisCli(port, 'info', 'server').stdout ?? '')?.[1]);
      return {
        url: `redis://127.0.0.1:${port}`,
        own: true,
        version,
        cpuSeconds: () => (Number.isInteger(pid) && pid > 0 ? cpuSecondsOf(pid) : undefined),
        stop: () => void redisCli(port, 'shutdown', 'nosave'),
      };
    }
    await sleep(50);
  }
  throw new Error(`redis-server did not answer on port ${port}`);
};

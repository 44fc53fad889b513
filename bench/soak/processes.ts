/** The soak's processes under fault: ledgerflow (SIGKILLed and started again on the same port and data) and Redis. */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, ROOT } from '../http/servers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `node --import tsx src/main.ts` as `npm start` runs it, on one port and one DATA_DIR however often it is killed. */
export class RestartableServer {
  private child: ChildProcess | undefined;
  private readonly lastLines: string[] = [];
  /** Lines at level error or fatal the server wrote, over all its lives. */
  readonly errors: string[] = [];
  starts = 0;
  kills = 0;
  /** Seconds from each start (the first excepted) until /health/ready answered 200. */
  readonly restartSeconds: number[] = [];

  private constructor(
    readonly url: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  static async create(env: Record<string, string>): Promise<RestartableServer> {
    const port = await freePort();
    const inherited = { ...process.env };
    for (const name of Object.keys(inherited))
      if (/^(EVENTSTORE|MONGODB|REDIS|PAYMENT_GATEWAY)_URL$|^(SAGA|PAYMENT|SIGNIN|RATE_LIMIT|SERVICE_ROLE)/.test(name)) delete inherited[name];
    return new RestartableServer(`http://127.0.0.1:${port}`, { ...inherited, LOG_LEVEL: 'warn', ...env, PORT: String(port) });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts it and resolves once /health/ready answers 200. */
  async start(readyTimeoutMs = 120_000): Promise<void> {
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: ROOT, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.starts++;
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        this.lastLines.push(line);
        if (/"level":(50|60)/.test(line)) this.errors.push(line.slice(0, 2000));
      }
      this.lastLines.splice(0, Math.max(0, this.lastLines.length - 60));
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    for (;;) {
      if (child.exitCode !== null) throw new Error(`ledgerflow exited with ${child.exitCode} while starting:\n${this.output()}`);
      const ready = await fetch(`${this.url}/health/ready`).then(
        (response) => response.status === 200,
        () => false,
      );
      if (ready) break;
      if (Date.now() - started > readyTimeoutMs) throw new Error(`ledgerflow was not ready within ${readyTimeoutMs} ms:\n${this.output()}`);
      await sleep(100);
    }
    if (this.starts > 1) this.restartSeconds.push((Date.now() - started) / 1000);
  }

  /** SIGKILL: no shutdown at all, whatever it was doing. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
    this.kills++;
  }

  /** SIGTERM and wait for the clean exit; its exit code. */
  async stop(): Promise<number | null> {
    const child = this.child;
    if (!child || !this.running) return child?.exitCode ?? null;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const [code] = (await exited) as [number | null];
    clearTimeout(timer);
    return code;
  }

  output(): string {
    return this.lastLines.join('\n');
  }
}

export type RedisRestart = 'kept' | 'emptied';

const redisCli = (port: number, ...args: string[]) => spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' });

/**
 * A redis-server of the soak's own (restarting one that REDIS_URL names is not the soak's to do): never evicting, no
 * automatic snapshots; a `kept` restart writes a snapshot on shutdown and loads it back, an `emptied` one starts with
 * nothing (as a Redis without persistence comes back after a crash).
 */
export class RestartableRedis {
  readonly restarts: RedisRestart[] = [];

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(dir: string): Promise<RestartableRedis> {
    const redis = new RestartableRedis(await freePort(), dir);
    await redis.launch();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static available(): boolean {
    return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
  }

  /** Stops it (saving a snapshot when `kept`), stays down for `downMs`, and starts it again. */
  async restart(kind: RedisRestart, downMs: number): Promise<void> {
    redisCli(this.port, 'shutdown', kind === 'kept' ? 'save' : 'nosave');
    if (kind === 'emptied') rmSync(join(this.dir, 'dump.rdb'), { force: true });
    await sleep(downMs);
    await this.launch();
    this.restarts.push(kind);
  }

  stop(): void {
    redisCli(this.port, 'shutdown', 'nosave');
  }

  private async launch(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--dbfilename', 'dump.rdb', '--save', '', '--appendonly', 'no'];
    spawnSync('redis-server', [...args, '--maxmemory-policy', 'noeviction', '--daemonize', 'yes'], { stdio: 'ignore' });
    for (let tries = 0; tries < 200; tries++) {
      if (redisCli(this.port, 'ping').stdout?.trim() === 'PONG') return;
      await sleep(50);
    }
    throw new Error(`redis-server did not start on port ${this.port}`);
  }
}

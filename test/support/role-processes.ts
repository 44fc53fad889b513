import assert from 'node:assert/strict';
import { roleLines } from '../../scripts/topology/role-lines.js';
import { type RoleProcess, startRoleProcess } from '../../scripts/topology/role-process.js';

/** Lines of a role's log kept for a failure message. */
const TAIL = 30;

interface Running {
  role: string;
  env: NodeJS.ProcessEnv;
  process: RoleProcess;
  /** Once it serves. */
  url: string | undefined;
  tail: string[];
  /** The spec stopped or killed it: its exit is no failure. */
  stopping: boolean;
}

/**
 * The roles of a topology spec, each a process of its own started as `npm run topology` starts them
 * (scripts/topology/role-process.ts). A role that exits without being asked to is reported at once with the last
 * lines of its log, and fails the next `eventually` or `assertAlive`.
 */
export class RoleProcesses {
  private readonly roles = new Map<string, Running>();
  private readonly deaths: string[] = [];

  /** Starts `name`, an instance of `role`, on a free port (or on `port`); resolves with its URL once it serves. */
  async start(name: string, role: string, env: NodeJS.ProcessEnv, port = 0): Promise<string> {
    const tail: string[] = [];
    const started = startRoleProcess(
      role,
      { ...env, PORT: String(port) },
      (line) => {
        tail.push(line);
        if (tail.length > TAIL) tail.shift();
      },
      name,
    );
    const running: Running = { role, env, process: started, url: undefined, tail, stopping: false };
    this.roles.set(name, running);
    void started.exited.then(({ code, signal }) => {
      if (running.stopping) return;
      const death = `${name} exited unexpectedly (${signal ?? `code ${code}`}); its last lines:\n${this.tailOf(name)}`;
      this.deaths.push(death);
      console.error(death);
    });
    try {
      running.url = await started.serving;
      return running.url;
    } catch (error) {
      throw new Error(`${(error as Error).message}; its last lines:\n${this.tailOf(name)}`, { cause: error });
    }
  }

  /** Starts `name` again as it was started, on the port it served on (the others were told its URL). */
  restart(name: string): Promise<string> {
    const { role, env } = this.get(name);
    return this.start(name, role, env, Number(new URL(this.url(name)).port));
  }

  url(name: string): string {
    const { url } = this.get(name);
    if (url === undefined) throw new Error(`${name} does not serve yet`);
    return url;
  }

  pid(name: string): number {
    return this.get(name).process.child.pid!;
  }

  /** SIGKILL, or SIGTERM (a graceful stop); resolves once it has exited. */
  async stop(name: string, signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
    const running = this.get(name);
    running.stopping = true;
    running.process.child.kill(signal);
    await running.process.exited;
  }

  /** Fails naming every role that exited without being asked to, with the last lines of its log. */
  assertAlive(): void {
    if (this.deaths.length > 0) assert.fail(this.deaths.join('\n\n'));
  }

  /** Polls `probe` until `check` holds, failing after `timeoutMs` with what it saw last, or as soon as a role dies. */
  async eventually<T>(what: string, timeoutMs: number, probe: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let seen: unknown;
    for (;;) {
      this.assertAlive();
      try {
        const value = await probe();
        if (check(value)) return value;
        seen = value;
      } catch (error) {
        seen = error instanceof Error ? error.message : error;
      }
      if (Date.now() > deadline) assert.fail(`${what}: not within ${timeoutMs} ms; last seen ${JSON.stringify(seen)?.slice(0, 2_000)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** The last lines `name` logged, as `npm run topology` shows them. */
  tailOf(name: string): string {
    const lines = roleLines(name, { level: 'trace', colorize: false, width: name.length });
    return this.get(name)
      .tail.map((line) => lines.format(line))
      .join('\n');
  }

  /** SIGKILL to every role still running, and waits (a little) for them to go. */
  async killAll(): Promise<void> {
    const all = [...this.roles.values()];
    for (const running of all) {
      running.stopping = true;
      running.process.child.kill('SIGKILL');
    }
    await Promise.race([Promise.all(all.map(({ process }) => process.exited)), new Promise((resolve) => setTimeout(resolve, 5_000))]);
  }

  private get(name: string): Running {
    const running = this.roles.get(name);
    if (!running) throw new Error(`no role named ${name} was started`);
    return running;
  }
}

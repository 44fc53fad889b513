import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
}

/** Runs the all-in-one server as `npm start` does (node --import tsx src/main.ts) in a child process, and waits until it is ready. */
export const startServerProcess = async (env: Record<string, string>, readyTimeoutMs = 30_000): Promise<ServerProcess> => {
  const port = await freePort();
  // The embedded profile unless the caller says otherwise: CI exports server URLs for other suites.
  const { EVENTSTORE_URL: _events, MONGODB_URL: _mongo, REDIS_URL: _redis, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...inherited, LOG_LEVEL: 'warn', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${output}`);
    try {
      if ((await fetch(`${url}/health/ready`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server not ready after ${readyTimeoutMs} ms: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, child, output: () => output, exited };
};

export interface FinishedProcess {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/**
 * Runs `node --import tsx src/main.ts` with exactly `env` over the embedded profile (PORT included: nothing is
 * chosen for the caller) and resolves once it exits; for the edges where the server must refuse to start.
 */
export const runServerToExit = (env: Record<string, string>, timeoutMs = 30_000): Promise<FinishedProcess> =>
  runScriptToExit('src/main.ts', env, timeoutMs);

/** Runs `node --import tsx <script> [args]` as runServerToExit does the server (e.g. scripts/rebuild-projections.ts). */
export const runScriptToExit = (script: string, env: Record<string, string>, timeoutMs = 30_000, args: readonly string[] = []): Promise<FinishedProcess> => {
  const { EVENTSTORE_URL: _events, MONGODB_URL: _mongo, REDIS_URL: _redis, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    env: { ...inherited, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`still running after ${timeoutMs} ms: ${output}`));
    }, timeoutMs);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output });
    });
  });
};

/** Resolves once `output()` satisfies `test`, polling; rejects with the output after `timeoutMs`. */
export const outputMatches = async (output: () => string, test: (text: string) => boolean, timeoutMs = 10_000): Promise<string> => {
  const deadline = Date.now() + timeoutMs;
  while (!test(output())) {
    if (Date.now() > deadline) throw new Error(`output never matched within ${timeoutMs} ms:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return output();
};

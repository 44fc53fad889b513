import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The server's entry point as this script runs: the TypeScript sources under tsx, or the compiled dist/. */
const MAIN = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../../src/main.ts' : '../../src/main.js', import.meta.url));

export interface RoleProcess {
  role: string;
  /** The instance: the role's name, or e.g. `projector-2` where a role runs more than once. */
  name: string;
  child: ChildProcess;
  /** Its base URL once it serves (from its startup line); rejects if it exits first. */
  serving: Promise<string>;
  /** Its exit code, or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `node src/main.ts` in `role` as a child process (with the same loader flags as this process) and passes
 * every line it writes, stdout and stderr, to `line`. Its URL is read from the line it logs once it listens
 * ("… is serving http://localhost:<port>"), which is why the roles are started at info level or below (on PORT=0,
 * or on a port chosen for them).
 */
export const startRoleProcess = (role: string, env: NodeJS.ProcessEnv, line: (text: string) => void, name = role): RoleProcess => {
  const child = spawn(process.execPath, [...process.execArgv, MAIN], { env: { ...env, SERVICE_ROLE: role }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const serving = new Promise<string>((resolve, reject) => {
    const read = (text: string) => {
      line(text);
      if (!text.startsWith('{')) return;
      try {
        const entry = JSON.parse(text) as { port?: unknown; msg?: unknown };
        if (typeof entry.port === 'number' && typeof entry.msg === 'string' && entry.msg.includes('is serving')) resolve(`http://127.0.0.1:${entry.port}`);
      } catch {
        // not a startup line
      }
    };
    createInterface({ input: child.stdout! }).on('line', read);
    createInterface({ input: child.stderr! }).on('line', read);
    void exited.then(({ code, signal }) => reject(new Error(`${name} exited before it served (${signal ?? `code ${code}`})`)));
  });
  // Told of through `exited` or `serving`, whichever the caller waits for.
  serving.catch(() => undefined);
  return { role, name, child, serving, exited };
};

import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

// Linux's /proc: the processes a command became (npm, a shell, node), found before they are signalled.

const stateOf = (pid: number): { ppid: number; state: string } | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: state!, ppid: Number(ppid) };
  } catch {
    return undefined;
  }
};

/** `pid` and every process below it. */
export const treeOf = (pid: number): number[] => [
  pid,
  ...readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry) && stateOf(Number(entry))?.ppid === pid)
    .flatMap((entry) => treeOf(Number(entry))),
];

/** The command line of a process, its arguments joined by spaces. */
export const commandLineOf = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
};

/** Running: a zombie waiting for its parent to read its status has stopped. */
export const running = (pid: number): boolean => {
  const state = stateOf(pid)?.state;
  return state !== undefined && state !== 'Z' && state !== 'X';
};

export const portIsFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, () => probe.close(() => resolve(true)));
  });

/** Resolves once `condition` holds, polling; rejects naming `what` after `ms`. */
export const within = async (ms: number, what: string, condition: () => boolean | Promise<boolean>): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

export interface OnTerminal {
  /** The pid of `script`, which holds the terminal. */
  pid: number;
  output(): string;
  exited: Promise<number | null>;
  /** The pid of the first process under the terminal whose command line starts with `prefix`. */
  find(prefix: string): number | undefined;
  /** SIGKILL to the terminal and every process under it (what a failed case leaves running). */
  killAll(): void;
}

/**
 * Runs a command on a pseudo-terminal of its own (util-linux `script`): its stdin, stdout and stderr are a TTY there.
 * The shell that `script` starts execs the command, so that nothing stands between the terminal and the command.
 */
export const runOnTerminal = (command: string, env: NodeJS.ProcessEnv): OnTerminal => {
  const terminal = spawn('script', ['-qfec', `exec ${command}`, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  terminal.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  terminal.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => terminal.once('exit', (code) => resolve(code)));
  return {
    pid: terminal.pid!,
    output: () => output,
    exited,
    find: (prefix) => treeOf(terminal.pid!).find((pid) => pid !== terminal.pid && commandLineOf(pid).startsWith(prefix)),
    killAll: () => {
      for (const pid of treeOf(terminal.pid!).reverse())
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
    },
  };
};

/** The text as a person reads it on a terminal: no colour codes, no carriage returns. */
// eslint-disable-next-line no-control-regex
export const plainText = (text: string): string => text.replace(/\u001b\[[0-9;]*m/g, '').replace(/\r/g, '');

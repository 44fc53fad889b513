/** Runs this same bench file in a child process (a fresh heap and JIT per run) and answers the one result it sends. */
import { fork } from 'node:child_process';

export const runInChildProcess = <Result>(file: string, env: NodeJS.ProcessEnv, what: string, execArgv: string[] = []): Promise<Result> =>
  new Promise((resolve, reject) => {
    const child = fork(file, [], {
      env: { ...process.env, ...env },
      execArgv: [...process.execArgv, ...execArgv],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: Result | undefined;
    child.on('message', (message) => {
      result = message as Result;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0 && result) resolve(result);
      else reject(new Error(`${what} exited with code ${code}`));
    });
  });

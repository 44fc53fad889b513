import { mkdirSync, type Stats, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describeSystemError, StartupError } from './startup-error.js';

/** The first ancestor of `path` that exists and is not a directory (`/tmp/file` for `/tmp/file/data`), if any. */
export const fileInTheWay = (path: string): string | undefined => {
  for (let current = resolve(path); ; current = dirname(current)) {
    let stat: Stats | undefined;
    try {
      stat = statSync(current, { throwIfNoEntry: false });
    } catch {
      // ENOTDIR: some ancestor is the file; go on up to it
    }
    if (stat) return stat.isDirectory() ? undefined : current;
    if (dirname(current) === current) return undefined;
  }
};

/** Why `path` cannot be made or used as a directory, in words: a file in the way, else the system's own reason. */
export const whyNotADirectory = (path: string, error: unknown): string => {
  const file = fileInTheWay(path);
  return file === undefined ? describeSystemError(error) : `${file} is a file, not a directory`;
};

/** Makes DATA_DIR (and its parents) if need be; a StartupError naming the directory and the cause if it cannot. */
export const ensureDataDir = (dataDir: string): string => {
  const path = resolve(dataDir);
  try {
    mkdirSync(path, { recursive: true });
  } catch (error) {
    throw new StartupError(`DATA_DIR ${path} cannot be used: ${whyNotADirectory(path, error)}`, { cause: error });
  }
  return path;
};

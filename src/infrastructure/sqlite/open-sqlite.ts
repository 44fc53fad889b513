import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { whyNotADirectory } from '../process/data-dir.js';
import { describeSystemError, StartupError } from '../process/startup-error.js';

export type SqliteSynchronous = 'NORMAL' | 'FULL';

/**
 * Why `file` cannot be opened, found by looking at the file system: SQLite only says "unable to open database file".
 * Undefined when the file system shows nothing wrong.
 */
const reasonItCannotOpen = (file: string): string | undefined => {
  const directory = dirname(file);
  try {
    if (statSync(file, { throwIfNoEntry: false })?.isDirectory()) return 'it is a directory';
    if (!statSync(directory).isDirectory()) return `${directory} is not a directory`;
    accessSync(directory, constants.R_OK | constants.W_OK | constants.X_OK);
    return undefined;
  } catch (error) {
    return `${directory}: ${describeSystemError(error)}`;
  }
};

/**
 * Opens a SQLite file in WAL mode. With `synchronous=NORMAL` a killed process loses nothing it committed
 * (only a power loss can drop the last transactions); `FULL` makes every commit survive that too.
 * A file that cannot be opened throws a StartupError naming the file and the cause.
 */
export const openSqlite = (file: string, synchronous: SqliteSynchronous = 'NORMAL'): Database.Database => {
  if (file !== ':memory:') {
    try {
      mkdirSync(dirname(file), { recursive: true });
    } catch (error) {
      throw new StartupError(`cannot open the SQLite database ${resolve(file)}: ${whyNotADirectory(dirname(file), error)}`, { cause: error });
    }
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${synchronous}`);
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    return db;
  } catch (error) {
    db?.close();
    if (file === ':memory:') throw error;
    const cause = (error as { code?: string }).code?.startsWith('SQLITE_')
      ? (reasonItCannotOpen(file) ?? (error as Error).message)
      : describeSystemError(error);
    throw new StartupError(`cannot open the SQLite database ${resolve(file)}: ${cause}`, { cause: error });
  }
};

import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Config } from '../config/config.js';
import { coordinatesProjections } from '../redis/projection-coordination.js';
import { ensureDataDir } from './data-dir.js';
import { describeSystemError, StartupError } from './startup-error.js';

/** The SQLite file whose exclusive lock is the ownership, and the note saying who holds it (for the refusal). */
export const LOCK_FILE = 'owner.lock';
export const OWNER_FILE = 'owner.json';

export interface DataDirOwner {
  pid: number;
  role: string;
  since: string;
}

export interface DataDirLock {
  readonly dataDir: string;
  /** Gives the directory up (idempotent). A process that dies holds nothing: the system drops its locks. */
  release(): void;
}

export class DataDirOwnedError extends StartupError {
  override readonly name = 'DataDirOwnedError';
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Who holds the directory, as its owner wrote it down after taking the lock; undefined if unknown or gone. */
const currentOwner = (dataDir: string): DataDirOwner | undefined => {
  try {
    const owner = JSON.parse(readFileSync(join(dataDir, OWNER_FILE), 'utf8')) as DataDirOwner;
    return Number.isInteger(owner.pid) && isAlive(owner.pid) ? owner : undefined;
  } catch {
    return undefined;
  }
};

/**
 * Makes this process the one owner of DATA_DIR: the process that writes its read models (the all-in-one server, the
 * projector, `npm run rebuild-projections`). Two such processes on one directory would both apply every batch of
 * events to one read-model file. The ownership is an exclusive lock on `DATA_DIR/owner.lock`, a SQLite transaction
 * held open for the life of the process: the operating system drops it with the process, however the process ends
 * (SIGKILL, a crash, a power loss), so it can never be left stale. Processes that only read the read models and
 * append events (the API roles, saga workers) do not take it and run beside the owner.
 *
 * A directory owned by another process throws a DataDirOwnedError: one line naming the directory, the owner's pid
 * when it is known, and `whatToDo`.
 */
export const acquireDataDirLock = (
  dataDir: string,
  { role, whatToDo = 'stop it first, or give this process another DATA_DIR' }: { role: string; whatToDo?: string },
): DataDirLock => {
  const path = ensureDataDir(dataDir);
  const file = join(path, LOCK_FILE);
  let db: Database.Database;
  try {
    // No busy timeout: the owner holds the lock for hours, waiting for it would only delay the refusal.
    db = new Database(file, { timeout: 0 });
  } catch (error) {
    throw new StartupError(`DATA_DIR ${path} cannot be used: cannot open ${file}: ${describeSystemError(error)}`, { cause: error });
  }
  try {
    db.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code !== 'SQLITE_BUSY')
      throw new StartupError(`DATA_DIR ${path} cannot be used: cannot lock ${file}: ${describeSystemError(error)}`, { cause: error });
    const owner = currentOwner(path);
    const who =
      owner === undefined
        ? 'another ledgerflow process'
        : owner.pid === process.pid
          ? `this very process (pid ${owner.pid}, ${owner.role}), which has not released it`
          : `another ledgerflow process (pid ${owner.pid}, role ${owner.role}, since ${owner.since})`;
    throw new DataDirOwnedError(`DATA_DIR ${path} is owned by ${who}: ${whatToDo}`);
  }
  const ownerFile = join(path, OWNER_FILE);
  try {
    writeFileSync(ownerFile, `${JSON.stringify({ pid: process.pid, role, since: new Date().toISOString() } satisfies DataDirOwner)}\n`);
  } catch (error) {
    db.close();
    throw new StartupError(`DATA_DIR ${path} cannot be used: cannot write ${ownerFile}: ${describeSystemError(error)}`, { cause: error });
  }
  let released = false;
  return {
    dataDir: path,
    release() {
      if (released) return;
      released = true;
      // The note goes first: once the lock is free, the note may already be the next owner's.
      rmSync(ownerFile, { force: true });
      db.close();
    },
  };
};

/**
 * Whether this process must own DATA_DIR (acquireDataDirLock): it writes read models (the all-in-one server, the
 * projector without Redis) and keeps something of its own there, the embedded read-model file or the embedded event store whose
 * sagas and projections it runs. With memory: or with both servers (EventStoreDB and MongoDB) there is nothing in
 * the directory for two such processes to both write.
 */
export const ownsDataDir = (config: Config, writesReadModels: boolean): boolean => {
  const url = config.EVENTSTORE_URL;
  if (!writesReadModels || url?.startsWith('memory:')) return false;
  // Projectors that coordinate through Redis share the directory: a lease per projection, with fencing, decides who
  // writes each read model. (The all-in-one server still owns it: it also keeps the bundled payment simulator's ledger.)
  if (config.SERVICE_ROLE === 'projector' && coordinatesProjections(config)) return false;
  const embeddedEvents = !url?.startsWith('esdb');
  const embeddedReadModels = config.MONGODB_URL === undefined;
  return embeddedEvents || embeddedReadModels;
};

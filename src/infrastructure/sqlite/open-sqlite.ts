import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

export type SqliteSynchronous = 'NORMAL' | 'FULL';

/**
 * Opens a SQLite file in WAL mode. With `synchronous=NORMAL` a killed process loses nothing it committed
 * (only a power loss can drop the last transactions); `FULL` makes every commit survive that too.
 */
export const openSqlite = (file: string, synchronous: SqliteSynchronous = 'NORMAL'): Database.Database => {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  return db;
};

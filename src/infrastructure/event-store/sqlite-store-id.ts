import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';

/**
 * The store's id (EventStore.storeId), in a table of its own beside the events: made by whichever connection opens
 * the file first, and read by every one after it, in this process or another. A table apart from `events`, so that
 * it moves no position and shows in no read.
 */
export const sqliteStoreId = (db: Database.Database): string => {
  db.exec('CREATE TABLE IF NOT EXISTS store_identity (singleton INTEGER PRIMARY KEY CHECK (singleton = 1), id TEXT NOT NULL)');
  db.prepare('INSERT OR IGNORE INTO store_identity (singleton, id) VALUES (1, ?)').run(randomUUID());
  return db.prepare('SELECT id FROM store_identity WHERE singleton = 1').pluck().get() as string;
};

import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/** The worker: its own connection to the file, a PASSIVE checkpoint every `intervalMs` until told to stop. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message ? error.message : error) });
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;

export interface BackgroundCheckpointer {
  stop(): Promise<void>;
}

/**
 * Copies a WAL database's log back into the file from a worker thread, so that no commit on the event loop pays for
 * it. With SQLite's automatic checkpoints the commit that crosses the threshold does the copying, and every request
 * waiting behind it waits too (tens of milliseconds for a 40 MB log). A PASSIVE checkpoint on another connection
 * never blocks the writers; the writer restarts the log from the beginning once a checkpoint has caught up with it.
 * The connection that writes sets `wal_autocheckpoint = 0`.
 */
export const startBackgroundCheckpointer = (file: string, intervalMs = 200): BackgroundCheckpointer => {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver, intervalMs } });
  worker.unref();
  worker.on('message', (message: { error?: string }) => {
    if (message.error) process.emitWarning(`background checkpoint of ${file} failed: ${message.error}`);
  });
  let stopped: Promise<void> | undefined;
  return {
    stop: () =>
      (stopped ??= new Promise<void>((resolve) => {
        // Unreferenced, the worker would not keep the process up for its last checkpoint and the wait for its exit.
        worker.ref();
        worker.once('exit', () => resolve());
        worker.postMessage('stop');
      })),
  };
};

/** Pages the WAL may reach before a commit checkpoints it itself: only should the background worker fall behind. */
export const WAL_AUTOCHECKPOINT_BACKSTOP_PAGES = 20_000;

/** How a store on a SQLite file checkpoints it. */
export interface CheckpointChoices {
  /**
   * Another connection of this process checkpoints the file in the background (the main thread's, for the saga
   * thread's stores): this one starts no worker of its own and, like that one, leaves its commits only the backstop.
   */
  checkpointedByAnother?: boolean;
}

/**
 * Leaves the checkpoints of `db`, open on `file` in WAL mode, to a worker thread (none for `:memory:`): its commits
 * then only checkpoint past the backstop. Stop the worker returned when closing `db`.
 */
export const checkpointInBackground = (db: Database.Database, file: string, choices: CheckpointChoices = {}): BackgroundCheckpointer | undefined => {
  if (file === ':memory:') return undefined;
  db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_BACKSTOP_PAGES}`);
  return choices.checkpointedByAnother === true ? undefined : startBackgroundCheckpointer(file);
};

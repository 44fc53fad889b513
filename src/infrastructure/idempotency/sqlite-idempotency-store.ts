import type Database from 'better-sqlite3';
import type { IdempotencyStore, KeyState, StoredResponse } from '../../application/ports/idempotency-store.js';
import { openSqlite, type SqliteSynchronous } from '../sqlite/open-sqlite.js';

type Row = { fingerprint: string; response: string | null; expires_at: number };

/** Keys in a SQLite file, so a restarted embedded server still replays yesterday's answers. */
export class SqliteIdempotencyStore implements IdempotencyStore {
  private readonly db: Database.Database;
  private readonly claimKey;
  private readonly statements;

  constructor(file: string, synchronous: SqliteSynchronous = 'NORMAL', private readonly now: () => number = Date.now) {
    this.db = openSqlite(file, synchronous);
    this.db.exec(`CREATE TABLE IF NOT EXISTS idempotency_keys (
      key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, response TEXT, expires_at INTEGER NOT NULL
    ) WITHOUT ROWID`);
    this.statements = {
      find: this.db.prepare('SELECT fingerprint, response, expires_at FROM idempotency_keys WHERE key = ?'),
      put: this.db.prepare(
        'INSERT INTO idempotency_keys (key, fingerprint, response, expires_at) VALUES (?, ?, ?, ?) ' +
          'ON CONFLICT (key) DO UPDATE SET fingerprint = excluded.fingerprint, response = excluded.response, expires_at = excluded.expires_at',
      ),
      release: this.db.prepare('DELETE FROM idempotency_keys WHERE key = ? AND fingerprint = ? AND response IS NULL'),
      purge: this.db.prepare('DELETE FROM idempotency_keys WHERE expires_at <= ?'),
    };
    this.claimKey = this.db.transaction((key: string, fingerprint: string, leaseMs: number): KeyState => {
      const row = this.statements.find.get(key) as Row | undefined;
      const now = this.now();
      if (row && row.expires_at > now) {
        return row.response === null
          ? { state: 'in_progress', fingerprint: row.fingerprint }
          : { state: 'completed', fingerprint: row.fingerprint, response: JSON.parse(row.response) as StoredResponse };
      }
      this.statements.put.run(key, fingerprint, null, now + leaseMs);
      return { state: 'claimed' };
    });
  }

  async claim(key: string, fingerprint: string, leaseMs: number): Promise<KeyState> {
    return this.claimKey.immediate(key, fingerprint, leaseMs);
  }

  async complete(key: string, fingerprint: string, response: StoredResponse, retentionMs: number): Promise<void> {
    this.statements.put.run(key, fingerprint, JSON.stringify(response), this.now() + retentionMs);
    if (Math.random() < 0.01) this.statements.purge.run(this.now());
  }

  async release(key: string, fingerprint: string): Promise<void> {
    this.statements.release.run(key, fingerprint);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

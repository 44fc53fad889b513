import type Database from 'better-sqlite3';
import { type BackgroundCheckpointer, checkpointInBackground } from '../../sqlite/background-checkpointer.js';
import { openSqlite } from '../../sqlite/open-sqlite.js';
import type { ChargeLedger, Endpoint, RecordedCharge, RememberedAnswer } from './charge-ledger.js';

type ChargeRow = { id: string; order_id: string; amount: number; currency: string; refund_id: string | null };
type AnswerRow = { fingerprint: string; status: number; body: string };

const toCharge = (row: ChargeRow): RecordedCharge => ({
  id: row.id,
  orderId: row.order_id,
  amount: row.amount,
  currency: row.currency,
  status: 'succeeded',
  refunded: row.refund_id !== null,
  refundId: row.refund_id,
});

/** The ledger in `payments.sqlite`, so the simulator remembers its charges, answers and flaky counts across restarts. */
export class SqliteChargeLedger implements ChargeLedger {
  private readonly db: Database.Database;
  private readonly statements;
  private readonly transaction: Database.Transaction<(work: () => unknown) => unknown>;
  private readonly checkpointer: BackgroundCheckpointer | undefined;

  constructor(file: string) {
    // WAL with synchronous=NORMAL, as the embedded event store: a killed process loses no charge it answered (a retry
    // must not charge the order again); only a power loss could, as it could lose the events that asked for it.
    this.db = openSqlite(file, 'NORMAL');
    this.checkpointer = checkpointInBackground(this.db, file);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS charges (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, order_id TEXT NOT NULL UNIQUE,
        amount INTEGER NOT NULL, currency TEXT NOT NULL, refund_id TEXT UNIQUE
      );
      CREATE TABLE IF NOT EXISTS answers (
        endpoint TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, status INTEGER NOT NULL, body TEXT NOT NULL,
        PRIMARY KEY (endpoint, key)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS flaky_failures (order_id TEXT PRIMARY KEY, failures INTEGER NOT NULL) WITHOUT ROWID;
    `);
    this.statements = {
      findAnswer: this.db.prepare('SELECT fingerprint, status, body FROM answers WHERE endpoint = ? AND key = ?'),
      putAnswer: this.db.prepare('INSERT INTO answers (endpoint, key, fingerprint, status, body) VALUES (?, ?, ?, ?, ?)'),
      addCharge: this.db.prepare('INSERT INTO charges (id, order_id, amount, currency) VALUES (?, ?, ?, ?)'),
      findCharge: this.db.prepare('SELECT id, order_id, amount, currency, refund_id FROM charges WHERE id = ?'),
      markRefunded: this.db.prepare('UPDATE charges SET refund_id = ? WHERE id = ? AND refund_id IS NULL'),
      allCharges: this.db.prepare('SELECT id, order_id, amount, currency, refund_id FROM charges ORDER BY seq'),
      orderCharges: this.db.prepare('SELECT id, order_id, amount, currency, refund_id FROM charges WHERE order_id = ? ORDER BY seq'),
      failuresOf: this.db.prepare('SELECT failures FROM flaky_failures WHERE order_id = ?'),
      noteFailure: this.db.prepare(
        'INSERT INTO flaky_failures (order_id, failures) VALUES (?, 1) ON CONFLICT (order_id) DO UPDATE SET failures = failures + 1',
      ),
    };
    this.transaction = this.db.transaction((work: () => unknown) => work());
  }

  atomically<Result>(work: () => Result): Result {
    return this.transaction.immediate(work) as Result;
  }

  answerFor(endpoint: Endpoint, key: string): RememberedAnswer | undefined {
    const row = this.statements.findAnswer.get(endpoint, key) as AnswerRow | undefined;
    return row && { fingerprint: row.fingerprint, status: row.status, body: JSON.parse(row.body) as unknown };
  }

  remember(endpoint: Endpoint, key: string, answer: RememberedAnswer): void {
    this.statements.putAnswer.run(endpoint, key, answer.fingerprint, answer.status, JSON.stringify(answer.body));
  }

  addCharge(charge: { id: string; orderId: string; amount: number; currency: string }): void {
    this.statements.addCharge.run(charge.id, charge.orderId, charge.amount, charge.currency);
  }

  findCharge(chargeId: string): RecordedCharge | undefined {
    const row = this.statements.findCharge.get(chargeId) as ChargeRow | undefined;
    return row && toCharge(row);
  }

  markRefunded(chargeId: string, refundId: string): void {
    this.statements.markRefunded.run(refundId, chargeId);
  }

  charges(orderId?: string): RecordedCharge[] {
    const rows = (orderId === undefined ? this.statements.allCharges.all() : this.statements.orderCharges.all(orderId)) as ChargeRow[];
    return rows.map(toCharge);
  }

  failuresOf(orderId: string): number {
    return (this.statements.failuresOf.get(orderId) as { failures: number } | undefined)?.failures ?? 0;
  }

  noteFailure(orderId: string): void {
    this.statements.noteFailure.run(orderId);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
    await this.checkpointer?.stop();
  }
}

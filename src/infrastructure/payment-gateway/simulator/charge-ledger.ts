import type { Charge } from '../../../application/ports/payment-gateway.js';

/** The simulator's two calls that take an Idempotency-Key; a key is remembered per endpoint. */
export type Endpoint = 'charges' | 'refunds';

/** An answer given under an Idempotency-Key, and the request it answered. */
export interface RememberedAnswer {
  fingerprint: string;
  status: number;
  body: unknown;
}

export interface RecordedCharge extends Charge {
  refundId: string | null;
}

/**
 * The simulator's ledger: the charges, the answers given per Idempotency-Key, and how often each `tok_flaky` order
 * has failed so far. Methods are synchronous, so a check and the write it leads to can run as one unit.
 */
export interface ChargeLedger {
  /** Runs `work` as one unit: nothing else touches the ledger meanwhile (SQLite also undoes its writes if it throws). */
  atomically<Result>(work: () => Result): Result;
  answerFor(endpoint: Endpoint, key: string): RememberedAnswer | undefined;
  remember(endpoint: Endpoint, key: string, answer: RememberedAnswer): void;
  addCharge(charge: { id: string; orderId: string; amount: number; currency: string }): void;
  findCharge(chargeId: string): RecordedCharge | undefined;
  markRefunded(chargeId: string, refundId: string): void;
  /** Every charge, or one order's, oldest first. */
  charges(orderId?: string): RecordedCharge[];
  /** How many times this order's charge has failed on purpose (`tok_flaky`). */
  failuresOf(orderId: string): number;
  noteFailure(orderId: string): void;
  close(): Promise<void>;
}

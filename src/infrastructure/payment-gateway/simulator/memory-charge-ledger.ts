import type { ChargeLedger, Endpoint, RecordedCharge, RememberedAnswer } from './charge-ledger.js';

/** The ledger in this process only, for memory: runs and specs. */
export class MemoryChargeLedger implements ChargeLedger {
  private readonly answers = new Map<string, RememberedAnswer>();
  private readonly chargesById = new Map<string, RecordedCharge>();
  private readonly failures = new Map<string, number>();

  // The work is synchronous, so no other request runs until it returns.
  atomically<Result>(work: () => Result): Result {
    return work();
  }

  answerFor(endpoint: Endpoint, key: string): RememberedAnswer | undefined {
    return this.answers.get(`${endpoint}:${key}`);
  }

  remember(endpoint: Endpoint, key: string, answer: RememberedAnswer): void {
    this.answers.set(`${endpoint}:${key}`, answer);
  }

  addCharge(charge: { id: string; orderId: string; amount: number; currency: string }): void {
    if (this.charges(charge.orderId).length > 0) throw new Error(`order ${charge.orderId} is charged already`);
    this.chargesById.set(charge.id, { ...charge, status: 'succeeded', refunded: false, refundId: null });
  }

  findCharge(chargeId: string): RecordedCharge | undefined {
    const charge = this.chargesById.get(chargeId);
    return charge && { ...charge };
  }

  markRefunded(chargeId: string, refundId: string): void {
    const charge = this.chargesById.get(chargeId);
    if (charge) this.chargesById.set(chargeId, { ...charge, refunded: true, refundId });
  }

  charges(orderId?: string): RecordedCharge[] {
    return [...this.chargesById.values()].filter((charge) => orderId === undefined || charge.orderId === orderId).map((charge) => ({ ...charge }));
  }

  failuresOf(orderId: string): number {
    return this.failures.get(orderId) ?? 0;
  }

  noteFailure(orderId: string): void {
    this.failures.set(orderId, this.failuresOf(orderId) + 1);
  }

  async close(): Promise<void> {}
}

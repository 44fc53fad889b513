import type { Money } from '../../domain/shared/money.js';

/** A charge as the gateway records it. */
export interface Charge {
  id: string;
  orderId: string;
  amount: number;
  currency: string;
  status: 'succeeded';
  refunded: boolean;
}

export type ChargeOutcome = { outcome: 'captured'; chargeId: string } | { outcome: 'declined'; code: string };

/** The gateway did not give an outcome (timeout, 5xx after retries, circuit open, unreachable): try again later. */
export class PaymentGatewayUnavailableError extends Error {
  override readonly name = 'PaymentGatewayUnavailableError';
}

/**
 * The payment gateway port. Both calls are idempotent: a charge is keyed by the order id, a refund by the charge id,
 * so asking again answers the first outcome and moves no money. A call continues the caller's trace (`traceparent`).
 */
export interface PaymentGateway {
  charge(request: { orderId: string; amount: Money; token: string }, traceparent?: string): Promise<ChargeOutcome>;
  refund(request: { orderId: string; chargeId: string }, traceparent?: string): Promise<{ refundId: string }>;
  /** The gateway's ledger for an order. */
  charges(orderId: string): Promise<Charge[]>;
}

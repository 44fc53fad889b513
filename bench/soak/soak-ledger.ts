/** What the soak's load did and was told: the client's side of every command, checked against the server's at the end. */
import type { Session } from './soak-client.js';

export const PAYMENT_TOKENS = ['tok_visa', 'tok_declined', 'tok_flaky', 'tok_timeout'] as const;
export type PaymentToken = (typeof PAYMENT_TOKENS)[number];

export interface CustomerRecord {
  email: string;
  session: Session;
  /** Known once registered (from the 201, or /users/me when the registration's answer was lost). */
  id?: string;
}

export interface OrderRecord {
  customer: CustomerRecord;
  token: PaymentToken;
  items: { productId: string; quantity: number }[];
  /** The final answer to POST /orders; 202 gives the id. */
  status?: number;
  id?: string;
  /** The final answer to the customer's cancel, when they asked for one. */
  cancel?: number;
  /** What each attempt of the POST got (see Answer.history). */
  history?: string[];
}

export interface AdjustmentRecord {
  productId: string;
  delta: number;
  /** Unique per adjustment: how it is found in the event store. */
  reason: string;
  status?: number;
  history?: string[];
}

export interface PositionRecord {
  customer: CustomerRecord;
  marketId: string;
  outcome: string;
  stake: number;
  status?: number;
  history?: string[];
}

export interface MarketRecord {
  id: string;
  outcomes: string[];
  createdAt: number;
  /** The final answers to close and resolve, once asked. */
  closed?: number;
  resolve?: { winningOutcome: string; status: number };
}

export interface SoakLedger {
  products: { id: string; initialStock: number }[];
  customers: CustomerRecord[];
  orders: OrderRecord[];
  adjustments: AdjustmentRecord[];
  positions: PositionRecord[];
  markets: MarketRecord[];
  /** Commands that got no final answer before the load's grace period ran out (each is a violation). */
  unanswered: string[];
}

export const emptyLedger = (): SoakLedger => ({ products: [], customers: [], orders: [], adjustments: [], positions: [], markets: [], unanswered: [] });

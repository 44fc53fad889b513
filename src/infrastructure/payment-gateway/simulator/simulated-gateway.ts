import { randomBytes } from 'node:crypto';
import type { Charge } from '../../../application/ports/payment-gateway.js';
import type { ChargeLedger, RecordedCharge } from './charge-ledger.js';

export interface ChargeRequest {
  orderId: string;
  /** Minor units. */
  amount: number;
  currency: string;
  token: string;
}

export interface RefundRequest {
  chargeId: string;
}

/** What to answer, or `hold`: keep the request open and never answer it. */
export type GatewayAnswer = { status: number; body: unknown } | 'hold';

/** `tok_flaky` fails this many times per order before it succeeds. */
export const FLAKY_FAILURES = 2;

const error = (status: number, code: string) => ({ status, body: { error: { code } } });
const idempotencyKeyReused = error(409, 'idempotency_key_reused');

const newId = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;

const publicCharge = ({ refundId: _refundId, ...charge }: RecordedCharge): Charge => charge;

/**
 * The bundled gateway's rules, by token: `tok_visa` succeeds, `tok_declined` is declined, `tok_flaky` answers 503
 * twice per order and then succeeds, `tok_timeout` never answers (and charges nothing); any other token is invalid.
 * An Idempotency-Key replays the first outcome (a 503 is not one); each decision is one ledger unit, so
 * concurrent requests for one order charge it once.
 */
export class SimulatedGateway {
  constructor(private readonly ledger: ChargeLedger) {}

  charge(idempotencyKey: string, request: ChargeRequest): GatewayAnswer {
    const fingerprint = JSON.stringify([request.orderId, request.amount, request.currency, request.token]);
    return this.ledger.atomically(() => {
      const earlier = this.ledger.answerFor('charges', idempotencyKey);
      if (earlier) return earlier.fingerprint === fingerprint ? { status: earlier.status, body: earlier.body } : idempotencyKeyReused;
      switch (request.token) {
        case 'tok_timeout':
          return 'hold';
        case 'tok_flaky':
          if (this.ledger.failuresOf(request.orderId) < FLAKY_FAILURES) {
            this.ledger.noteFailure(request.orderId);
            return error(503, 'gateway_unavailable');
          }
          return this.remember(idempotencyKey, fingerprint, this.capture(request));
        case 'tok_visa':
          return this.remember(idempotencyKey, fingerprint, this.capture(request));
        case 'tok_declined':
          return this.remember(idempotencyKey, fingerprint, error(402, 'card_declined'));
        default:
          return this.remember(idempotencyKey, fingerprint, error(402, 'invalid_token'));
      }
    });
  }

  /** At most one refund per charge: refunding it again, under any key, answers the first refund. */
  refund(idempotencyKey: string, { chargeId }: RefundRequest): GatewayAnswer {
    const fingerprint = JSON.stringify([chargeId]);
    return this.ledger.atomically(() => {
      const earlier = this.ledger.answerFor('refunds', idempotencyKey);
      if (earlier) return earlier.fingerprint === fingerprint ? { status: earlier.status, body: earlier.body } : idempotencyKeyReused;
      const charge = this.ledger.findCharge(chargeId);
      if (!charge) return error(404, 'no_such_charge');
      let refundId = charge.refundId;
      if (refundId === null) {
        refundId = newId('re');
        this.ledger.markRefunded(chargeId, refundId);
      }
      const answer = { status: 201, body: { id: refundId, chargeId, amount: charge.amount, status: 'succeeded' } };
      this.ledger.remember('refunds', idempotencyKey, { fingerprint, ...answer });
      return answer;
    });
  }

  charges(orderId?: string): Charge[] {
    return this.ledger.charges(orderId).map(publicCharge);
  }

  private capture({ orderId, amount, currency }: ChargeRequest) {
    const charge = { id: newId('ch'), orderId, amount, currency };
    this.ledger.addCharge(charge);
    return { status: 201, body: { ...charge, status: 'succeeded' } };
  }

  private remember(idempotencyKey: string, fingerprint: string, answer: { status: number; body: unknown }) {
    this.ledger.remember('charges', idempotencyKey, { fingerprint, ...answer });
    return answer;
  }
}

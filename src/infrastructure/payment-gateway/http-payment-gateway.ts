import type { Logger } from 'pino';
import { z } from 'zod';
import {
  type Charge,
  type ChargeOutcome,
  type PaymentGateway,
  PaymentGatewayUnavailableError,
} from '../../application/ports/payment-gateway.js';
import type { Money } from '../../domain/shared/money.js';
import { type CircuitInfo, type HttpAnswer, type HttpRequest, RemoteUnavailableError, ResilientHttpClient } from '../http-client/resilient-http-client.js';
import { childTraceparent } from '../../application/tracing/trace-context.js';

export interface HttpPaymentGatewayOptions {
  /** The gateway's base URL; a function when it is known only later (the in-process simulator picks a free port). */
  baseUrl: string | (() => string | undefined);
  /** Per attempt. */
  timeoutMs?: number;
  /** Attempts after the first one. */
  retries?: number;
  /** Consecutive failed attempts that open the circuit, and how long it stays open before a trial call. */
  breakAfter?: number;
  /** Open the circuit on a share of failed attempts instead of a run of them. */
  breakOnRatio?: { ratio: number; windowMs: number; minimumRps: number };
  halfOpenAfterMs?: number;
  /** Whether a call that timed out counts against the circuit (default true). */
  breakOnTimeouts?: boolean;
  logger?: Logger;
}

const ChargeAnswer = z.object({ id: z.string() });
const ErrorAnswer = z.object({ error: z.object({ code: z.string() }) });
const RefundAnswer = z.object({ id: z.string() });
const ChargesAnswer = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      orderId: z.string(),
      amount: z.number(),
      currency: z.string(),
      status: z.literal('succeeded'),
      refunded: z.boolean(),
    }),
  ),
});

/**
 * The payment gateway over HTTP (Stripe-like, amounts in minor units). Every call carries an Idempotency-Key, so
 * retrying one whose answer was lost (a timeout) cannot charge or refund twice. Whatever may pass is retried and
 * then reported as PaymentGatewayUnavailableError; any other unexpected answer is a bug and thrown as it is.
 */
export class HttpPaymentGateway implements PaymentGateway {
  private readonly http: ResilientHttpClient;
  private readonly baseUrl: () => string | undefined;

  constructor(options: HttpPaymentGatewayOptions) {
    const { baseUrl, timeoutMs, retries, breakAfter, breakOnRatio, halfOpenAfterMs, breakOnTimeouts, logger } = options;
    this.baseUrl = typeof baseUrl === 'string' ? () => baseUrl : baseUrl;
    this.http = new ResilientHttpClient({ name: 'payment gateway', timeoutMs, retries, breakAfter, breakOnRatio, halfOpenAfterMs, breakOnTimeouts, logger });
  }

  /** Its circuit breaker as it stands (metrics). */
  get circuit(): CircuitInfo {
    return this.http.circuit;
  }

  async charge({ orderId, amount, token }: { orderId: string; amount: Money; token: string }, traceparent?: string): Promise<ChargeOutcome> {
    const answer = await this.post('/v1/charges', orderId, { orderId, amount: amount.amount, currency: amount.currency, token }, traceparent);
    if (answer.status === 201) return { outcome: 'captured', chargeId: ChargeAnswer.parse(answer.json()).id };
    if (answer.status === 402) return { outcome: 'declined', code: ErrorAnswer.parse(answer.json()).error.code };
    throw unexpected('POST /v1/charges', answer);
  }

  async refund({ chargeId }: { orderId: string; chargeId: string }, traceparent?: string): Promise<{ refundId: string }> {
    const answer = await this.post('/v1/refunds', `refund-${chargeId}`, { chargeId }, traceparent);
    if (answer.status === 201) return { refundId: RefundAnswer.parse(answer.json()).id };
    throw unexpected('POST /v1/refunds', answer);
  }

  async charges(orderId: string): Promise<Charge[]> {
    const answer = await this.send(`/v1/charges?orderId=${encodeURIComponent(orderId)}`, { headers: { Accept: 'application/json' } });
    if (answer.status === 200) return ChargesAnswer.parse(answer.json()).items;
    throw unexpected('GET /v1/charges', answer);
  }

  private post(path: string, idempotencyKey: string, body: unknown, traceparent: string | undefined): Promise<HttpAnswer> {
    return this.send(path, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json',
        'Idempotency-Key': idempotencyKey,
        traceparent: childTraceparent(traceparent),
      },
      body: JSON.stringify(body),
    });
  }

  private async send(path: string, init: HttpRequest): Promise<HttpAnswer> {
    const baseUrl = this.baseUrl();
    if (baseUrl === undefined) throw new PaymentGatewayUnavailableError('the payment gateway URL is not known yet');
    try {
      return await this.http.request(`${baseUrl.replace(/\/+$/, '')}${path}`, init);
    } catch (error) {
      if (error instanceof RemoteUnavailableError) throw new PaymentGatewayUnavailableError(error.message, { cause: error });
      throw error;
    }
  }
}

const unexpected = (call: string, answer: HttpAnswer) =>
  new Error(`the payment gateway answered ${call} with ${answer.status}: ${answer.text.slice(0, 500)}`);

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { CommandHandler } from '../../src/application/commands/command-handler.js';
import { createEventRegistry } from '../../src/infrastructure/modules/event-catalog.js';
import { type Charge, type ChargeOutcome, type PaymentGateway, PaymentGatewayUnavailableError } from '../../src/application/ports/payment-gateway.js';
import { NoOutcomeYet } from '../../src/application/sagas/no-outcome-yet.js';
import { ReactionRunner } from '../../src/application/sagas/reaction-runner.js';
import type { OrderCommand } from '../../src/domain/orders/commands.js';
import { orderDecider, orderStream } from '../../src/domain/orders/order.js';
import type { Money } from '../../src/domain/shared/money.js';
import { MemoryEventStore } from '../../src/infrastructure/event-store/memory-event-store.js';
import { chargePayment, paymentTimeout } from '../../sagas/order-fulfilment/steps.js';
import { existing } from '../support/decider-spec.js';

const PLACED_AT = Date.parse('2025-01-01T10:00:00.000Z');
const DUE_AT = new Date(PLACED_AT + 30_000).toISOString();
const context = { correlationId: 'c-1' };

type ChargeBehaviour = 'captures' | 'declines' | 'no answer' | 'captures, answer lost' | 'fails';

/** A gateway the spec steers: how it answers a charge, whether it can be asked for its ledger, and what it was asked. */
class SteeredGateway implements PaymentGateway {
  behaviour: ChargeBehaviour = 'captures';
  ledgerReachable = true;
  readonly ledger: Charge[] = [];
  readonly calls: string[] = [];

  async charge({ orderId, amount }: { orderId: string; amount: Money; token: string }): Promise<ChargeOutcome> {
    this.calls.push('charge');
    switch (this.behaviour) {
      case 'declines':
        return { outcome: 'declined', code: 'card_declined' };
      case 'no answer':
        throw new PaymentGatewayUnavailableError('payment gateway did not answer within 500 ms');
      case 'fails':
        throw new Error('the payment gateway answered POST /v1/charges with 400');
      default: {
        const charge = this.ledger.find((held) => held.orderId === orderId) ?? this.capture(orderId, amount);
        if (this.behaviour === 'captures, answer lost') throw new PaymentGatewayUnavailableError('payment gateway did not answer within 500 ms');
        return { outcome: 'captured', chargeId: charge.id };
      }
    }
  }

  async refund(): Promise<{ refundId: string }> {
    this.calls.push('refund');
    return { refundId: 're-1' };
  }

  async charges(orderId: string): Promise<Charge[]> {
    this.calls.push('look up');
    if (!this.ledgerReachable) throw new PaymentGatewayUnavailableError('payment gateway circuit is open');
    return this.ledger.filter((charge) => charge.orderId === orderId);
  }

  capture(orderId: string, amount: Money): Charge {
    const charge: Charge = { id: `ch-${this.ledger.length + 1}`, orderId, amount: amount.amount, currency: amount.currency, status: 'succeeded', refunded: false };
    this.ledger.push(charge);
    return charge;
  }
}

describe('reaction runner: the payment steps of order fulfilment', () => {
  let store: MemoryEventStore;
  let commands: CommandHandler;
  let gateway: SteeredGateway;
  let now: number;
  let runner: ReactionRunner;
  let orderId: string;

  const on = (command: OrderCommand) => commands.handle(orderDecider, orderStream(orderId), command, context);
  const order = async () => existing((await commands.load(orderDecider, orderStream(orderId))).state);
  const eventTypes = async () => (await store.readStream(orderStream(orderId))).map((event) => event.type);
  const afterRequest = (types: string[]) => types.slice(3);
  const charge = async () => runner.run(chargePayment(await order()), context);
  const deadline = () => runner.run(paymentTimeout(orderId, DUE_AT), context);

  /** An order whose item is reserved and whose payment was asked for, due 30 s after its placement. */
  beforeEach(async () => {
    store = new MemoryEventStore();
    commands = new CommandHandler(store, createEventRegistry());
    gateway = new SteeredGateway();
    now = PLACED_AT + 1_000;
    runner = new ReactionRunner(commands, gateway, () => now);
    orderId = randomUUID();
    const items = [{ productId: 'p-mug', quantity: 1, unitPrice: { amount: 1250, currency: 'EUR' } }];
    await on({ type: 'PlaceOrder', data: { orderId, customerId: 'u-1', items, paymentToken: 'tok_visa', placedAt: new Date(PLACED_AT).toISOString() } });
    await on({ type: 'NoteStockReserved', data: { productId: 'p-mug', paymentDueAt: DUE_AT } });
  });

  describe('the charge', () => {
    it('given a gateway that captures, when charged, then the capture is noted', async () => {
      await charge();
      assert.deepEqual(afterRequest(await eventTypes()), ['OrderPaymentCaptured', 'OrderConfirmed']);
      assert.equal((await order()).payment.paymentId, 'ch-1');
    });

    it('given a gateway that gives no answer before the deadline, when charged, then it is no outcome yet (tried again, no attempt used up) and nothing is noted', async () => {
      gateway.behaviour = 'no answer';
      now = Date.parse(DUE_AT) - 1;
      await assert.rejects(charge(), (error) => error instanceof NoOutcomeYet && /did not answer/.test(error.message));
      assert.deepEqual(afterRequest(await eventTypes()), []);
    });

    it('given a gateway whose circuit is open before the deadline, when charged, then it is no outcome yet', async () => {
      gateway.behaviour = 'no answer';
      gateway.charge = async () => {
        throw new PaymentGatewayUnavailableError('payment gateway circuit is open');
      };
      await assert.rejects(charge(), NoOutcomeYet);
    });

    it('given a gateway that answers what no retry changes (a 400), when charged, then the attempt fails as a fault, not as no outcome', async () => {
      gateway.behaviour = 'fails';
      await assert.rejects(charge(), (error) => !(error instanceof NoOutcomeYet) && /400/.test((error as Error).message));
    });

    it('given the deadline has passed and its step has not run yet, when the charge gets no answer, then the gateway is asked instead of a try again', async () => {
      gateway.behaviour = 'no answer';
      now = Date.parse(DUE_AT) + 1;
      await charge();
      assert.deepEqual(gateway.calls, ['charge', 'look up']);
      assert.deepEqual(afterRequest(await eventTypes()), []);
    });

    it('given a capture whose answer was lost before the deadline, when the try after the deadline loses it too, then the gateway is asked and the capture noted', async () => {
      gateway.behaviour = 'captures, answer lost';
      now = Date.parse(DUE_AT) - 1;
      await assert.rejects(charge(), NoOutcomeYet);
      assert.deepEqual(afterRequest(await eventTypes()), []);
      now = Date.parse(DUE_AT) + 1;
      await charge();
      assert.deepEqual(gateway.calls, ['charge', 'charge', 'look up']);
      assert.deepEqual(afterRequest(await eventTypes()), ['OrderPaymentCaptured', 'OrderConfirmed']);
      assert.equal(gateway.ledger.length, 1, 'charged once');
    });

    it('given the deadline passed while an attempt was under way, when its answer is lost, then the gateway is asked and a capture noted', async () => {
      gateway.behaviour = 'captures, answer lost';
      const request = chargePayment(await order());
      gateway.charge = async (asked) => {
        now = Date.parse(DUE_AT) + 500;
        return SteeredGateway.prototype.charge.call(gateway, asked);
      };
      await runner.run(request, context);
      assert.deepEqual(afterRequest(await eventTypes()), ['OrderPaymentCaptured', 'OrderConfirmed']);
    });

    it('given an order cancelled for its timeout, when a capture made before is found, then it is noted with a refund due, and nothing charged', async () => {
      gateway.capture(orderId, { amount: 1250, currency: 'EUR' });
      await on({ type: 'NotePaymentTimedOut', data: {} });
      await on({ type: 'CancelOrder', data: { reason: 'payment_timeout' } });
      now = Date.parse(DUE_AT) + 5_000;
      await charge();
      const events = await store.readStream(orderStream(orderId));
      assert.deepEqual(events.at(-1)!.data, { orderId, paymentId: 'ch-1', refundDue: true });
      assert.deepEqual(gateway.calls, ['look up']);
    });

    it('given an order cancelled for its timeout and no charge at the gateway, when the step runs again, then nothing is appended', async () => {
      await on({ type: 'NotePaymentTimedOut', data: {} });
      const before = await eventTypes();
      await charge();
      assert.deepEqual(await eventTypes(), before);
    });

    it('given a payment already captured, when the step runs again, then the gateway is not called', async () => {
      await charge();
      gateway.calls.length = 0;
      await charge();
      assert.deepEqual(gateway.calls, []);
      assert.deepEqual(afterRequest(await eventTypes()), ['OrderPaymentCaptured', 'OrderConfirmed']);
    });
  });

  describe('the payment deadline', () => {
    beforeEach(() => (now = Date.parse(DUE_AT)));

    it('given no charge at the gateway, when the deadline comes, then the payment times out', async () => {
      await deadline();
      assert.deepEqual(afterRequest(await eventTypes()), ['OrderPaymentTimedOut']);
    });

    it('given a capture whose answer was lost, when the deadline comes, then the capture is noted, the order confirmed, and no timeout', async () => {
      gateway.capture(orderId, { amount: 1250, currency: 'EUR' });
      await deadline();
      const events = await store.readStream(orderStream(orderId));
      assert.deepEqual(afterRequest(events.map((event) => event.type)), ['OrderPaymentCaptured', 'OrderConfirmed']);
      assert.deepEqual(events.at(-2)!.data, { orderId, paymentId: 'ch-1', refundDue: false });
    });

    it('given a gateway that cannot be asked, when the deadline comes, then the payment times out all the same', async () => {
      gateway.ledgerReachable = false;
      await deadline();
      assert.deepEqual(afterRequest(await eventTypes()), ['OrderPaymentTimedOut']);
    });

    it('given an outcome already noted, when the deadline comes, then it appends nothing and asks nothing', async () => {
      await charge();
      gateway.calls.length = 0;
      await deadline();
      assert.deepEqual(gateway.calls, []);
      assert.deepEqual(afterRequest(await eventTypes()), ['OrderPaymentCaptured', 'OrderConfirmed']);
    });

    it('when the deadline step runs twice, then the timeout is noted once', async () => {
      await deadline();
      await deadline();
      assert.deepEqual(afterRequest(await eventTypes()), ['OrderPaymentTimedOut']);
    });
  });
});

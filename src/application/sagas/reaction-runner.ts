import type { Reaction } from '../../../sagas/reaction.js';
import { stepEventId } from '../../../sagas/reaction.js';
import { marketDecider, marketStream } from '../../domain/markets/market.js';
import type { OrderCommand } from '../../domain/orders/commands.js';
import { awaitingPayment, type Order, orderDecider, orderStream } from '../../domain/orders/order.js';
import { productDecider, productStream } from '../../domain/products/product.js';
import type { CommandContext } from '../commands/command-context.js';
import type { CommandHandler } from '../commands/command-handler.js';
import { type PaymentGateway, PaymentGatewayUnavailableError } from '../ports/payment-gateway.js';
import { NoOutcomeYet } from './no-outcome-yet.js';

/**
 * Carries out one reaction of a saga: a command on an aggregate, appended with the step's derived event ids, or a
 * call to the payment gateway followed by the command that notes its outcome. Running it again appends nothing new.
 */
export class ReactionRunner {
  constructor(
    private readonly commands: CommandHandler,
    private readonly gateway: PaymentGateway,
    private readonly now: () => number = Date.now,
  ) {}

  async run(reaction: Reaction, context: CommandContext): Promise<void> {
    const eventIds = (outcome = '') => ({ expect: 'existing' as const, eventIds: (index: number) => stepEventId(reaction, index, outcome) });
    switch (reaction.kind) {
      case 'order':
        await this.commands.handle(orderDecider, orderStream(reaction.orderId), reaction.command, context, eventIds());
        return;
      case 'product':
        await this.commands.handle(productDecider, productStream(reaction.productId), reaction.command, context, eventIds());
        return;
      case 'market':
        await this.commands.handle(marketDecider, marketStream(reaction.marketId), reaction.command, context, eventIds());
        return;
      case 'charge': {
        const note = await this.charge(reaction, context.traceparent);
        if (note) await this.commands.handle(orderDecider, orderStream(reaction.orderId), note, context, eventIds('outcome'));
        return;
      }
      case 'payment-deadline': {
        const note = await this.deadline(reaction.orderId);
        if (note) await this.commands.handle(orderDecider, orderStream(reaction.orderId), note, context, eventIds(note.type === 'NotePaymentCaptured' ? 'captured' : ''));
        return;
      }
      case 'refund': {
        await this.gateway.refund({ orderId: reaction.orderId, chargeId: reaction.chargeId }, context.traceparent);
        const note: OrderCommand = { type: 'NoteRefunded', data: { paymentId: reaction.chargeId } };
        await this.commands.handle(orderDecider, orderStream(reaction.orderId), note, context, eventIds('outcome'));
        return;
      }
    }
  }

  /**
   * Charges an order still waiting for its payment, and answers the command that notes the outcome. A gateway that
   * gives no outcome is asked again later (NoOutcomeYet) until the deadline. Past it, and for an order that stopped
   * waiting (timed out, cancelled), the gateway is only asked what it holds: a charge captured whose answer was lost
   * is noted (and, the order being cancelled, refunded) instead of kept unrecorded.
   */
  private async charge(reaction: Extract<Reaction, { kind: 'charge' }>, traceparent: string | undefined): Promise<OrderCommand | undefined> {
    const { state: order } = await this.commands.load(orderDecider, orderStream(reaction.orderId));
    if (order.status === 'absent' || order.payment.status === 'captured' || order.payment.status === 'declined') return undefined;
    if (!awaitingPayment(order)) return this.captureHeld(reaction.orderId);
    try {
      const charged = await this.gateway.charge({ orderId: reaction.orderId, amount: reaction.amount, token: reaction.token }, traceparent);
      return charged.outcome === 'captured'
        ? { type: 'NotePaymentCaptured', data: { paymentId: charged.chargeId } }
        : { type: 'NotePaymentDeclined', data: { reason: charged.code } };
    } catch (error) {
      if (!(error instanceof PaymentGatewayUnavailableError)) throw error;
      if (!this.pastDeadline(order)) throw new NoOutcomeYet(error.message, { cause: error });
      return this.captureHeld(reaction.orderId);
    }
  }

  /**
   * The deadline of an order still waiting: the capture the gateway holds for it (its answer lost), or else the
   * timeout. A gateway that cannot be asked does not hold the order past its deadline: the charge step, whose last
   * try comes after the deadline, looks the charge up again.
   */
  private async deadline(orderId: string): Promise<OrderCommand | undefined> {
    const { state: order } = await this.commands.load(orderDecider, orderStream(orderId));
    if (order.status === 'absent' || !awaitingPayment(order)) return undefined;
    try {
      const captured = await this.captureHeld(orderId);
      if (captured) return captured;
    } catch (error) {
      if (!(error instanceof PaymentGatewayUnavailableError)) throw error;
    }
    return { type: 'NotePaymentTimedOut', data: {} };
  }

  /** The note of the charge the gateway captured for the order, if it did: asks, never charges. */
  private async captureHeld(orderId: string): Promise<OrderCommand | undefined> {
    const [charge] = await this.gateway.charges(orderId);
    return charge ? { type: 'NotePaymentCaptured', data: { paymentId: charge.id } } : undefined;
  }

  private pastDeadline(order: Order): boolean {
    return order.payment.dueAt !== null && this.now() >= Date.parse(order.payment.dueAt);
  }
}

import type { Reaction } from '../../../sagas/reaction.js';
import { stepEventId } from '../../../sagas/reaction.js';
import { marketDecider, marketStream } from '../../domain/markets/market.js';
import type { OrderCommand } from '../../domain/orders/commands.js';
import { awaitingPayment, orderDecider, orderStream } from '../../domain/orders/order.js';
import { productDecider, productStream } from '../../domain/products/product.js';
import type { CommandContext } from '../commands/command-context.js';
import type { CommandHandler } from '../commands/command-handler.js';
import { type PaymentGateway, PaymentGatewayUnavailableError } from '../ports/payment-gateway.js';

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
      case 'refund': {
        await this.gateway.refund({ orderId: reaction.orderId, chargeId: reaction.chargeId }, context.traceparent);
        const note: OrderCommand = { type: 'NoteRefunded', data: { paymentId: reaction.chargeId } };
        await this.commands.handle(orderDecider, orderStream(reaction.orderId), note, context, eventIds('outcome'));
        return;
      }
    }
  }

  /**
   * Charges an order still waiting for its payment (a cancelled one is not charged), and answers the command that
   * notes the outcome. A gateway that gives no outcome fails the attempt, until the payment deadline has passed:
   * from then on the saga's timeout has the last word, and the step ends quietly.
   */
  private async charge(reaction: Extract<Reaction, { kind: 'charge' }>, traceparent: string | undefined): Promise<OrderCommand | undefined> {
    const { state: order } = await this.commands.load(orderDecider, orderStream(reaction.orderId));
    if (order.status === 'absent' || !awaitingPayment(order)) return undefined;
    try {
      const charged = await this.gateway.charge({ orderId: reaction.orderId, amount: reaction.amount, token: reaction.token }, traceparent);
      return charged.outcome === 'captured'
        ? { type: 'NotePaymentCaptured', data: { paymentId: charged.chargeId } }
        : { type: 'NotePaymentDeclined', data: { reason: charged.code } };
    } catch (error) {
      const pastDeadline = order.payment.dueAt !== null && this.now() >= Date.parse(order.payment.dueAt);
      if (error instanceof PaymentGatewayUnavailableError && pastDeadline) return undefined;
      throw error;
    }
  }
}

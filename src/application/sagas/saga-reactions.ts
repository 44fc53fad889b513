import {
  type MarketSettlementEvent,
  marketSettlementEventTypes,
  pendingWork as pendingPayouts,
  react as settleMarket,
} from '../../../sagas/market-settlement/react.js';
import { type OrderFulfilmentEvent, orderFulfilmentEventTypes, react as fulfilOrder } from '../../../sagas/order-fulfilment/react.js';
import { pendingWork as pendingFulfilment, type ProductReservation } from '../../../sagas/order-fulfilment/pending-work.js';
import type { Reaction, SagaType } from '../../../sagas/reaction.js';
import { marketDecider, marketStream } from '../../domain/markets/market.js';
import { orderDecider, orderStream } from '../../domain/orders/order.js';
import { productDecider, productStream } from '../../domain/products/product.js';
import type { SagaEvent } from '../../../sagas/saga-log/events.js';
import type { CommandHandler } from '../commands/command-handler.js';
import type { RecordedEvent } from '../ports/event-store.js';

const orderEvents = new Set<string>(orderFulfilmentEventTypes);
const marketEvents = new Set<string>(marketSettlementEventTypes);

/** Every event a saga reacts to, and the retries an admin asks for. */
export const sagaEventTypes: readonly string[] = [...orderFulfilmentEventTypes, ...marketSettlementEventTypes, 'SagaRetried'];


/**
 * The sagas, given what they need to know: the reactions an event calls for, and the work a saga still has to do
 * (re-derived from the aggregates' states when queued jobs may have been lost).
 */
export class SagaReactions {
  constructor(
    private readonly commands: CommandHandler,
    private readonly paymentTimeoutMs: number,
  ) {}

  async to(event: RecordedEvent): Promise<Reaction[]> {
    if (orderEvents.has(event.type)) {
      const fulfilment = event as OrderFulfilmentEvent;
      const stream = orderStream(fulfilment.data.orderId);
      // An order's own event needs the order as that event left it (or later); a product's, the order as it is now.
      const { state: order } =
        event.streamId === stream ? await this.commands.loadSince(orderDecider, stream, event.revision) : await this.commands.load(orderDecider, stream);
      if (order.status === 'absent') return [];
      return fulfilOrder(fulfilment, { order, paymentTimeoutMs: this.paymentTimeoutMs });
    }
    if (marketEvents.has(event.type)) return settleMarket(event as MarketSettlementEvent);
    if (event.type === 'SagaRetried') return (event as RecordedEvent & Extract<SagaEvent, { type: 'SagaRetried' }>).data.reactions;
    return [];
  }

  async pending(type: SagaType, sagaId: string): Promise<Reaction[]> {
    if (type === 'market-settlement') {
      const { state: market } = await this.commands.load(marketDecider, marketStream(sagaId));
      return market.status === 'absent' ? [] : pendingPayouts(market);
    }
    const { state: order } = await this.commands.load(orderDecider, orderStream(sagaId));
    if (order.status === 'absent') return [];
    const reservations = new Map<string, ProductReservation>();
    for (const item of order.items) {
      const { state: product } = await this.commands.load(productDecider, productStream(item.productId));
      reservations.set(item.productId, product.status === 'absent' ? undefined : product.reservations.get(sagaId)?.status);
    }
    return pendingFulfilment({ order, reservations, paymentTimeoutMs: this.paymentTimeoutMs });
  }
}

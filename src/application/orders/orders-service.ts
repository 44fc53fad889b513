import type { OrderCommand, PlaceOrder } from '../../domain/orders/commands.js';
import type { OrderEvent, OrderLine, OrderStatus } from '../../domain/orders/events.js';
import { type Order, orderDecider, type OrderState, orderStream } from '../../domain/orders/order.js';
import { productDecider, productStream } from '../../domain/products/product.js';
import { notFound, ruleViolated } from '../../domain/shared/errors.js';
import type { Money } from '../../domain/shared/money.js';
import type { CommandContext } from '../commands/command-context.js';
import { AggregateCommands, type ExistingResult } from '../commands/aggregate-commands.js';
import type { CommandHandler } from '../commands/command-handler.js';
import type { Page, ReadStore } from '../ports/read-store.js';
import { listOrders, orderById, type OrderView, type OrderViewer, visibleTo } from '../../projections/orders/orders-projection.js';
import { resourceId } from '../commands/request-keys.js';

export interface OrderChange {
  order: OrderView;
  revision: bigint;
  position: bigint;
}

/** What a customer asks for: each line but its price, which the catalog gives. */
export interface NewOrder {
  items: ReadonlyArray<Omit<OrderLine, 'unitPrice'>>;
  paymentToken: PlaceOrder['paymentToken'];
}

/** The order as the API shows it, from the state a command left. */
const orderViewOf = (order: Order, revision: bigint): OrderView => ({
  id: order.orderId,
  customerId: order.customerId,
  status: order.status,
  items: [...order.items],
  total: order.total,
  cancellationReason: order.cancellationReason,
  version: Number(revision),
});

const changeOf = (result: ExistingResult<Order, unknown>): OrderChange => ({
  order: orderViewOf(result.state, result.revision),
  revision: result.revision,
  position: result.position,
});

/** Placing and cancelling orders (commands on the order aggregate), and reading them back (the `orders` read model). */
export class OrdersService {
  private readonly orders: AggregateCommands<OrderState, OrderCommand, OrderEvent, OrderChange>;

  constructor(
    private readonly commands: CommandHandler,
    private readonly readStore: ReadStore,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.orders = new AggregateCommands(commands, orderDecider, orderStream, changeOf);
  }

  /** Prices every line from the catalog as it stands now: the product streams are the truth, not the read model. */
  async place(input: NewOrder, context: CommandContext & { userId: string }): Promise<OrderChange> {
    const orderId = resourceId(context, 'order');
    const items = await Promise.all(
      input.items.map(async ({ productId, quantity }) => ({ productId, quantity, unitPrice: await this.currentPrice(productId) })),
    );
    return this.orders.execute(
      orderId,
      'new',
      {
        type: 'PlaceOrder',
        data: { orderId, customerId: context.userId, items, paymentToken: input.paymentToken, placedAt: this.now().toISOString() },
      },
      context,
    );
  }

  /** A customer (or an admin) cancels; someone who may not see the order is told it does not exist. */
  async cancel(orderId: string, viewer: OrderViewer, context: CommandContext, expectedRevision?: bigint): Promise<OrderChange> {
    const { state } = await this.commands.load(orderDecider, orderStream(orderId));
    if (state.status === 'absent' || !visibleTo(viewer, state.customerId)) throw notFound('order_not_found', 'no such order');
    return this.orders.execute(orderId, 'existing', { type: 'CancelOrder', data: { reason: 'customer_request', by: viewer.userId } }, context, expectedRevision);
  }

  get(orderId: string, viewer: OrderViewer): Promise<OrderView | null> {
    return orderById(this.readStore, orderId, viewer);
  }

  /** Newest first: a customer's own orders, or every order for an admin. */
  list(viewer: OrderViewer, query: { status?: OrderStatus | undefined; limit: number; cursor?: string | undefined }): Promise<Page<OrderView>> {
    return listOrders(this.readStore, viewer, query);
  }

  private async currentPrice(productId: string): Promise<Money> {
    const { state } = await this.commands.load(productDecider, productStream(productId));
    if (state.status === 'absent') throw ruleViolated('unknown_product', `there is no product ${productId}`);
    return state.price;
  }
}

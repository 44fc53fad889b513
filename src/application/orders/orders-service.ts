import type { OrderCommand } from '../../domain/orders/commands.js';
import type { OrderStatus } from '../../domain/orders/events.js';
import { orderDecider, orderStream } from '../../domain/orders/order.js';
import { productDecider, productStream } from '../../domain/products/product.js';
import { notFound, ruleViolated } from '../../domain/shared/errors.js';
import type { Money } from '../../domain/shared/money.js';
import type { CommandContext } from '../commands/command-context.js';
import type { CommandHandler } from '../commands/command-handler.js';
import type { FindQuery, Page, ReadDocument, ReadStore, Scalar } from '../ports/read-store.js';
import { type OrderView, orderViewOf } from './order-view.js';
import { resourceId } from '../commands/request-keys.js';

export interface OrderChange {
  order: OrderView;
  revision: bigint;
  position: bigint;
}

export interface NewOrder {
  items: ReadonlyArray<{ productId: string; quantity: number }>;
  paymentToken: string;
}

/** Who is asking: a customer sees their own orders, an admin sees every order. */
export interface OrderViewer {
  userId: string;
  admin: boolean;
}

const visibleTo = (viewer: OrderViewer, customerId: string): boolean => viewer.admin || viewer.userId === customerId;

/** Picks the API's fields out of a stored `orders` document (which also holds what queries sort on). */
const viewOfDocument = (document: ReadDocument): OrderView => {
  const { id, customerId, status, items, total, cancellationReason, version } = document as unknown as OrderView;
  return { id, customerId, status, items, total, cancellationReason, version };
};

/** An `orders` document (the read model's, or one as it stood) as the viewer may see it: null when they may not. */
export const visibleOrder = (document: ReadDocument | null, viewer: OrderViewer): OrderView | null =>
  document && visibleTo(viewer, String(document.customerId)) ? viewOfDocument(document) : null;

/** Placing and cancelling orders (commands on the order aggregate), and reading them back (the `orders` read model). */
export class OrdersService {
  constructor(
    private readonly commands: CommandHandler,
    private readonly readStore: ReadStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Prices every line from the catalog as it stands now: the product streams are the truth, not the read model. */
  async place(input: NewOrder, context: CommandContext & { userId: string }): Promise<OrderChange> {
    const orderId = resourceId(context, 'order');
    const items = await Promise.all(
      input.items.map(async ({ productId, quantity }) => ({ productId, quantity, unitPrice: await this.currentPrice(productId) })),
    );
    return this.execute(
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
    return this.execute(orderId, 'existing', { type: 'CancelOrder', data: { reason: 'customer_request', by: viewer.userId } }, context, expectedRevision);
  }

  async get(orderId: string, viewer: OrderViewer): Promise<OrderView | null> {
    return visibleOrder(await this.readStore.get('orders', orderId), viewer);
  }

  /** Newest first: a customer's own orders, or every order for an admin. */
  async list(viewer: OrderViewer, query: { status?: OrderStatus | undefined; limit: number; cursor?: string | undefined }): Promise<Page<OrderView>> {
    const where: Record<string, Scalar> = {};
    if (!viewer.admin) where.customerId = viewer.userId;
    if (query.status !== undefined) where.status = query.status;
    const find: FindQuery = { where, orderBy: 'placedAt', direction: 'desc', limit: query.limit, cursor: query.cursor };
    const page = await this.readStore.find('orders', find);
    return { items: page.items.map(viewOfDocument), nextCursor: page.nextCursor };
  }

  private async currentPrice(productId: string): Promise<Money> {
    const { state } = await this.commands.load(productDecider, productStream(productId));
    if (state.status === 'absent') throw ruleViolated('unknown_product', `there is no product ${productId}`);
    return state.price;
  }

  private async execute(
    orderId: string,
    expect: 'new' | 'existing',
    command: OrderCommand,
    context: CommandContext,
    expectedRevision?: bigint,
  ): Promise<OrderChange> {
    const result = await this.commands.handle(orderDecider, orderStream(orderId), command, context, {
      expect,
      ...(expectedRevision === undefined ? {} : { expectedRevision }),
    });
    return { order: orderViewOf(result.state, result.revision), revision: result.revision, position: result.position };
  }
}

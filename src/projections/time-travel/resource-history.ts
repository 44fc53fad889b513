import { sagaLogStream } from '../../../sagas/saga-log/saga-log.js';
import type { SagaDocument } from '../../../sagas/saga-status/saga-document.js';
import { sagaDocuments } from '../../../sagas/saga-status/saga-status-projection.js';
import type { EventStore, RecordedEvent } from '../../application/ports/event-store.js';
import { marketStream } from '../../domain/markets/market.js';
import type { OrderEvent } from '../../domain/orders/events.js';
import { orderStream } from '../../domain/orders/order.js';
import { productStream } from '../../domain/products/product.js';
import { userStream } from '../../domain/users/user.js';
import { type MarketDocument, marketDocuments } from '../markets/markets-projection.js';
import { type OrderDocument, orderDocuments } from '../orders/orders-projection.js';
import { type ProductDocument, productDocuments } from '../products/products-projection.js';
import type { DocumentProjection } from '../projection.js';
import { type UserDocument, userDocuments } from '../users/users-projection.js';
import { type AsOf, documentAsOf, type VersionedDocument } from './as-of.js';
import { firstRevisionAfter, mergedByPosition, streamEvents } from './stream-events.js';

type OrderPlaced = Extract<OrderEvent, { type: 'OrderPlaced' }>;

/**
 * Time travel: a resource's read-model document as it stood at a revision or an instant, folded from the event store
 * (not the read model) by the projection that builds it.
 */
export class ResourceHistory {
  constructor(
    private readonly store: EventStore,
    /** What the projections decode each event with (upcasting older payloads). */
    private readonly decode: (event: RecordedEvent) => RecordedEvent,
  ) {}

  user(id: string, asOf: AsOf): Promise<UserDocument | null> {
    return this.ofStream(userDocuments, id, userStream(id), asOf);
  }

  product(id: string, asOf: AsOf): Promise<ProductDocument | null> {
    return this.ofStream(productDocuments, id, productStream(id), asOf);
  }

  order(id: string, asOf: AsOf): Promise<OrderDocument | null> {
    return this.ofStream(orderDocuments, id, orderStream(id), asOf);
  }

  market(id: string, asOf: AsOf): Promise<MarketDocument | null> {
    return this.ofStream(marketDocuments, id, marketStream(id), asOf);
  }

  /**
   * A saga's view is fed by several streams: an order's saga by the order's, by the streams of its products (from
   * the order on) and by the saga's own log; a market's by the market's and the log. Their events are merged in
   * position order, as `$all` gave them to the view.
   */
  async saga(id: string, asOf: AsOf): Promise<SagaDocument | null> {
    const log = streamEvents(this.store, sagaLogStream(id));
    const [first] = await this.store.readStream(orderStream(id), { maxCount: 1 });
    if (first?.type !== 'OrderPlaced') return this.fold(sagaDocuments, id, mergedByPosition([streamEvents(this.store, marketStream(id)), log]), asOf);
    const placed = this.decode(first) as RecordedEvent & OrderPlaced;
    const products = await Promise.all(
      placed.data.items.map(async ({ productId }) => {
        const from = await firstRevisionAfter(this.store, productStream(productId), placed.position);
        return from === null ? [] : [streamEvents(this.store, productStream(productId), from)];
      }),
    );
    return this.fold(sagaDocuments, id, mergedByPosition([streamEvents(this.store, orderStream(id)), ...products.flat(), log]), asOf);
  }

  private ofStream<Document extends VersionedDocument>(documents: DocumentProjection<any, Document>, id: string, stream: string, asOf: AsOf) {
    return this.fold(documents, id, streamEvents(this.store, stream), asOf);
  }

  private fold<Document extends VersionedDocument>(
    documents: DocumentProjection<any, Document>,
    id: string,
    events: AsyncIterable<RecordedEvent>,
    asOf: AsOf,
  ): Promise<Document | null> {
    return documentAsOf(documents, id, events, asOf, this.decode);
  }
}

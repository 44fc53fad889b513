import { z } from 'zod';
import type { RecordedEvent } from '../../application/ports/event-store.js';
import type { ProductEvent } from '../../domain/products/events.js';
import { Money } from '../../domain/shared/money.js';
import { type DocumentProjection, type Projection, readerOf } from '../projection.js';
import type { FindQuery, Page, ReadStore } from '../../application/ports/read-store.js';

/** A `products` document: the product as the API shows it (by its creator's id), and when it was created (the list's order). */
export const ProductDocument = z.object({
  id: z.string(),
  sku: z.string(),
  name: z.string(),
  description: z.string(),
  price: Money,
  stock: z.object({ onHand: z.number().int(), reserved: z.number().int(), available: z.number().int() }),
  createdBy: z.string(),
  createdAt: z.string(),
  /** The product stream's revision: what `ETag` and `If-Match` speak of. */
  version: z.number().int(),
});
export type ProductDocument = z.infer<typeof ProductDocument>;

type Recorded = RecordedEvent & ProductEvent;

const withStock = (product: ProductDocument, onHand: number, reserved: number, event: Recorded): ProductDocument => ({
  ...product,
  stock: { onHand, reserved, available: onHand - reserved },
  version: Number(event.revision),
});

export const productDocuments: DocumentProjection<Recorded, ProductDocument> = {
  collection: 'products',
  eventTypes: [
    'ProductCreated',
    'ProductPriceChanged',
    'StockAdjusted',
    'StockReserved',
    'StockReservationCommitted',
    'StockReservationReleased',
    'StockReturned',
    'StockReservationRejected',
  ],
  documentIds: (event) => [event.data.productId],
  evolve(product, event) {
    if (event.type === 'ProductCreated') {
      const { productId, sku, name, description, price, initialStock, createdBy } = event.data;
      return {
        id: productId,
        sku,
        name,
        description,
        price,
        stock: { onHand: initialStock, reserved: 0, available: initialStock },
        createdBy,
        createdAt: event.recordedAt.toISOString(),
        version: Number(event.revision),
      };
    }
    if (product === null) return null;
    const { onHand, reserved } = product.stock;
    switch (event.type) {
      case 'ProductPriceChanged':
        return { ...product, price: event.data.price, version: Number(event.revision) };
      case 'StockAdjusted':
        return withStock(product, onHand + event.data.delta, reserved, event);
      case 'StockReserved':
        return withStock(product, onHand, reserved + event.data.quantity, event);
      case 'StockReservationCommitted':
        return withStock(product, onHand - event.data.quantity, reserved - event.data.quantity, event);
      case 'StockReservationReleased':
        return withStock(product, onHand, reserved - event.data.quantity, event);
      case 'StockReturned':
        return withStock(product, onHand + event.data.quantity, reserved, event);
      case 'StockReservationRejected':
        return { ...product, version: Number(event.revision) };
    }
  },
};

export const productsProjection: Projection = {
  name: 'products',
  collections: [{ name: 'products', indexes: ['sku', 'name', 'createdAt'] }],
  documents: [productDocuments],
};

/** A product as the API shows it, before `createdBy` is enriched with the creator's name: a document has `createdAt` too. */
export type ProductView = Omit<ProductDocument, 'createdAt'>;

const products = readerOf(productDocuments);

/** The document as the read model holds it (a caching store hands out one frozen object until it changes). */
export const productById = (store: ReadStore, productId: string): Promise<ProductDocument | null> => products.get(store, productId);

/** In the order created; `q` matches name or sku. */
export const listProducts = (
  store: ReadStore,
  query: { q?: string | undefined; limit: number; cursor?: string | undefined },
): Promise<Page<ProductDocument>> => {
  const find: FindQuery = { limit: query.limit, cursor: query.cursor, orderBy: 'createdAt' };
  if (query.q) find.search = { fields: ['name', 'sku'], text: query.q };
  return products.find(store, find);
};
